-- The publication of one render at one target, if it was published.
SELECT project_id, render_id, target, remote_id, url, privacy, details, published_at
FROM publications
WHERE project_id = %(project_id)s AND render_id = %(render_id)s AND target = %(target)s

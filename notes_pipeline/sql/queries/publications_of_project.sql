-- Every publication of a document, newest first.
SELECT project_id, render_id, target, remote_id, url, privacy, details, published_at
FROM publications
WHERE project_id = %(project_id)s
ORDER BY published_at DESC

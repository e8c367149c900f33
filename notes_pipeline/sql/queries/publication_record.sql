-- Record a finished upload; a second record of the same key keeps the first (the remote copy that exists).
INSERT INTO publications (project_id, render_id, target, remote_id, url, privacy, details)
VALUES (%(project_id)s, %(render_id)s, %(target)s, %(remote_id)s, %(url)s, %(privacy)s, %(details)s)
ON CONFLICT (project_id, render_id, target) DO NOTHING
RETURNING project_id, render_id, target, remote_id, url, privacy, details, published_at

-- A project waiting for review is queued for its render once a version is approved; any other status
-- (already rendering, done, failed) is left as the run wrote it.
UPDATE projects
SET status = 'registered',
    updated_at = now()
WHERE id = %(project_id)s AND status = 'review'
RETURNING id

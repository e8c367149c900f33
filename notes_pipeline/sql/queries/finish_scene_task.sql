-- Only the worker holding the claim may finish it; attempts are the provider calls it made.
UPDATE scene_tasks
SET status = %(status)s, input_hash = %(input_hash)s, last_error = %(error)s, attempts = %(attempts)s,
    heartbeat_at = now(), updated_at = now()
WHERE project_id = %(project_id)s AND sequence_number = %(sequence_number)s AND kind = %(kind)s
  AND worker = %(worker)s AND holder = %(holder)s AND status = 'running'
RETURNING attempts

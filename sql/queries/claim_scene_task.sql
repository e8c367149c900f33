-- Idempotent claim: of two workers racing for one scene task, exactly one gets a row back.
-- The holder may claim again (its own retry of the same scene).
UPDATE scene_tasks
SET status = 'running', worker = %(worker)s, heartbeat_at = now(), attempts = attempts + 1, updated_at = now()
WHERE project_id = %(project_id)s AND sequence_number = %(sequence_number)s AND kind = %(kind)s
  AND (status = 'pending' OR (status = 'running' AND worker = %(worker)s))
RETURNING attempts

-- A live worker keeps its claims: touch the heartbeat of every task it holds for this project and kind.
UPDATE scene_tasks
SET heartbeat_at = now()
WHERE project_id = %(project_id)s AND kind = %(kind)s AND worker = %(worker)s AND status = 'running'
RETURNING sequence_number

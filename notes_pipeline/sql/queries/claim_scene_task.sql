-- Guarded claim: of any number of workers racing for one scene task, exactly one gets a row back.
-- A task is free when no one is making it or its holder's session has ended (the process died);
-- the holder itself may claim it again (its own retry of the scene). A claim is not an attempt.
UPDATE scene_tasks
SET status = 'running', worker = %(worker)s, holder = %(holder)s, heartbeat_at = now(), updated_at = now()
WHERE project_id = %(project_id)s AND sequence_number = %(sequence_number)s AND kind = %(kind)s
  AND (status <> 'running'
       OR (worker = %(worker)s AND holder = %(holder)s)
       OR holder IS NULL OR NOT session_holder_alive(holder))
RETURNING sequence_number

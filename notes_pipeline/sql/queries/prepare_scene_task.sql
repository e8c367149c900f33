-- Make a scene's task claimable for this run, unless another process holds it and is alive.
INSERT INTO scene_tasks (project_id, sequence_number, kind, status)
VALUES (%(project_id)s, %(sequence_number)s, %(kind)s, 'pending')
ON CONFLICT (project_id, sequence_number, kind) DO UPDATE
SET status = 'pending', worker = NULL, holder = NULL, updated_at = now()
WHERE scene_tasks.status <> 'running' OR scene_tasks.holder IS NULL OR NOT session_holder_alive(scene_tasks.holder)

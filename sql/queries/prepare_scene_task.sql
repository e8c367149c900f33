-- Make a scene's task claimable for this run, unless another worker holds it and is alive.
INSERT INTO scene_tasks (project_id, sequence_number, kind, status)
VALUES (%(project_id)s, %(sequence_number)s, %(kind)s, 'pending')
ON CONFLICT (project_id, sequence_number, kind) DO UPDATE
SET status = 'pending', worker = NULL, updated_at = now()
WHERE scene_tasks.status <> 'running'
   OR scene_tasks.heartbeat_at < now() - make_interval(secs => %(stale_after_s)s)

-- Who is making a scene task now, and whether that holder's process is still alive.
SELECT status, worker, holder IS NOT NULL AND session_holder_alive(holder) AS holder_alive
FROM scene_tasks
WHERE project_id = %(project_id)s AND sequence_number = %(sequence_number)s AND kind = %(kind)s

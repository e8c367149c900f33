-- A scene is done when all its tasks are done, failed when any failed, running while any runs.
UPDATE scenes s
SET status = t.status,
    retry_count = t.retries,
    last_error = COALESCE(t.error, s.last_error),
    updated_at = now()
FROM (
    SELECT CASE
               WHEN bool_or(status = 'failed') THEN 'failed'
               WHEN bool_and(status = 'done') AND count(*) = 2 THEN 'done'
               WHEN bool_or(status = 'running') THEN 'running'
               ELSE 'pending'
           END AS status,
           sum(GREATEST(attempts - 1, 0))::integer AS retries,
           max(last_error) AS error
    FROM scene_tasks
    WHERE project_id = %(project_id)s AND sequence_number = %(sequence_number)s
) t
WHERE s.project_id = %(project_id)s AND s.sequence_number = %(sequence_number)s

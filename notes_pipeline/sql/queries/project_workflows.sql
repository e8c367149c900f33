-- Every workflow of one project, newest first.
SELECT id, project_id, run_id, run_ids, tier, status, stages, retries, errors, last_error, started_at, ended_at,
       EXTRACT(EPOCH FROM (ended_at - started_at))::double precision AS total_s, updated_at
FROM workflows
WHERE project_id = %(project_id)s
ORDER BY started_at DESC, id

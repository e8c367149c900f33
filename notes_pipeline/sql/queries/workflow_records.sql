-- Workflows as the audit trail shows them, total time included (NULL while running).
SELECT id, project_id, run_id, run_ids, tier, status, stages, retries, errors, last_error, started_at, ended_at,
       EXTRACT(EPOCH FROM (ended_at - started_at))::double precision AS total_s, updated_at
FROM workflows
WHERE id = ANY (%(ids)s)
ORDER BY started_at, id

-- The workflows still open whose latest run is one of these runs.
SELECT id, project_id, run_id, tier
FROM workflows
WHERE run_id = ANY (%(run_ids)s) AND status = 'running'

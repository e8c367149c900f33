-- Stage rows whose process died mid-stage (its holder's session ended) are closed as failed, once.
UPDATE stage_runs
SET status = 'failed', ended_at = GREATEST(now(), started_at), error = %(error)s
WHERE status = 'running' AND holder IS NOT NULL AND NOT session_holder_alive(holder)
RETURNING id, project_id, stage, run_id

-- A workflow row for a run that failed before any stage began (e.g. its step could not start).
INSERT INTO workflows (id, project_id, run_id, run_ids, tier, started_at, updated_at)
VALUES (%(workflow_id)s, %(project_id)s, %(run_id)s, ARRAY[%(run_id)s]::text[], %(tier)s, %(at)s, %(at)s)
ON CONFLICT (id) DO NOTHING

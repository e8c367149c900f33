INSERT INTO stage_runs (project_id, stage, run_id, holder) VALUES (%(project_id)s, %(stage)s, %(run_id)s, %(holder)s)
RETURNING id

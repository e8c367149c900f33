INSERT INTO stage_runs (project_id, stage, run_id) VALUES (%(project_id)s, %(stage)s, %(run_id)s) RETURNING id

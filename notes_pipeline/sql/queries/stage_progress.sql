-- The latest row of each stage of a project, and the run that started most recently.
SELECT DISTINCT ON (stage) stage, run_id, status, started_at, ended_at, error,
       (SELECT r.run_id FROM stage_runs r WHERE r.project_id = %(project_id)s ORDER BY r.started_at DESC, r.id DESC LIMIT 1)
           AS current_run_id
FROM stage_runs
WHERE project_id = %(project_id)s
ORDER BY stage, started_at DESC, id DESC

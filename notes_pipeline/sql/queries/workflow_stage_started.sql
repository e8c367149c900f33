-- A stage attempt begins: the workflow is created on its first event, and running again on
-- any later one (a retry). A stage seen before counts one retry.
INSERT INTO workflows (id, project_id, run_id, run_ids, tier, stages, started_at, updated_at)
VALUES (%(workflow_id)s, %(project_id)s, %(run_id)s, ARRAY[%(run_id)s]::text[], %(tier)s,
        jsonb_build_object(%(stage)s::text, jsonb_build_object('started_at', %(at)s::timestamptz, 'ended_at', NULL,
                                                        'status', 'running', 'attempts', 1, 'error', NULL)),
        %(at)s, %(at)s)
ON CONFLICT (id) DO UPDATE
SET run_id = EXCLUDED.run_id,
    run_ids = CASE WHEN EXCLUDED.run_id = ANY (workflows.run_ids) THEN workflows.run_ids
                   ELSE workflows.run_ids || EXCLUDED.run_id END,
    tier = COALESCE(workflows.tier, EXCLUDED.tier),
    status = 'running',
    ended_at = NULL,
    retries = workflows.retries + CASE WHEN workflows.stages ? %(stage)s THEN 1 ELSE 0 END,
    stages = workflows.stages || jsonb_build_object(%(stage)s::text, jsonb_build_object(
        'started_at', %(at)s::timestamptz, 'ended_at', NULL, 'status', 'running',
        'attempts', COALESCE((workflows.stages -> %(stage)s ->> 'attempts')::integer, 0) + 1,
        'error', NULL)),
    updated_at = %(at)s

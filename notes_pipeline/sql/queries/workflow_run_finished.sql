-- The Dagster run ended (seen by the run status sensors): the workflow ends with it, unless a
-- later run of the same workflow has started since.
UPDATE workflows
SET status = %(status)s,
    ended_at = GREATEST(%(at)s, started_at),
    errors = errors + CASE WHEN %(status)s = 'failed' THEN 1 ELSE 0 END,
    last_error = COALESCE(%(error)s, last_error),
    stages = CASE WHEN %(status)s = 'failed'
                  -- stages the crash or cancellation cut short never recorded their end
                  THEN (SELECT COALESCE(jsonb_object_agg(key, CASE WHEN value ->> 'status' = 'running'
                                        THEN value || jsonb_build_object('status', 'failed', 'ended_at',
                                                                         %(at)s::timestamptz)
                                        ELSE value END), '{}'::jsonb)
                        FROM jsonb_each(stages))
                  ELSE stages END,
    updated_at = %(at)s
WHERE id = %(workflow_id)s AND run_id = %(run_id)s
RETURNING id

-- A stage attempt ends. A failure fails the workflow (a retry starting later runs it again);
-- the last stage's success completes it.
UPDATE workflows
SET stages = stages || jsonb_build_object(%(stage)s::text, COALESCE(stages -> %(stage)s, '{}'::jsonb)
                 || jsonb_build_object('ended_at', %(at)s::timestamptz, 'status', %(status)s::text,
                                       'error', %(error)s::text)),
    status = CASE WHEN %(status)s = 'failed' THEN 'failed'
                  WHEN %(completes)s THEN 'succeeded'
                  ELSE status END,
    ended_at = CASE WHEN %(status)s = 'failed' OR %(completes)s THEN GREATEST(%(at)s, started_at) ELSE ended_at END,
    errors = errors + CASE WHEN %(status)s = 'failed' THEN 1 ELSE 0 END,
    last_error = COALESCE(%(error)s, last_error),
    updated_at = %(at)s
WHERE id = %(workflow_id)s
RETURNING id

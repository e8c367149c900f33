-- Projects that reached an end state in the last 24 hours, and the share that succeeded.
-- Derived status: a delivered project counts as succeeded whatever ran on it later.
SELECT count(*) FILTER (WHERE status = 'done')   AS succeeded,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       round(count(*) FILTER (WHERE status = 'done')::numeric
             / NULLIF(count(*) FILTER (WHERE status IN ('done', 'failed')), 0), 4) AS success_rate
FROM project_states
WHERE COALESCE(delivered_at, last_touched_at) >= %(now)s - interval '24 hours'
  AND status IN ('done', 'failed')

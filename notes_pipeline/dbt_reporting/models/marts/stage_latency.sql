-- Wall time of successful stage attempts, per stage (failed attempts stop early and would flatter it).
select
    stage,
    count(*)                                                    as runs,
    avg(duration_s)                                             as mean_s,
    percentile_cont(0.5) within group (order by duration_s)    as p50_s,
    percentile_cont(0.95) within group (order by duration_s)   as p95_s,
    percentile_cont(0.99) within group (order by duration_s)   as p99_s,
    max(duration_s)                                             as max_s
from {{ ref('stg_stage_runs') }}
where status = 'succeeded'
group by stage

-- Per UTC day of registration: how many projects, how many became videos, how fast.
with projects as (
    select * from {{ ref('stg_projects') }}
),

times as (
    select * from {{ ref('time_to_video') }}
),

outcomes as (
    select
        created_day                                                   as day,
        count(*)                                                      as projects,
        count(*) filter (where status = 'done')                      as succeeded,
        count(*) filter (where status = 'failed')                    as failed,
        count(*) filter (where status in ('registered', 'running'))  as in_progress,
        count(*) filter (where status = 'done' and is_reused)        as reused
    from projects
    group by created_day
),

speed as (
    select
        created_day                                                         as day,
        percentile_cont(0.5) within group (order by seconds_to_video)      as p50_seconds_to_video,
        percentile_cont(0.95) within group (order by seconds_to_video)     as p95_seconds_to_video
    from times
    group by created_day
)

select
    o.day,
    o.projects,
    o.succeeded,
    o.failed,
    o.in_progress,
    o.reused,
    o.succeeded::double precision / nullif(o.succeeded + o.failed, 0) as success_rate,
    s.p50_seconds_to_video,
    s.p95_seconds_to_video
from outcomes as o
left join speed as s using (day)

-- Retries per stage at three levels: whole-stage attempts, per-scene task claims, provider calls.
with runs as (
    select
        stage,
        count(distinct project_id)                  as projects,
        count(*)                                    as runs,
        count(*) filter (where status = 'failed')  as failed_runs
    from {{ ref('stg_stage_runs') }}
    group by stage
),

tasks as (
    select
        stage,
        count(*)                             as scene_tasks,
        sum(greatest(attempts - 1, 0))       as scene_task_retries
    from {{ ref('stg_scene_tasks') }}
    group by stage
),

calls as (
    select
        stage,
        count(*)                             as provider_calls,
        sum(greatest(attempts - 1, 0))       as provider_retries
    from {{ ref('stg_assets') }}
    where cache_hit = 'none'
    group by stage
),

stages as (
    select stage from runs
    union
    select stage from tasks
    union
    select stage from calls
)

select
    s.stage,
    coalesce(r.projects, 0)                                        as projects,
    coalesce(r.runs, 0)                                            as runs,
    coalesce(r.failed_runs, 0)                                     as failed_runs,
    coalesce(r.runs - r.projects, 0)                               as stage_retries,
    (r.runs - r.projects)::double precision / nullif(r.projects, 0) as stage_retries_per_project,
    coalesce(t.scene_tasks, 0)                                     as scene_tasks,
    coalesce(t.scene_task_retries, 0)                              as scene_task_retries,
    coalesce(c.provider_calls, 0)                                  as provider_calls,
    coalesce(c.provider_retries, 0)                                as provider_retries
from stages as s
left join runs as r using (stage)
left join tasks as t using (stage)
left join calls as c using (stage)

-- Each finished video: from registration to the end of its successful final_video stage.
with projects as (
    select * from {{ ref('stg_projects') }}
),

finished as (
    select project_id, max(ended_at) as video_ready_at
    from {{ ref('stg_stage_runs') }}
    where stage = 'final_video' and status = 'succeeded'
    group by project_id
)

select
    p.project_id,
    p.created_day,
    p.is_reused,
    p.created_at,
    f.video_ready_at,
    extract(epoch from f.video_ready_at - p.created_at)::double precision as seconds_to_video
from projects as p
join finished as f using (project_id)
where p.status = 'done'

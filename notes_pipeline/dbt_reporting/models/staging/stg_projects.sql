-- The status is the derived one (project_states): projects.status is whatever stage wrote last.
select
    p.id                                   as project_id,
    s.status,
    p.reused_from,
    p.reused_from is not null              as is_reused,
    p.final_video_key,
    p.created_at,
    p.updated_at,
    (p.created_at at time zone 'UTC')::date as created_day
from {{ source('pipeline', 'projects') }} as p
inner join {{ source('pipeline', 'project_states') }} as s on s.id = p.id

select
    id                                   as project_id,
    status,
    reused_from,
    reused_from is not null              as is_reused,
    final_video_key,
    created_at,
    updated_at,
    (created_at at time zone 'UTC')::date as created_day
from {{ source('pipeline', 'projects') }}

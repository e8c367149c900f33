select
    project_id || ':' || sequence_number as scene_key,
    project_id,
    sequence_number,
    status,
    retry_count,
    updated_at
from {{ source('pipeline', 'scenes') }}

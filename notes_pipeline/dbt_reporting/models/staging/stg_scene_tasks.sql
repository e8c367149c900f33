-- One row per scene task, with the stage that owns it.
select
    project_id || ':' || sequence_number || ':' || kind as task_key,
    project_id,
    project_id || ':' || sequence_number as scene_key,
    sequence_number,
    kind,
    'scene_narration' as stage,
    status,
    attempts
from {{ source('pipeline', 'narration_tasks') }}
where kind = 'audio'

union all

select
    project_id || ':' || sequence_number || ':' || kind,
    project_id,
    project_id || ':' || sequence_number,
    sequence_number,
    kind,
    'scene_images',
    status,
    attempts
from {{ source('pipeline', 'image_tasks') }}
where kind = 'image'

-- One row per stage attempt; duration only once it has ended.
{% set stages = ['video_script', 'scene_narration', 'scene_images', 'final_video'] %}
{% for stage in stages %}
select
    id         as stage_run_id,
    project_id,
    stage,
    run_id,
    status,
    started_at,
    ended_at,
    extract(epoch from ended_at - started_at)::double precision as duration_s,
    error
from {{ source('pipeline', stage ~ '_runs') }}
where stage = '{{ stage }}'
{% if not loop.last %}union all{% endif %}
{% endfor %}

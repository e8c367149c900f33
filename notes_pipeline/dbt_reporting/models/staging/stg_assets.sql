-- One row per recorded artefact, with the stage that made it.
{% set slices = [
    ('script_assets', 'video_script', "('script')"),
    ('narration_assets', 'scene_narration', "('audio')"),
    ('image_assets', 'scene_images', "('image')"),
    ('video_assets', 'final_video', "('video', 'subtitles', 'thumbnail', 'provenance')"),
] %}
{% for source_table, stage, asset_types in slices %}
select
    id                              as asset_id,
    project_id,
    sequence_number,
    asset_type,
    '{{ stage }}'                   as stage,
    content_hash,
    provider,
    provider_latency_ms,
    attempts,
    fallbacks,
    cardinality(fallbacks)          as fallback_count,
    cache_hit,
    usage,
    created_at,
    (created_at at time zone 'UTC')::date as created_day
from {{ source('pipeline', source_table) }}
where asset_type in {{ asset_types }}
{% if not loop.last %}union all{% endif %}
{% endfor %}

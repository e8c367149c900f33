-- The per-stage slices in staging must add up to the whole tables: a new stage name, asset
-- type or task kind that no slice takes would otherwise vanish from every report.
{{ config(meta={'dagster': {'ref': {'name': 'stg_stage_runs'}}}) }}
{% set pairs = [
    ('narration_tasks', 'stg_scene_tasks'),
    ('script_assets', 'stg_assets'),
    ('video_script_runs', 'stg_stage_runs'),
] %}
{% for raw, staged in pairs %}
select '{{ staged }}' as model, raw.n as table_rows, staged.n as staged_rows
from (select count(*) as n from {{ source('pipeline', raw) }}) as raw,
     (select count(*) as n from {{ ref(staged) }}) as staged
where raw.n <> staged.n
{% if not loop.last %}union all{% endif %}
{% endfor %}

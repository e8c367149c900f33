-- Estimated spend per project (price table x billable units), by stage, and what the caches
-- saved: exact hits save the original artefact's spend, a semantic reuse the reused project's.
with projects as (
    select * from {{ ref('stg_projects') }}
),

spend as (
    select
        project_id,
        sum(spent_usd)                                                   as spent_usd,
        sum(spent_usd) filter (where stage = 'video_script')             as script_usd,
        sum(spent_usd) filter (where stage = 'scene_narration')          as narration_usd,
        sum(spent_usd) filter (where stage = 'scene_images')             as images_usd,
        sum(saved_usd)                                                   as exact_saved_usd
    from {{ ref('int_asset_costs') }}
    group by project_id
),

project_spend as (
    select
        p.project_id,
        p.created_day,
        p.status,
        p.is_reused,
        p.reused_from,
        coalesce(s.spent_usd, 0)       as spent_usd,
        coalesce(s.script_usd, 0)      as script_usd,
        coalesce(s.narration_usd, 0)   as narration_usd,
        coalesce(s.images_usd, 0)      as images_usd,
        coalesce(s.exact_saved_usd, 0) as exact_saved_usd
    from projects as p
    left join spend as s using (project_id)
)

select
    p.*,
    coalesce(original.spent_usd, 0) as semantic_saved_usd
from project_spend as p
left join project_spend as original on p.is_reused and original.project_id = p.reused_from

-- Per UTC day and asset type: how many artefacts came from the exact or semantic cache, and
-- the estimated spend exact hits saved.
select
    created_day                                                                  as day,
    asset_type,
    stage,
    count(*)                                                                     as artefacts,
    count(*) filter (where cache_hit = 'exact')                                  as exact_hits,
    count(*) filter (where cache_hit = 'semantic')                               as semantic_hits,
    count(*) filter (where cache_hit = 'exact')::double precision / count(*)     as exact_hit_rate,
    count(*) filter (where cache_hit = 'semantic')::double precision / count(*)  as semantic_hit_rate,
    sum(spent_usd)                                                               as spent_usd,
    sum(saved_usd)                                                               as saved_usd
from {{ ref('int_asset_costs') }}
group by created_day, asset_type, stage

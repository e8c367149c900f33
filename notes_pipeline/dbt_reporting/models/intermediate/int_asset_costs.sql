-- Estimated spend of each artefact (billable units x price), and what an exact cache hit saved:
-- the spend of the artefact first made from the same inputs.
with assets as (
    select * from {{ ref('stg_assets') }}
),

prices as (
    select * from {{ ref('provider_prices') }}
),

unit_costs as (
    select
        a.asset_id,
        sum(u.quantity::numeric * p.usd_per_unit)          as usage_usd,
        count(*) filter (where p.usd_per_unit is null)      as unpriced_units
    from assets as a
    cross join lateral jsonb_each_text(a.usage) as u (unit, quantity)
    left join prices as p on p.provider = a.provider and p.unit = u.unit
    group by a.asset_id
),

priced as (
    select
        a.*,
        coalesce(c.usage_usd, 0)      as usage_usd,
        coalesce(c.unpriced_units, 0) as unpriced_units
    from assets as a
    left join unit_costs as c using (asset_id)
),

originals as (
    select distinct on (asset_type, content_hash) asset_type, content_hash, usage_usd
    from priced
    where cache_hit = 'none' and content_hash is not null
    order by asset_type, content_hash, created_at, asset_id
)

select
    p.asset_id,
    p.project_id,
    p.stage,
    p.asset_type,
    p.provider,
    p.cache_hit,
    p.created_day,
    case when p.cache_hit = 'none' then p.usage_usd else 0 end               as spent_usd,
    case when p.cache_hit = 'exact' then coalesce(o.usage_usd, 0) else 0 end as saved_usd,
    p.unpriced_units
from priced as p
left join originals as o
    on p.cache_hit = 'exact' and o.asset_type = p.asset_type and o.content_hash = p.content_hash

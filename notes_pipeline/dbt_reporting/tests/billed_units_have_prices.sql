-- Providers and units the pipeline billed for that the price table does not know: their cost
-- is counted as zero until provider_prices.csv has a row for them.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'provider_prices'}}}) }}
select a.provider, u.unit, count(*) as artefacts
from {{ ref('stg_assets') }} as a
cross join lateral jsonb_object_keys(a.usage) as u (unit)
left join {{ ref('provider_prices') }} as p on p.provider = a.provider and p.unit = u.unit
where a.cache_hit = 'none' and p.provider is null
group by a.provider, u.unit

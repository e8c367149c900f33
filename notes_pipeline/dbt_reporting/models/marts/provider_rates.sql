-- Per asset type and provider: how often it served, how often it failed so that the next
-- provider in the chain had to serve (it is then listed in that artefact's fallbacks), and
-- how often it served only as a fallback. Cache hits called no provider and are left out.
with calls as (
    select * from {{ ref('stg_assets') }}
    where cache_hit = 'none'
),

served as (
    select
        asset_type,
        stage,
        provider,
        count(*)                                          as served,
        count(*) filter (where fallback_count > 0)        as served_as_fallback,
        percentile_cont(0.5) within group (order by provider_latency_ms) as p50_latency_ms
    from calls
    where provider is not null
    group by asset_type, stage, provider
),

failed as (
    select c.asset_type, c.stage, f.provider, count(*) as failed
    from calls as c
    cross join lateral unnest(c.fallbacks) as f (provider)
    group by c.asset_type, c.stage, f.provider
),

combined as (
    select
        coalesce(s.asset_type, f.asset_type) as asset_type,
        coalesce(s.stage, f.stage)           as stage,
        coalesce(s.provider, f.provider)     as provider,
        coalesce(s.served, 0)                as served,
        coalesce(s.served_as_fallback, 0)    as served_as_fallback,
        coalesce(f.failed, 0)                as failed,
        s.p50_latency_ms
    from served as s
    full outer join failed as f
        on f.asset_type = s.asset_type and f.provider = s.provider
)

select
    asset_type,
    stage,
    provider,
    served,
    failed,
    served_as_fallback,
    failed::double precision / nullif(served + failed, 0)           as failure_rate,
    served_as_fallback::double precision / nullif(served, 0)        as fallback_rate,
    served::double precision / nullif(sum(served) over (partition by asset_type), 0) as share_of_type,
    p50_latency_ms
from combined

"""The dashboard: the marts rendered to one HTML file in the bucket, its main chart in the UI."""

import base64

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from notes_pipeline.defs.observability.dbt import REPORTS_GROUP, dbt_reporting_assets
from notes_pipeline.defs.resources import BucketResource, DatabaseResource
from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.reporting.dashboard import DASHBOARD_KEY, publish_dashboard
from notes_pipeline.reporting.marts import Marts

MART_KEYS = [get_asset_key_for_model([dbt_reporting_assets], name) for name in Marts.model_fields]


@dg.asset(deps=MART_KEYS, group_name=REPORTS_GROUP, kinds={"matplotlib", "html"})
def reports_dashboard(database: DatabaseResource, bucket: BucketResource) -> dg.MaterializeResult:
    """Success rate over time, latency by stage, provider mix and cache savings, as one HTML page."""
    store = bucket.get()
    try:
        dashboard, uri = publish_dashboard(database.get().url, store)
    except PipelineError as err:
        raise dg.Failure(description=str(err), allow_retries=False) from None
    top = dashboard.headline
    chart = base64.b64encode(dashboard.main_chart_png).decode("ascii")
    local = store.local_path(DASHBOARD_KEY)
    metadata = {
        "dagster/uri": uri,
        "path": dg.MetadataValue.path(str(local)) if local else None,
        "videos": top.videos,
        "failed": top.failed,
        "success_rate": top.success_rate,
        "cost_per_video_usd": round(top.cost_per_video_usd, 6) if top.cost_per_video_usd is not None else None,
        "saved_usd": round(top.saved_usd, 6),
        "success_chart": dg.MetadataValue.md(f"![Videos per day and success rate](data:image/png;base64,{chart})"),
    }
    return dg.MaterializeResult(metadata={name: value for name, value in metadata.items() if value is not None})

"""The one Definitions object: media assets, their checks, the sensors and the resources."""

import dagster as dg

from notes_pipeline.defs.ingest.sensors import inbox_sensor
from notes_pipeline.defs.media.assets import media_assets, notes_video_job
from notes_pipeline.defs.media.checks import media_checks
from notes_pipeline.defs.observability import observability_definitions
from notes_pipeline.defs.ops.gc import garbage_collection, gc_schedule
from notes_pipeline.defs.ops.sensors import ops_sensors
from notes_pipeline.defs.resources import pipeline_resources
from notes_pipeline.defs.review.sensors import script_review_sensor
from notes_pipeline.workers import job_executor

defs = dg.Definitions(
    assets=media_assets,
    asset_checks=media_checks,
    jobs=[notes_video_job, garbage_collection],
    schedules=[gc_schedule],
    sensors=[inbox_sensor, script_review_sensor, *ops_sensors],
    resources=pipeline_resources(),
    executor=job_executor(),  # in-process unless NOTES_PIPELINE_EXECUTOR says otherwise
)
defs = dg.Definitions.merge(defs, observability_definitions())


def pool_names() -> set[str]:
    """Every concurrency pool an asset of this project runs in (their rows are created up front, see instance.py)."""
    return {a.node_def.pool for a in defs.resolve_asset_graph().assets_defs if a.is_executable and a.node_def.pool}

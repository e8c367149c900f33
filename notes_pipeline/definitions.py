"""The one Definitions object: media assets, their checks, the inbox sensor and the resources."""

import dagster as dg

from notes_pipeline.defs.ingest.sensors import inbox_sensor
from notes_pipeline.defs.media.assets import media_assets, notes_video_job
from notes_pipeline.defs.media.checks import media_checks
from notes_pipeline.defs.ops.gc import garbage_collection, gc_schedule
from notes_pipeline.defs.observability import observability_definitions
from notes_pipeline.defs.resources import pipeline_resources

defs = dg.Definitions(
    assets=media_assets,
    asset_checks=media_checks,
    jobs=[notes_video_job, garbage_collection],
    schedules=[gc_schedule],
    sensors=[inbox_sensor],
    resources=pipeline_resources(),
)
defs = dg.Definitions.merge(defs, observability_definitions())

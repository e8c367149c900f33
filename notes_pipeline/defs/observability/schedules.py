"""The reports are rebuilt every hour: dbt build, then the dashboard."""

import dagster as dg

from notes_pipeline.defs.observability.dbt import REPORTS_GROUP

reports_job = dg.define_asset_job(
    "reports",
    selection=dg.AssetSelection.groups(REPORTS_GROUP),
    description="dbt build of dbt_reporting, then the dashboard.",
)

reports_schedule = dg.ScheduleDefinition(
    name="reports_hourly",
    job=reports_job,
    cron_schedule="0 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

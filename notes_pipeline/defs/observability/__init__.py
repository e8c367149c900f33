"""Observability: dbt_reporting as assets downstream of the media assets, and the dashboard."""

import dagster as dg

from notes_pipeline.defs.observability.assets import reports_dashboard
from notes_pipeline.defs.observability.dbt import dbt_reporting_assets, dbt_resource
from notes_pipeline.defs.observability.schedules import reports_job, reports_schedule


def observability_definitions() -> dg.Definitions:
    """A function, not a module-level object: Dagster refuses a module with two Definitions in scope."""
    return dg.Definitions(
        assets=[dbt_reporting_assets, reports_dashboard],
        jobs=[reports_job],
        schedules=[reports_schedule],
        resources={"dbt": dbt_resource()},  # "database" is the pipeline's own resource
    )

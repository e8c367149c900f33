"""Reports over the product state: run the dbt_reporting project and render its marts as a dashboard.

Plain Python, no Dagster: the CLI's `report`, the Dagster assets in defs/observability and
the tests all call these functions.
"""

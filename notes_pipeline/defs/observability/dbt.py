"""dbt_reporting as Dagster assets: staging views, marts and the price seed, with dbt tests as checks.

Each dbt source carries `meta.dagster.asset_key`, so the reports hang off the media assets
that write the tables (video_script, scene_narration, scene_images, final_video). Those are
partitioned per notes document and the reports are not: Dagster maps an unpartitioned asset
to all partitions of its upstream, so a report covers every document, and materialising one
document's partition is unaffected.
"""

import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from notes_pipeline.defs.resources import DatabaseResource
from notes_pipeline.reporting.dbt import (
    DBT_PROJECT_DIR,
    dbt_environment,
    dbt_executable,
    keep_parse_state,
    parse_project,
    prepare_database,
    restore_parse_state,
)

REPORTS_GROUP = "reports"

reporting_project = DbtProject(project_dir=DBT_PROJECT_DIR)
# `make install` parses the project offline; `dagster dev` re-parses so edits show up, and a
# checkout that skipped make (plain pytest) parses once here rather than failing to load.
if reporting_project.preparer.using_dagster_dev() or not reporting_project.manifest_path.exists():
    parse_project()


class ReportsTranslator(DagsterDbtTranslator):
    """All dbt nodes in the `reports` group; several sources (slices of one table) may share a key."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return REPORTS_GROUP


@dbt_assets(
    manifest=reporting_project.manifest_path,
    project=reporting_project,
    dagster_dbt_translator=ReportsTranslator(),
    name="dbt_reporting",
)
def dbt_reporting_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, database: DatabaseResource
) -> Iterator[Any]:
    """`dbt build` of dbt_reporting against the pipeline's database: models, seed and dbt tests."""
    url = database.get().url
    prepare_database(url)
    # A throwaway target folder: dbt's per-run artefacts would otherwise pile up, one set per run.
    with dbt_environment(url) as connection, tempfile.TemporaryDirectory(prefix="dbt-reporting-") as target:
        restore_parse_state(Path(target), connection)
        yield from dbt.cli(["build"], context=context, target_path=Path(target)).stream()
        keep_parse_state(Path(target), connection)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=reporting_project, dbt_executable=dbt_executable())

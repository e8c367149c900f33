"""The reports in Dagster: dbt models as assets downstream of the media assets, built by one
`dbt build` whose tests become asset checks, then the dashboard with its chart in the metadata."""

from __future__ import annotations

import base64
import importlib
import io
import os
import re

import dagster as dg
from PIL import Image

from notes_pipeline.definitions import defs
from notes_pipeline.defs.observability.assets import reports_dashboard
from notes_pipeline.defs.observability.dbt import dbt_reporting_assets, dbt_resource
from notes_pipeline.defs.partitions import notes_documents
from notes_pipeline.defs.resources import BucketResource, DatabaseResource
from notes_pipeline.reporting import charts
from notes_pipeline.reporting.dashboard import DASHBOARD_KEY
from notes_pipeline.reporting.dbt import ENV_PREFIX
from notes_pipeline_tests.observability.conftest import fresh_database
from notes_pipeline_tests.observability.history import History

MEDIA = {"video_script", "scene_narration", "scene_images", "final_video"}
MARTS = {
    "daily_success_rate",
    "time_to_video",
    "stage_latency",
    "stage_retries",
    "provider_rates",
    "cache_hit_rates",
    "cost_per_video",
}


def key(path: str) -> dg.AssetKey:
    return dg.AssetKey.from_user_string(path)


def test_the_code_location_loads_as_dagster_loads_it():
    """`dagster dev` finds exactly one Definitions at the module's top level, with the reports in it."""
    from dagster._core.workspace.autodiscovery import (
        loadable_targets_from_loaded_module,
    )

    targets = loadable_targets_from_loaded_module(importlib.import_module("notes_pipeline.definitions"))
    assert [t.attribute for t in targets] == ["defs"]
    assert key("reports_dashboard") in defs.resolve_asset_graph().get_all_asset_keys()


def test_dbt_assets_hang_off_the_media_assets():
    graph = defs.resolve_asset_graph()
    parents = {
        k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys} for k in graph.get_all_asset_keys()
    }
    assert parents["staging/stg_projects"] == {"final_video"}
    assert parents["staging/stg_scenes"] == {"video_script"}
    assert parents["staging/stg_scene_tasks"] == {"scene_narration", "scene_images"}
    assert parents["staging/stg_assets"] == MEDIA
    assert parents["staging/stg_stage_runs"] == MEDIA
    assert parents["reports_dashboard"] == MARTS
    assert {"provider_prices", "staging/int_asset_costs"} <= set(parents)
    # Every report is downstream of final_video, so the UI draws lineage from the videos into them.
    downstream = {k.to_user_string() for k in graph.asset_dep_graph["downstream"].keys()}
    assert MARTS <= downstream
    for mart in MARTS | {"reports_dashboard"}:
        assert "final_video" in {a.to_user_string() for a in graph.get_ancestor_asset_keys(key(mart))}, mart


def test_reports_are_unpartitioned_over_every_partition_of_the_media_assets():
    graph = defs.resolve_asset_graph()
    assert graph.get(key("final_video")).partitions_def == notes_documents
    for report in ("staging/stg_projects", "staging/stg_stage_runs", "reports_dashboard", "daily_success_rate"):
        assert graph.get(key(report)).partitions_def is None
    mapping = graph.get_partition_mapping(key("staging/stg_projects"), key("final_video"))
    assert isinstance(mapping, dg.AllPartitionMapping)
    # The per-document job stays the media assets (the review gate, the opt-in publish step); the reports have their
    # own job and schedule.
    per_document = MEDIA | {"approved_script", "published_video"}
    assert {
        k.to_user_string() for k in defs.resolve_job_def("notes_video").asset_layer.executable_asset_keys
    } == per_document
    reports = defs.resolve_job_def("reports").asset_layer.executable_asset_keys
    assert {k.to_user_string() for k in reports} >= MARTS | {"reports_dashboard", "staging/stg_assets"}
    assert not {k.to_user_string() for k in reports} & per_document
    schedule = defs.resolve_schedule_def("reports_hourly")
    assert schedule.job_name == "reports" and schedule.cron_schedule == "0 * * * *"


def _resources(url: str, bucket_root: str) -> dict:
    return {"dbt": dbt_resource(), "database": DatabaseResource(url=url), "bucket": BucketResource(root=bucket_root)}


def test_materialising_the_reports_builds_dbt_runs_its_tests_and_renders_the_dashboard(
    seeded_url: str, history: History, tmp_path
):
    result = dg.materialize(
        [dbt_reporting_assets, reports_dashboard],
        resources=_resources(seeded_url, str(tmp_path)),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    built = {
        m.asset_key.to_user_string()
        for m in result.get_asset_materialization_events()
        for m in [m.event_specific_data.materialization]
    }
    assert built >= MARTS | {"provider_prices", "staging/stg_assets", "staging/int_asset_costs", "reports_dashboard"}

    checks = result.get_asset_check_evaluations()
    assert len(checks) >= 40 and all(c.passed for c in checks), [c.check_name for c in checks if not c.passed]
    assert {c.asset_key.to_user_string() for c in checks} >= {"staging/stg_assets", "daily_success_rate"}
    assert not [name for name in os.environ if name.startswith(ENV_PREFIX)], "dbt's variables leaked"

    metadata = result.asset_materializations_for_node("reports_dashboard")[0].metadata
    assert metadata["videos"].value == sum(p["status"] == "done" for p in history.projects)
    assert metadata["failed"].value == sum(p["status"] == "failed" for p in history.projects)
    assert metadata["dagster/uri"].value.endswith(DASHBOARD_KEY)
    assert (tmp_path / DASHBOARD_KEY).read_text().startswith("<!doctype html>")
    embedded = re.fullmatch(r"!\[[^\]]+\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", metadata["success_chart"].value)
    chart = Image.open(io.BytesIO(base64.b64decode(embedded.group(1)))).convert("RGB")
    assert chart.width > 500 and chart.height > 250
    green = tuple(int(charts.SUCCEEDED_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    assert sum(n for n, pixel in chart.getcolors(1 << 24) if pixel == green) > 5000


def test_dashboard_without_built_reports_fails_with_what_to_do(postgres_server, migrated_template, tmp_path):
    url = fresh_database(postgres_server)
    result = dg.materialize(
        [reports_dashboard],
        resources=_resources(url, str(tmp_path)),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure).step_failure_data.user_failure_data
    assert "does not exist yet" in failure.description and "notes-pipeline report" in failure.description
    assert not (tmp_path / DASHBOARD_KEY).exists()

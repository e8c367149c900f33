"""The dbt marts read back as typed rows, for the dashboard.

The marts are tables dbt builds in the reporting schema (dbt_reporting/models/marts); this
module only reads them, ordered, into pydantic rows.
"""

from __future__ import annotations

from datetime import date

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from pydantic import BaseModel

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.reporting.dbt import REPORTING_SCHEMA


class MartsMissingError(PipelineError):
    """The marts have not been built in this database yet."""


class DailySuccess(BaseModel):
    day: date
    projects: int
    succeeded: int
    failed: int
    in_progress: int
    reused: int
    success_rate: float | None
    p50_seconds_to_video: float | None
    p95_seconds_to_video: float | None


class VideoTime(BaseModel):
    project_id: str
    created_day: date
    is_reused: bool
    seconds_to_video: float


class StageLatency(BaseModel):
    stage: str
    runs: int
    mean_s: float
    p50_s: float
    p95_s: float
    p99_s: float
    max_s: float


class StageRetries(BaseModel):
    stage: str
    projects: int
    runs: int
    failed_runs: int
    stage_retries: int
    stage_retries_per_project: float | None
    scene_tasks: int
    scene_task_retries: int
    provider_calls: int
    provider_retries: int


class ProviderRate(BaseModel):
    asset_type: str
    stage: str
    provider: str
    served: int
    failed: int
    served_as_fallback: int
    failure_rate: float | None
    fallback_rate: float | None
    share_of_type: float | None
    p50_latency_ms: float | None


class CacheDay(BaseModel):
    day: date
    asset_type: str
    stage: str
    artefacts: int
    exact_hits: int
    semantic_hits: int
    exact_hit_rate: float
    semantic_hit_rate: float
    spent_usd: float
    saved_usd: float


class ProjectCost(BaseModel):
    project_id: str
    created_day: date
    status: str
    is_reused: bool
    reused_from: str | None
    spent_usd: float
    script_usd: float
    narration_usd: float
    images_usd: float
    exact_saved_usd: float
    semantic_saved_usd: float


class Marts(BaseModel):
    daily_success_rate: list[DailySuccess]
    time_to_video: list[VideoTime]
    stage_latency: list[StageLatency]
    stage_retries: list[StageRetries]
    provider_rates: list[ProviderRate]
    cache_hit_rates: list[CacheDay]
    cost_per_video: list[ProjectCost]


# The order each mart is read in: the dashboard draws rows as they come.
_ORDER = {
    "daily_success_rate": ["day"],
    "time_to_video": ["created_day", "project_id"],
    "stage_latency": ["stage"],
    "stage_retries": ["stage"],
    "provider_rates": ["asset_type", "served DESC", "provider"],
    "cache_hit_rates": ["day", "asset_type"],
    "cost_per_video": ["created_day", "project_id"],
}


def _select(schema: str, table: str) -> sql.Composed:
    order = []
    for term in _ORDER[table]:
        column, _, direction = term.partition(" ")
        order.append(sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(direction or "ASC")))
    return sql.SQL("SELECT * FROM {}.{} ORDER BY {}").format(
        sql.Identifier(schema), sql.Identifier(table), sql.SQL(", ").join(order)
    )


def load_marts(url: str, *, schema: str = REPORTING_SCHEMA) -> Marts:
    """Every mart as rows; a clear error when dbt has not built them in this database."""
    rows: dict[str, list[dict]] = {}
    with psycopg.connect(url, row_factory=dict_row) as conn:
        for table in _ORDER:
            try:
                rows[table] = conn.execute(_select(schema, table)).fetchall()
            except psycopg.errors.UndefinedTable:
                raise MartsMissingError(
                    f"the report table {schema}.{table} does not exist yet: build the reports first "
                    "(`notes-pipeline report`, or materialise the reporting assets in Dagster)",
                    stage="reports",
                ) from None
    return Marts.model_validate(rows)

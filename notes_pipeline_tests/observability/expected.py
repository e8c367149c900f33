"""Every report number computed in plain Python from the generated history, independently of dbt.

percentile_cont is linear interpolation between the closest ranks, which is numpy's default
percentile method; days are UTC calendar days.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, date
from typing import Any

import numpy as np

from notes_pipeline.reporting.dbt import DBT_PROJECT_DIR
from notes_pipeline_tests.observability.history import History

STAGE_OF_TYPE = {
    "script": "video_script",
    "audio": "scene_narration",
    "image": "scene_images",
    "video": "final_video",
    "subtitles": "final_video",
    "thumbnail": "final_video",
    "provenance": "final_video",
}
STAGE_OF_KIND = {"audio": "scene_narration", "image": "scene_images"}


def _day(ts) -> date:
    return ts.astimezone(UTC).date()


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q * 100))


def prices() -> dict[tuple[str, str], float]:
    with open(DBT_PROJECT_DIR / "seeds" / "provider_prices.csv", newline="") as f:
        return {(r["provider"], r["unit"]): float(r["usd_per_unit"]) for r in csv.DictReader(f)}


def time_to_video(h: History) -> dict[str, float]:
    ends: dict[str, Any] = {}
    for r in h.stage_runs:
        if r["stage"] == "final_video" and r["status"] == "succeeded":
            ends[r["project_id"]] = max(ends.get(r["project_id"], r["ended_at"]), r["ended_at"])
    return {
        p["id"]: (ends[p["id"]] - p["created_at"]).total_seconds()
        for p in h.projects
        if p["status"] == "done" and p["id"] in ends
    }


def daily_success_rate(h: History) -> dict[date, dict[str, Any]]:
    times = time_to_video(h)
    out: dict[date, dict[str, Any]] = {}
    by_day: dict[date, list[dict]] = defaultdict(list)
    for p in h.projects:
        by_day[_day(p["created_at"])].append(p)
    for day, projects in by_day.items():
        done = sum(p["status"] == "done" for p in projects)
        failed = sum(p["status"] == "failed" for p in projects)
        day_times = [times[p["id"]] for p in projects if p["id"] in times]
        out[day] = {
            "projects": len(projects),
            "succeeded": done,
            "failed": failed,
            "in_progress": sum(p["status"] in ("registered", "running") for p in projects),
            "reused": sum(p["status"] == "done" and p["reused_from"] is not None for p in projects),
            "success_rate": done / (done + failed) if done + failed else None,
            "p50_seconds_to_video": _pct(day_times, 0.5) if day_times else None,
            "p95_seconds_to_video": _pct(day_times, 0.95) if day_times else None,
        }
    return out


def stage_latency(h: History) -> dict[str, dict[str, float]]:
    durations: dict[str, list[float]] = defaultdict(list)
    for r in h.stage_runs:
        if r["status"] == "succeeded":
            durations[r["stage"]].append((r["ended_at"] - r["started_at"]).total_seconds())
    return {
        stage: {
            "runs": len(d),
            "mean_s": sum(d) / len(d),
            "p50_s": _pct(d, 0.5),
            "p95_s": _pct(d, 0.95),
            "p99_s": _pct(d, 0.99),
            "max_s": max(d),
        }
        for stage, d in durations.items()
    }


def stage_retries(h: History) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    projects: dict[str, set] = defaultdict(set)
    for r in h.stage_runs:
        row = out[r["stage"]]
        row["runs"] += 1
        row["failed_runs"] += r["status"] == "failed"
        projects[r["stage"]].add(r["project_id"])
    for stage, ids in projects.items():
        out[stage]["projects"] = len(ids)
        out[stage]["stage_retries"] = out[stage]["runs"] - len(ids)
    for t in h.scene_tasks:
        row = out[STAGE_OF_KIND[t["kind"]]]
        row["scene_tasks"] += 1
        row["scene_task_retries"] += max(t["attempts"] - 1, 0)
    for a in h.assets:
        if a["cache_hit"] == "none":
            row = out[STAGE_OF_TYPE[a["asset_type"]]]
            row["provider_calls"] += 1
            row["provider_retries"] += max(a["attempts"] - 1, 0)
    return {stage: dict(row) for stage, row in out.items()}


def provider_rates(h: History) -> dict[tuple[str, str], dict[str, Any]]:
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"served": 0, "failed": 0, "served_as_fallback": 0}
    )
    for a in h.assets:
        if a["cache_hit"] != "none":
            continue
        if a["provider"] is not None:
            row = counts[(a["asset_type"], a["provider"])]
            row["served"] += 1
            row["served_as_fallback"] += bool(a["fallbacks"])
        for failed in a["fallbacks"]:
            counts[(a["asset_type"], failed)]["failed"] += 1
    served_by_type: dict[str, int] = defaultdict(int)
    for (asset_type, _), row in counts.items():
        served_by_type[asset_type] += row["served"]
    return {
        key: {
            **row,
            "failure_rate": row["failed"] / (row["served"] + row["failed"]),
            "fallback_rate": row["served_as_fallback"] / row["served"] if row["served"] else None,
            "share_of_type": row["served"] / served_by_type[key[0]] if served_by_type[key[0]] else None,
        }
        for key, row in counts.items()
    }


def asset_spend(h: History) -> tuple[list[float], list[float]]:
    """Per asset (in history order): spend if fresh, and what it saved if an exact cache hit."""
    price = prices()
    usage_usd = [sum(q * price.get((a["provider"], unit), 0.0) for unit, q in a["usage"].items()) for a in h.assets]
    first_made: dict[tuple[str, str], float] = {}
    for a, usd in sorted(zip(h.assets, usage_usd), key=lambda pair: pair[0]["created_at"]):
        if a["cache_hit"] == "none":
            first_made.setdefault((a["asset_type"], a["content_hash"]), usd)
    spent = [usd if a["cache_hit"] == "none" else 0.0 for a, usd in zip(h.assets, usage_usd)]
    saved = [
        first_made.get((a["asset_type"], a["content_hash"]), 0.0) if a["cache_hit"] == "exact" else 0.0
        for a in h.assets
    ]
    return spent, saved


def cache_hit_rates(h: History) -> dict[tuple[date, str], dict[str, Any]]:
    spent, saved = asset_spend(h)
    out: dict[tuple[date, str], dict[str, Any]] = defaultdict(lambda: defaultdict(float))
    for a, s, v in zip(h.assets, spent, saved):
        row = out[(_day(a["created_at"]), a["asset_type"])]
        row["artefacts"] += 1
        row["exact_hits"] += a["cache_hit"] == "exact"
        row["semantic_hits"] += a["cache_hit"] == "semantic"
        row["spent_usd"] += s
        row["saved_usd"] += v
    for row in out.values():
        row["exact_hit_rate"] = row["exact_hits"] / row["artefacts"]
        row["semantic_hit_rate"] = row["semantic_hits"] / row["artefacts"]
    return {key: dict(row) for key, row in out.items()}


def cost_per_video(h: History) -> dict[str, dict[str, float]]:
    spent, saved = asset_spend(h)
    out = {
        p["id"]: {
            "spent_usd": 0.0,
            "script_usd": 0.0,
            "narration_usd": 0.0,
            "images_usd": 0.0,
            "exact_saved_usd": 0.0,
            "semantic_saved_usd": 0.0,
        }
        for p in h.projects
    }
    column = {"video_script": "script_usd", "scene_narration": "narration_usd", "scene_images": "images_usd"}
    for a, s, v in zip(h.assets, spent, saved):
        row = out[a["project_id"]]
        row["spent_usd"] += s
        row["exact_saved_usd"] += v
        stage = STAGE_OF_TYPE[a["asset_type"]]
        if stage in column:
            row[column[stage]] += s
    for p in h.projects:
        if p["reused_from"] is not None:
            out[p["id"]]["semantic_saved_usd"] = out[p["reused_from"]]["spent_usd"]
    return out

"""The dashboard's charts as PNG bytes, drawn with matplotlib's object API (no pyplot state).

Each chart has a signature colour of its own (the *_COLOUR constants), which is how a test
finds it again in a browser screenshot.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from notes_pipeline.reporting.marts import CacheDay, DailySuccess, ProjectCost, ProviderRate, StageLatency

STAGES = ("video_script", "scene_narration", "scene_images", "final_video")
SUCCEEDED_COLOUR = "#2a9d8f"
FAILED_COLOUR = "#e76f51"
IN_PROGRESS_COLOUR = "#adb5bd"
RATE_COLOUR = "#1d3557"
LATENCY_COLOURS = {"p50": "#457b9d", "p95": "#e9c46a", "p99": "#9d4edd"}
SPENT_COLOUR = "#6d597a"
SAVED_COLOUR = "#80b918"
HIT_RATE_COLOUR = "#ff006e"
PROVIDER_PALETTE = (
    "#264653",
    "#f4a261",
    "#43aa8b",
    "#577590",
    "#f94144",
    "#f9c74f",
    "#90be6d",
    "#4d908e",
    "#f3722c",
    "#277da1",
    "#b5838d",
    "#6a4c93",
)
DPI = 96


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def _figure(title: str) -> tuple[Figure, object]:
    fig = Figure(figsize=(7.2, 3.6))
    ax = fig.subplots()
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _no_data(fig: Figure, ax) -> Figure:
    ax.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=ax.transAxes, color="#6c757d")
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def _day_labels(days: Sequence[date]) -> list[str]:
    return [d.strftime("%b %d") for d in days]


def success_over_time(daily: Sequence[DailySuccess]) -> bytes:
    """Videos made and failed per day (bars) and the day's success rate (line): the main chart."""
    fig, ax = _figure("Videos per day and success rate")
    if not daily:
        return _png(_no_data(fig, ax))
    x = range(len(daily))
    done = [d.succeeded for d in daily]
    failed = [d.failed for d in daily]
    waiting = [d.in_progress for d in daily]
    ax.bar(x, done, color=SUCCEEDED_COLOUR, label="succeeded")
    ax.bar(x, failed, bottom=done, color=FAILED_COLOUR, label="failed")
    ax.bar(x, waiting, bottom=[a + b for a, b in zip(done, failed)], color=IN_PROGRESS_COLOUR, label="in progress")
    ax.set_ylabel("projects")
    ax.set_ylim(0, max(a + b + c for a, b, c in zip(done, failed, waiting)) * 1.08 or 1)
    rate_ax = ax.twinx()
    rate_ax.plot(
        list(x), [d.success_rate for d in daily], color=RATE_COLOUR, marker="o", linewidth=2, label="success rate"
    )
    rate_ax.set_ylim(0, 1.05)
    rate_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    rate_ax.spines[["top"]].set_visible(False)
    ax.set_xticks(list(x), _day_labels([d.day for d in daily]), rotation=45, ha="right", fontsize=8)
    handles = ax.get_legend_handles_labels()[0] + rate_ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize=8, ncols=4, frameon=False, bbox_to_anchor=(0, -0.28))
    return _png(fig)


def latency_by_stage(latency: Sequence[StageLatency]) -> bytes:
    """p50/p95/p99 wall time of each stage, in pipeline order."""
    fig, ax = _figure("Stage latency, successful attempts (seconds)")
    by_stage = {row.stage: row for row in latency}
    stages = [s for s in STAGES if s in by_stage] + sorted(set(by_stage) - set(STAGES))
    if not stages:
        return _png(_no_data(fig, ax))
    width = 0.26
    for offset, (name, colour) in enumerate(LATENCY_COLOURS.items()):
        values = [getattr(by_stage[s], f"{name}_s") for s in stages]
        ax.bar([i + (offset - 1) * width for i in range(len(stages))], values, width, color=colour, label=name)
    ax.set_xticks(range(len(stages)), stages, fontsize=9)
    ax.set_ylabel("seconds")
    ax.legend(fontsize=8, frameon=False)
    return _png(fig)


def provider_colours(providers: Sequence[str]) -> dict[str, str]:
    return {p: PROVIDER_PALETTE[i % len(PROVIDER_PALETTE)] for i, p in enumerate(sorted(set(providers)))}


def provider_mix(rates: Sequence[ProviderRate]) -> bytes:
    """For each kind of artefact, the share each provider served (fresh artefacts, not cache hits)."""
    fig, ax = _figure("Provider mix by artefact type")
    types = sorted({r.asset_type for r in rates if r.served})
    if not types:
        return _png(_no_data(fig, ax))
    colours = provider_colours([r.provider for r in rates if r.served])
    left = defaultdict(float)
    for provider, colour in colours.items():
        shares = [
            next((r.share_of_type or 0.0 for r in rates if r.asset_type == t and r.provider == provider), 0.0)
            for t in types
        ]
        ax.barh(types, shares, left=[left[t] for t in types], color=colour, label=provider)
        for t, share in zip(types, shares):
            left[t] += share
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(0, 1)
    ax.legend(fontsize=7, frameon=False, ncols=4, loc="upper left", bbox_to_anchor=(0, -0.15))
    return _png(fig)


def cache_savings(cache_days: Sequence[CacheDay], costs: Sequence[ProjectCost]) -> bytes:
    """Estimated spend and what the exact cache and semantic reuse saved, per day, with the exact hit rate."""
    return _png(cache_savings_figure(cache_days, costs))


def cache_savings_figure(cache_days: Sequence[CacheDay], costs: Sequence[ProjectCost]) -> Figure:
    fig, ax = _figure("Estimated spend and cache savings per day (USD)")
    days = sorted({c.day for c in cache_days} | {c.created_day for c in costs})
    if not days:
        return _no_data(fig, ax)
    spent = {d: 0.0 for d in days}
    saved = {d: 0.0 for d in days}
    hits = {d: 0 for d in days}
    artefacts = {d: 0 for d in days}
    # The hit rate is over the kinds of artefact the cache serves at all (not videos or subtitles).
    cached_types = {c.asset_type for c in cache_days if c.exact_hits}
    for c in cache_days:
        spent[c.day] += c.spent_usd
        saved[c.day] += c.saved_usd
        if c.asset_type in cached_types:
            hits[c.day] += c.exact_hits
            artefacts[c.day] += c.artefacts
    for p in costs:
        saved[p.created_day] += p.semantic_saved_usd
    x = range(len(days))
    width = 0.4
    ax.bar([i - width / 2 for i in x], [spent[d] for d in days], width, color=SPENT_COLOUR, label="spent")
    ax.bar([i + width / 2 for i in x], [saved[d] for d in days], width, color=SAVED_COLOUR, label="saved by caches")
    ax.set_ylabel("USD")
    # Dollars start at zero: with nothing spent matplotlib would centre the empty bars on a -0.05..0.05 axis.
    ax.set_ylim(0, max(*spent.values(), *saved.values()) * 1.08 or 1)
    rate_ax = ax.twinx()
    rate_ax.plot(
        list(x),
        [hits[d] / artefacts[d] if artefacts[d] else None for d in days],
        color=HIT_RATE_COLOUR,
        marker="o",
        linewidth=2,
        label="exact hit rate",
    )
    rate_ax.set_ylim(0, 1.05)
    rate_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    rate_ax.spines[["top"]].set_visible(False)
    ax.set_xticks(list(x), _day_labels(days), rotation=45, ha="right", fontsize=8)
    handles = ax.get_legend_handles_labels()[0] + rate_ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize=8, ncols=3, frameon=False, bbox_to_anchor=(0, -0.28))
    return fig

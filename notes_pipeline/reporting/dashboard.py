"""The dashboard: one self-contained HTML file (charts inlined as PNG data URIs, no scripts,
no external requests) that answers at a glance how the pipeline is doing."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from notes_pipeline.reporting import charts
from notes_pipeline.reporting.marts import Marts, load_marts
from notes_pipeline.store.bucket import Bucket

# Where the latest dashboard lives in the bucket, beside the projects it reports on.
DASHBOARD_KEY = "reports/dashboard.html"


class Headline(BaseModel):
    """The numbers at the top of the dashboard (and in the Dagster asset's metadata)."""

    latest_day: str | None
    latest_day_videos: int
    latest_day_success_rate: float | None
    projects: int
    videos: int
    failed: int
    success_rate: float | None
    p50_seconds_to_video: float | None
    spent_usd: float
    cost_per_video_usd: float | None
    saved_usd: float


class Dashboard(BaseModel):
    html: str
    main_chart_png: bytes
    headline: Headline


def headline(marts: Marts) -> Headline:
    daily = marts.daily_success_rate
    latest = daily[-1] if daily else None
    videos = sum(d.succeeded for d in daily)
    failed = sum(d.failed for d in daily)
    times = sorted(v.seconds_to_video for v in marts.time_to_video)
    spent = sum(c.spent_usd for c in marts.cost_per_video)
    saved = sum(c.exact_saved_usd + c.semantic_saved_usd for c in marts.cost_per_video)
    return Headline(
        latest_day=latest.day.isoformat() if latest else None,
        latest_day_videos=latest.succeeded if latest else 0,
        latest_day_success_rate=latest.success_rate if latest else None,
        projects=sum(d.projects for d in daily),
        videos=videos,
        failed=failed,
        success_rate=videos / (videos + failed) if videos + failed else None,
        p50_seconds_to_video=_median(times),
        spent_usd=spent,
        cost_per_video_usd=spent / videos if videos else None,
        saved_usd=saved,
    )


def _median(sorted_values: Sequence[float]) -> float | None:
    n = len(sorted_values)
    if n == 0:
        return None
    mid = n // 2
    return sorted_values[mid] if n % 2 else (sorted_values[mid - 1] + sorted_values[mid]) / 2


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _secs(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


def _usd(value: float | None) -> str:
    return "–" if value is None else f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#212529;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px} .muted{color:#6c757d;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:16px 0}
.card{border:1px solid #dee2e6;border-radius:8px;padding:10px 14px}
.card b{display:block;font-size:22px} .card span{color:#6c757d;font-size:12px}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
figure{margin:0;border:1px solid #dee2e6;border-radius:8px;padding:8px} figure img{width:100%;height:auto}
table{border-collapse:collapse;font-size:13px} th,td{border-bottom:1px solid #dee2e6;padding:4px 10px;text-align:right}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
"""


def render_dashboard(marts: Marts, *, generated_at: datetime | None = None) -> Dashboard:
    """The whole report from the marts: headline cards, four charts and the tables behind them."""
    top = headline(marts)
    generated_at = generated_at or datetime.now(UTC)
    main = charts.success_over_time(marts.daily_success_rate)
    figures = [
        (main, "Videos per day and success rate"),
        (charts.latency_by_stage(marts.stage_latency), "Stage latency p50/p95/p99"),
        (charts.provider_mix(marts.provider_rates), "Provider mix by artefact type"),
        (charts.cache_savings(marts.cache_hit_rates, marts.cost_per_video), "Spend and cache savings per day"),
    ]
    days = marts.daily_success_rate
    period = f"{days[0].day} to {days[-1].day} (UTC)" if days else "no projects yet"
    cards = [
        (
            f"{top.latest_day_videos}",
            f"videos on {top.latest_day or '–'}, {_pct(top.latest_day_success_rate)} succeeded",
        ),
        (_pct(top.success_rate), f"success rate: {top.videos} videos, {top.failed} failed"),
        (_secs(top.p50_seconds_to_video), "median time from notes to video"),
        (_usd(top.cost_per_video_usd), f"estimated cost per video; caches saved {_usd(top.saved_usd)}"),
    ]
    stages = {r.stage: r for r in marts.stage_retries}
    latency_rows = [
        (
            r.stage,
            r.runs,
            f"{r.p50_s:.2f}",
            f"{r.p95_s:.2f}",
            f"{r.p99_s:.2f}",
            stages[r.stage].stage_retries if r.stage in stages else 0,
            stages[r.stage].scene_task_retries if r.stage in stages else 0,
            stages[r.stage].provider_retries if r.stage in stages else 0,
        )
        for r in sorted(marts.stage_latency, key=lambda r: _stage_order(r.stage))
    ]
    provider_rows = [
        (
            r.asset_type,
            r.provider,
            r.served,
            r.failed,
            _pct(r.failure_rate),
            _pct(r.fallback_rate),
            _pct(r.share_of_type),
        )
        for r in marts.provider_rates
    ]
    cache_totals: dict[str, list[int]] = {}
    for c in marts.cache_hit_rates:
        total = cache_totals.setdefault(c.asset_type, [0, 0, 0])
        total[0] += c.artefacts
        total[1] += c.exact_hits
        total[2] += c.semantic_hits
    cache_rows = [
        (t, n, exact, _pct(exact / n), semantic, _pct(semantic / n))
        for t, (n, exact, semantic) in sorted(cache_totals.items())
    ]
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>notes_pipeline report</title><style>{_STYLE}</style></head>
<body>
<h1>notes_pipeline report</h1>
<p class="muted">{top.projects} projects, {html.escape(period)}; generated {generated_at:%Y-%m-%d %H:%M} UTC</p>
<div class="cards">{"".join(f'<div class="card"><b>{html.escape(v)}</b><span>{html.escape(t)}</span></div>' for v, t in cards)}</div>
<div class="grid">{"".join(f"<figure>{_img(png, alt)}</figure>" for png, alt in figures)}</div>
<h2>Stages: latency (seconds) and retries</h2>
{_table(["stage", "runs", "p50", "p95", "p99", "stage retries", "scene retries", "provider retries"], latency_rows)}
<h2>Providers: failures and fallbacks</h2>
<p class="muted">failed: the provider failed and the next in the chain served; fallback rate: the share of its artefacts it served as a fallback.</p>
{_table(["artefact", "provider", "served", "failed", "failure rate", "fallback rate", "share"], provider_rows)}
<h2>Caches</h2>
{_table(["artefact", "artefacts", "exact hits", "exact hit rate", "semantic hits", "semantic hit rate"], cache_rows)}
</body></html>
"""  # noqa: E501 - the page template
    return Dashboard(html=page, main_chart_png=main, headline=top)


def _stage_order(stage: str) -> int:
    return charts.STAGES.index(stage) if stage in charts.STAGES else len(charts.STAGES)


def write_dashboard(url: str, path: Path) -> Dashboard:
    """Read the marts from the database at `url` and write the dashboard to `path`."""
    dashboard = render_dashboard(load_marts(url))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dashboard.html, encoding="utf-8")
    return dashboard


def publish_dashboard(url: str, bucket: Bucket) -> tuple[Dashboard, str]:
    """Read the marts from the database at `url` and put the dashboard in the bucket; returns it and its URI."""
    dashboard = render_dashboard(load_marts(url))
    bucket.put_bytes(DASHBOARD_KEY, dashboard.html.encode("utf-8"))
    return dashboard, bucket.uri(DASHBOARD_KEY)

"""`notes-pipeline report` on a generated history: dbt builds the marts, every number in them
matches the same figure computed in Python, and the dashboard shows its charts in a browser."""

from __future__ import annotations

import io
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from PIL import Image
from psycopg.rows import dict_row

from notes_pipeline.cli import main
from notes_pipeline.reporting import charts
from notes_pipeline.reporting.dashboard import render_dashboard
from notes_pipeline.reporting.dbt import DbtBuildError, dbt_env, run_dbt
from notes_pipeline.reporting.marts import Marts
from notes_pipeline_tests.observability import expected
from notes_pipeline_tests.observability.conftest import screenshot
from notes_pipeline_tests.observability.history import History

approx = lambda value: pytest.approx(value, rel=1e-9, abs=1e-9)  # noqa: E731


@pytest.fixture(scope="module")
def report(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CLI's report on the seeded database: dbt build, then the dashboard file, whose path it prints."""
    out = tmp_path_factory.mktemp("report") / "dashboard.html"
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(printed):
        patch.setenv("NOTES_PIPELINE_DATABASE_URL", seeded_url)
        assert main(["report", "--out", str(out)]) == 0
    assert printed.getvalue().strip() == str(out.resolve())
    return out


def mart(url: str, name: str) -> list[dict]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(f"SELECT * FROM reporting.{name}").fetchall()


def test_history_has_what_the_reports_are_about(history: History):
    """The generated data really contains failures, retries, fallbacks, cache hits and reuses."""
    statuses = Counter(p["status"] for p in history.projects)
    assert len(history.projects) >= 300 and statuses["failed"] >= 10 and statuses["registered"] >= 1
    assert len({p["created_at"].date() for p in history.projects}) >= 10
    assert sum(r["status"] == "failed" for r in history.stage_runs) >= 30
    assert sum(bool(a["fallbacks"]) for a in history.assets) >= 50
    assert Counter(a["cache_hit"] for a in history.assets)["exact"] >= 100
    assert sum(p["reused_from"] is not None for p in history.projects) >= 10


def test_dbt_connects_where_the_pipeline_does(seeded_url: str):
    """The embedded server's URL names a unix-socket directory; dbt gets it as its host."""
    env = dbt_env(seeded_url)
    parts = urlsplit(seeded_url)
    assert env["NOTES_PIPELINE_DBT_HOST"] == parse_qs(parts.query)["host"][0]
    assert Path(env["NOTES_PIPELINE_DBT_HOST"]).is_dir()
    assert env["NOTES_PIPELINE_DBT_DBNAME"] == parts.path.lstrip("/")
    assert env["NOTES_PIPELINE_DBT_USER"] == "postgres" and env["NOTES_PIPELINE_DBT_SCHEMA"] == "reporting"


def test_report_writes_the_dashboard(report: Path):
    assert report.is_file() and report.read_text().startswith("<!doctype html>")


def test_report_without_rebuilding_goes_to_the_bucket(report, seeded_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOTES_PIPELINE_DATABASE_URL", seeded_url)
    monkeypatch.setenv("NOTES_PIPELINE_HOME", str(tmp_path))
    assert main(["report", "--no-build"]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed == tmp_path / "bucket" / "reports" / "dashboard.html"
    assert printed.read_text().count("data:image/png;base64,") == 4


def test_report_on_an_unreachable_database_says_so(monkeypatch):
    monkeypatch.setenv("NOTES_PIPELINE_DATABASE_URL", "postgresql://reports:secret@127.0.0.1:1/nowhere")
    with pytest.raises(SystemExit) as exited:
        main(["report"])
    message = str(exited.value)
    assert message.startswith("report: cannot connect to the database at postgresql://reports:***@127.0.0.1:1")
    assert "secret" not in message


def test_daily_success_rate(report, seeded_url, history):
    want = expected.daily_success_rate(history)
    got = {row.pop("day"): row for row in mart(seeded_url, "daily_success_rate")}
    assert set(got) == set(want)
    for day, row in want.items():
        assert got[day] == {k: approx(v) if isinstance(v, float) else v for k, v in row.items()}, day


def test_time_to_video(report, seeded_url, history):
    want = expected.time_to_video(history)
    got = {row["project_id"]: row["seconds_to_video"] for row in mart(seeded_url, "time_to_video")}
    assert got == {k: approx(v) for k, v in want.items()}


def test_stage_latency_percentiles(report, seeded_url, history):
    want = expected.stage_latency(history)
    got = {row.pop("stage"): row for row in mart(seeded_url, "stage_latency")}
    assert set(got) == {"video_script", "scene_narration", "scene_images", "final_video"} == set(want)
    for stage, row in want.items():
        assert got[stage] == {k: approx(v) for k, v in row.items()}, stage
        assert got[stage]["p50_s"] < got[stage]["p95_s"] < got[stage]["p99_s"] <= got[stage]["max_s"]


def test_stage_retries(report, seeded_url, history):
    want = expected.stage_retries(history)
    got = {row.pop("stage"): row for row in mart(seeded_url, "stage_retries")}
    assert set(got) == set(want)
    for stage, row in want.items():
        for column, value in row.items():
            assert got[stage][column] == value, (stage, column)
        assert got[stage]["stage_retries_per_project"] == approx(row["stage_retries"] / row["projects"])
    assert all(got[s]["stage_retries"] > 0 for s in want)


def test_provider_failure_and_fallback_rates(report, seeded_url, history):
    want = expected.provider_rates(history)
    rows = mart(seeded_url, "provider_rates")
    got = {(row["asset_type"], row["provider"]): row for row in rows}
    assert set(got) == set(want)
    for key, row in want.items():
        for column, value in row.items():
            assert got[key][column] == (approx(value) if isinstance(value, float) else value), (key, column)
    assert got[("image", "cloudflare")]["failed"] > 0 and got[("image", "slides")]["fallback_rate"] == 1.0


def test_cache_hit_rates(report, seeded_url, history):
    want = expected.cache_hit_rates(history)
    got = {(row["day"], row["asset_type"]): row for row in mart(seeded_url, "cache_hit_rates")}
    assert set(got) == set(want)
    for key, row in want.items():
        for column, value in row.items():
            assert float(got[key][column]) == approx(value), (key, column)


def test_estimated_cost_per_video(report, seeded_url, history):
    want = expected.cost_per_video(history)
    got = {row["project_id"]: row for row in mart(seeded_url, "cost_per_video")}
    assert set(got) == set(want)
    for project, row in want.items():
        for column, value in row.items():
            assert float(got[project][column]) == approx(value), (project, column)
    assert sum(r["spent_usd"] for r in want.values()) > 1 and sum(r["semantic_saved_usd"] for r in want.values()) > 0


def _colour_pixels(image: Image.Image, hex_colour: str, tolerance: int = 6) -> int:
    """Pixels within `tolerance` of the colour on every channel."""
    target = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(
        n
        for n, pixel in image.getcolors(maxcolors=1 << 24)
        if all(abs(c - t) <= tolerance for c, t in zip(pixel, target))
    )


SIGNATURES = {
    "success chart bars": charts.SUCCEEDED_COLOUR,
    "latency chart p50 bars": charts.LATENCY_COLOURS["p50"],
    "latency chart p99 bars": charts.LATENCY_COLOURS["p99"],
    "cache chart savings bars": charts.SAVED_COLOUR,
    "cache chart spend bars": charts.SPENT_COLOUR,
}


def test_dashboard_charts_show_in_a_browser(report: Path, tmp_path: Path):
    """Headless Chromium renders the file; each chart's own colour covers a real area of the page."""
    html = report.read_text()
    assert html.count('src="data:image/png;base64,') == 4 and "http://" not in html and "https://" not in html
    shot = Image.open(screenshot(report, tmp_path / "dashboard.png")).convert("RGB")
    found = {name: _colour_pixels(shot, colour) for name, colour in SIGNATURES.items()}
    assert all(n > 400 for n in found.values()), found
    providers = charts.provider_colours(
        [
            p
            for p in (
                "cloudflare",
                "together",
                "huggingface",
                "slides",
                "google-search",
                "google-tts",
                "elevenlabs",
                "espeak",
            )
        ]
    )
    assert _colour_pixels(shot, providers["cloudflare"]) > 400


def test_empty_dashboard_draws_no_bars(tmp_path: Path):
    """The same pixel check on a dashboard with no data finds none of the charts' colours."""
    empty = Marts(
        daily_success_rate=[],
        time_to_video=[],
        stage_latency=[],
        stage_retries=[],
        provider_rates=[],
        cache_hit_rates=[],
        cost_per_video=[],
    )
    page = tmp_path / "empty.html"
    page.write_text(render_dashboard(empty).html)
    shot = Image.open(screenshot(page, tmp_path / "empty.png")).convert("RGB")
    assert {name: _colour_pixels(shot, colour) for name, colour in SIGNATURES.items()} == dict.fromkeys(SIGNATURES, 0)


def test_dbt_tests_fail_on_rows_no_report_covers(report, seeded_url):
    """A stage name staging does not know would vanish from every report: dbt's own test says so."""
    with psycopg.connect(seeded_url, autocommit=True) as conn:
        stray = conn.execute(
            "INSERT INTO stage_runs (project_id, stage, status) VALUES ('doc-0000', 'subtitle_burn',"
            " 'running') RETURNING id"
        ).fetchone()[0]
        try:
            with pytest.raises(DbtBuildError, match="staging_covers_every_row"):
                run_dbt(["test", "--select", "staging_covers_every_row"], seeded_url)
        finally:
            conn.execute("DELETE FROM stage_runs WHERE id = %s", (stray,))
    run_dbt(["test", "--select", "staging_covers_every_row"], seeded_url)


def test_the_spend_chart_has_no_negative_dollars_when_nothing_was_spent() -> None:
    from datetime import date

    from notes_pipeline.reporting.marts import CacheDay

    days = [
        CacheDay(
            day=date(2026, 3, d),
            asset_type="audio",
            stage="scene_narration",
            artefacts=4,
            exact_hits=0,
            semantic_hits=0,
            exact_hit_rate=0.0,
            semantic_hit_rate=0.0,
            spent_usd=0.0,
            saved_usd=0.0,
        )
        for d in (1, 2)
    ]
    ax = charts.cache_savings_figure(days, []).axes[0]
    low, high = ax.get_ylim()
    assert low == 0 and high > 0
    assert all(tick >= 0 for tick in ax.get_yticks() if low <= tick <= high)
    assert charts.cache_savings(days, []).startswith(b"\x89PNG")

"""Two `notes-pipeline run` at once on one fresh home: one Dagster instance in Postgres, each video rendered once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from notes_pipeline.store.db import EMBEDDED_DATABASE, start_embedded

pytestmark = pytest.mark.slow


def test_two_concurrent_runs_on_a_fresh_home_render_each_video_once(tmp_path: Path) -> None:
    root = Path(tempfile.mkdtemp(prefix="np-two-runs-"))  # the server runs as another OS user
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "NOTES_PIPELINE_HOME": str(tmp_path / "home"),
        "NOTES_PIPELINE_PGDATA": str(root / "pgdata"),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    env.pop("NOTES_PIPELINE_DATABASE_URL", None)
    inbox = tmp_path / "home" / "bucket" / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "clouds.md").write_text(
        "---\nresolution: 480\n---\n# Clouds\n\n## Forming\nWater vapour cools into droplets.\n"
    )
    (inbox / "wind.txt").write_text("---\nresolution: 480\n---\nWind moves warm air. Cold air sinks.\n")
    # Both start on a home with no instance, no database and no server yet.
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "notes_pipeline.cli", "run"],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=280) for run in runs]

    for run, (out, err) in zip(runs, outputs, strict=True):
        assert "Traceback" not in err and "Error" not in err, err
        assert run.returncode == 0, out + err
        assert out.strip().splitlines()[-1].endswith("video.mp4")
    server = start_embedded(root / "pgdata", cleanup_mode="delete")
    try:
        with psycopg.connect(server.get_uri(EMBEDDED_DATABASE)) as conn:
            renders = dict(
                conn.execute(
                    "SELECT project_id, count(*) FILTER (WHERE cache_hit = 'none') FROM assets"
                    " WHERE asset_type = 'video' GROUP BY project_id"
                ).fetchall()
            )
        with psycopg.connect(server.get_uri("dagster")) as conn:
            (dagster_runs,) = conn.execute("SELECT count(*) FROM runs").fetchone()
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)
    assert len(renders) == 2 and set(renders.values()) == {1}, renders
    assert dagster_runs >= 2  # the instance's runs are in the embedded Postgres, not in SQLite

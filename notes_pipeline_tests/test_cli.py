"""`notes-pipeline demo` end to end on a real instance in DAGSTER_HOME, as `make demo` runs it."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from notes_pipeline.cli import main

pytestmark = pytest.mark.slow


def test_demo_prints_the_first_video_last_and_renders_nothing_twice(tmp_path, monkeypatch, capsys):
    # The embedded database, as `make demo` uses it; outside pytest's private temp dirs (the
    # server runs as another OS user), stopped when this process exits.
    monkeypatch.delenv("NOTES_PIPELINE_DATABASE_URL", raising=False)
    monkeypatch.setenv("NOTES_PIPELINE_PGDATA", tempfile.mkdtemp(prefix="np-cli-pg-") + "/pgdata")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("NOTES_PIPELINE_HOME", str(tmp_path / "home"))
    (tmp_path / "dagster").mkdir()
    examples = tmp_path / "examples"
    examples.mkdir()
    (examples / "a-first.md").write_text(
        "---\nresolution: 480\n---\n# Clouds\n\n## Forming\nWater vapour cools into droplets.\n"
    )
    (examples / "b-second.txt").write_text("---\nresolution: 480\n---\nWind moves warm air. Cold air sinks.\n")
    (examples / "ignored.pdf").write_bytes(b"%PDF")

    assert main(["demo", "--examples", str(examples)]) == 0
    first = capsys.readouterr().out.strip().splitlines()
    video = Path(first[-1])
    assert video.is_absolute() and video.is_file() and "a-first-" in str(video)
    assert sum(1 for line in first if line.startswith("rendered: ")) == 1
    stamp = video.stat().st_mtime_ns

    assert main(["demo", "--examples", str(examples)]) == 0
    second = capsys.readouterr().out.strip().splitlines()
    assert second[-1] == first[-1] and video.stat().st_mtime_ns == stamp
    assert any(line.startswith("up to date: ") for line in second)

    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "a-first.md" in listing and "b-second.txt" in listing

    doc_id = Path(first[-1]).parts[-4]
    assert main(["status", doc_id]) == 0
    status = capsys.readouterr().out
    assert status.startswith(f"{doc_id}: done") and "scene  1  done" in status and str(video) in status


def test_commands_say_in_one_line_when_the_database_is_down(monkeypatch, capsys):
    monkeypatch.setenv("NOTES_PIPELINE_DATABASE_URL", "postgresql://me:hunter2@127.0.0.1:1/notes")
    with pytest.raises(SystemExit) as raised:
        main(["status", "some-doc-0123456789"])
    message = str(raised.value.code)
    assert "postgresql://me:***@127.0.0.1:1/notes" in message and "hunter2" not in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://me:hunter2@127.0.0.1:1/notes",
        "postgresql://me@127.0.0.1:1/notes?password=hunter2",
        "host=127.0.0.1 port=1 user=me password=hunter2 dbname=notes",
    ],
)
def test_run_against_a_closed_port_is_one_line_naming_the_masked_url(url, tmp_path):
    env = {
        **os.environ,
        "NOTES_PIPELINE_DATABASE_URL": url,
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "NOTES_PIPELINE_HOME": str(tmp_path / "home"),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "notes_pipeline.cli", "run"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("notes-pipeline run: cannot connect to the database at ") and "127.0.0.1" in line
    assert "hunter2" not in line and "***" in line and "NOTES_PIPELINE_DATABASE_URL" in line


def test_a_video_on_s3_is_found_and_named_by_its_uri(s3_bucket_url, s3_env, monkeypatch, capsys):
    """On S3/R2 there is no local path: the CLI must still see the video (or it would render it again)."""
    from notes_pipeline.cli.runner import finished_video
    from notes_pipeline.defs.resources import BucketResource
    from notes_pipeline.domain.models import VideoRender
    from notes_pipeline.store import keys
    from notes_pipeline.store.bucket import put_model

    bucket = BucketResource(root=s3_bucket_url).get()
    doc_id, prefix = "clouds-0123456789", keys.project_prefix("clouds-0123456789")
    render = VideoRender(
        doc_id=doc_id,
        render_id="480p-16x9-en-1a2b3c4d",
        video_key=f"{prefix}renders/r/video.mp4",
        srt_key=f"{prefix}renders/r/subtitles.srt",
        vtt_key=f"{prefix}renders/r/subtitles.vtt",
        thumbnail_key=f"{prefix}renders/r/thumbnail.jpg",
        manifest_key=keys.manifest(doc_id, "final_video"),
        width=854,
        height=480,
        fps=30,
        duration_s=3.0,
        scene_starts_s=[0.0],
        bytes=8,
        render_s=1.0,
    )
    put_model(bucket, render.manifest_key, render)
    assert finished_video(bucket, doc_id) is None  # the manifest alone is not a video
    bucket.put_bytes(render.video_key, b"\x00\x00\x00\x18ftyp")
    assert finished_video(bucket, doc_id) == bucket.uri(render.video_key)
    assert finished_video(bucket, doc_id).startswith("s3://")

    monkeypatch.setenv("NOTES_PIPELINE_BUCKET", s3_bucket_url)
    assert main(["list"]) == 0
    assert "no documents yet: drop notes into s3://" in capsys.readouterr().out


def test_a_database_lost_inside_dagster_is_one_masked_line(monkeypatch, capsys):
    """Dagster's storage speaks SQLAlchemy over psycopg2 and wraps what it raises: still one line, masked."""
    import sqlalchemy.exc

    from notes_pipeline import cli
    from notes_pipeline.cli import commands

    def lost(args):
        driver = sqlalchemy.exc.OperationalError(
            "INSERT INTO event_logs", {}, Exception("connection to postgresql://np:hunter2@127.0.0.1:5/d lost")
        )
        raise RuntimeError("Error occurred while writing the event log") from driver

    monkeypatch.setattr(commands, "cmd_list", lost)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["list"])
    (line,) = str(exit_.value).splitlines()
    assert line.startswith("notes-pipeline list: lost the database mid-command (") and "run the command again" in line
    assert "postgresql://np:***@127.0.0.1:5/d lost" in line and "hunter2" not in line
    monkeypatch.setattr(commands, "cmd_list", lambda args: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # anything else is not dressed up as a database problem
        cli.main(["list"])

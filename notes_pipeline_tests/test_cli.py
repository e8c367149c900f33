"""`notes-pipeline demo` end to end on a real instance in DAGSTER_HOME, as `make demo` runs it."""

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
    (examples / "a-first.md").write_text("---\nresolution: 480\n---\n# Clouds\n\n## Forming\nWater vapour cools into droplets.\n")
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

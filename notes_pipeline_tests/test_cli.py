"""`notes-pipeline demo` end to end on a real instance in DAGSTER_HOME, as `make demo` runs it."""

from pathlib import Path

import pytest

from notes_pipeline.cli import main

pytestmark = pytest.mark.slow


def test_demo_prints_the_first_video_last_and_renders_nothing_twice(tmp_path, monkeypatch, capsys):
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

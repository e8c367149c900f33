"""Small truths of the CLI: submit names the document, download of an unknown id says so, a closed pipe is quiet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from notes_pipeline.cli import main
from notes_pipeline.domain.documents import content_hash, document_id
from notes_pipeline.domain.models import SourceRecord
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import open_bucket, put_model


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NOTES_PIPELINE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NOTES_PIPELINE_BUCKET", raising=False)
    return tmp_path / "home"


def test_submit_prints_each_document_id_and_file(home: Path, tmp_path: Path, capsys) -> None:
    notes = tmp_path / "clouds.md"
    notes.write_text("# Clouds\n\nWater vapour cools into droplets.\n")
    assert main(["submit", str(notes)]) == 0
    doc_id = document_id("clouds.md", content_hash(notes.read_bytes()))
    assert capsys.readouterr().out.splitlines() == [f"{doc_id}  {notes}"]
    assert (home / "bucket" / "inbox" / "clouds.md").read_bytes() == notes.read_bytes()


def test_download_of_an_unknown_id_says_no_document_and_lists_near_matches(home: Path, capsys) -> None:
    bucket = open_bucket(str(home / "bucket"))
    for doc_id, name in (
        ("clouds-07d28042b9", "clouds.md"),
        ("cloud-atlas-1a2b3c4d5e", "cloud-atlas.md"),
        ("wind-0f04899c34", "wind.txt"),
    ):
        put_model(
            bucket,
            keys.source_record(doc_id),
            SourceRecord(
                doc_id=doc_id,
                source_key=keys.INBOX_PREFIX + name,
                source_name=name,
                content_hash="0" * 64,
                size_bytes=10,
                copy_key=None,
                registered_at="2026-01-01T00:00:00+00:00",
            ),
        )
    with pytest.raises(SystemExit) as raised:
        main(["download", "clouds"])
    message = str(raised.value.code)
    assert message.startswith("no document clouds") and "clouds-07d28042b9" in message
    assert "cloud-atlas-1a2b3c4d5e" in message and "wind" not in message
    with pytest.raises(SystemExit) as raised:
        main(["download", "Not A Slug!"])
    assert str(raised.value.code).startswith("no document Not A Slug!")
    with pytest.raises(SystemExit) as raised:
        main(["download", "clouds-07d28042b9"])  # known, nothing rendered yet
    assert "no finished video" in str(raised.value.code)


def test_a_reader_that_stops_early_ends_the_command_quietly() -> None:
    """`notes-pipeline ... | head`: no BrokenPipeError traceback when the reader has gone."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = subprocess.Popen(
        [sys.executable, "-m", "notes_pipeline.cli", "providers"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    command.stdout.close()  # the reader is gone before the first line is written
    stderr = command.stderr.read()
    assert command.wait(timeout=120) == 0
    assert stderr == ""

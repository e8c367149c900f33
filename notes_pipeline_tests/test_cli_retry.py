"""A failed document is run again only when its file or the code changed, or when a person asks."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from notes_pipeline.cli import main
from notes_pipeline.defs.ingest import sensors
from notes_pipeline.domain.documents import content_hash, document_id
from notes_pipeline.instance import prepare_instance
from notes_pipeline.stages import failures

pytestmark = pytest.mark.slow

BAD_OPTIONS = b"---\nresolution: 999\n---\nNotes that never get a script.\n"
EMPTY = b"  \n\n"
FIXED = b"---\nresolution: 480\n---\n# Ice\n\n## Floating\nIce is lighter than water, so lakes freeze from the top.\n"


def _runs() -> list[dg.DagsterRun]:
    """The runs in the CLI's instance, newest first."""
    prepare_instance(Path(os.environ["DAGSTER_HOME"]))
    return dg.DagsterInstance.get().get_runs()


def _drop(home: Path, name: str, data: bytes) -> str:
    (home / "bucket" / "inbox").mkdir(parents=True, exist_ok=True)
    (home / "bucket" / "inbox" / name).write_bytes(data)
    return document_id(name, content_hash(data))


def test_failed_documents_are_skipped_until_asked_or_changed(cli_home: Path, monkeypatch, capsys) -> None:
    bad, empty = _drop(cli_home, "bad.md", BAD_OPTIONS), _drop(cli_home, "empty.txt", EMPTY)
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert f"FAILED {bad}" in err and f"FAILED {empty}" in err
    assert len(_runs()) == 2

    assert main(["run"]) == 0  # nothing new: nothing run, one line per skipped document
    err = capsys.readouterr().err
    assert len(_runs()) == 2
    assert (
        f"skipped {bad}: failed at video_script: invalid options in the front matter: resolution" in err
        and f"— `notes-pipeline retry {bad}` to try again" in err
    )
    assert f"skipped {empty}: failed at video_script: the file is empty" in err

    assert main(["retry", bad]) == 1  # asked: run again (and it fails again, recorded again)
    assert f"{bad}: its failure is forgotten" in capsys.readouterr().out
    assert len(_runs()) == 3 and _runs()[0].tags["dagster/partition"] == bad
    assert main(["run"]) == 0 and len(_runs()) == 3

    fixed = _drop(cli_home, "bad.md", FIXED)  # the file changed: a new document, rendered
    assert main(["run"]) == 0
    out, err = capsys.readouterr()
    assert len(_runs()) == 4 and _runs()[0].tags["dagster/partition"] == fixed
    assert Path(out.strip().splitlines()[-1]).is_file()
    assert f"skipped {bad}" in err and f"skipped {empty}" in err

    for module in (failures, sensors):  # a new version of the code: both failed documents run again
        monkeypatch.setattr(module, "code_version", lambda: "9.9.9+newcode")
    assert main(["run"]) == 1
    assert sorted(r.tags["dagster/partition"] for r in _runs()[:2]) == sorted([bad, empty])
    assert main(["run"]) == 0 and len(_runs()) == 6

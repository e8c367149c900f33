"""The corpus README lists every document with an allowed licence, and the bytes have not changed."""

from __future__ import annotations

import re
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "corpus"
ALLOWED = {
    "Public-Domain",
    "CC0-1.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "MIT",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
}
ROW = re.compile(r"^\| `(?P<name>[^`]+)` \| (?P<source>.+?) \| (?P<licence>[\w.-]+) \| .+ \| (?P<bytes>\d+) \|$")


def listed() -> list[re.Match[str]]:
    return [m for line in (CORPUS / "README.md").read_text(encoding="utf-8").splitlines() if (m := ROW.match(line))]


def test_every_document_is_listed_once_with_an_allowed_licence() -> None:
    rows = listed()
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names)), "a document is listed twice"
    assert sorted(names) == sorted(p.name for p in (CORPUS / "documents").iterdir())
    assert {r["licence"] for r in rows} <= ALLOWED
    assert len([n for n in names if not n.endswith(".prompt")]) >= 40


def test_documents_are_kept_byte_for_byte() -> None:
    for row in listed():
        assert (CORPUS / "documents" / row["name"]).stat().st_size == int(row["bytes"]), row["name"]


def test_prompts_are_marked_as_written_for_the_corpus_and_notes_name_a_source() -> None:
    for row in listed():
        written = "written for the corpus" in row["source"]
        assert written == row["name"].endswith(".prompt"), row["name"]


def test_crlf_documents_still_have_crlf() -> None:
    crlf = [p for p in (CORPUS / "documents").iterdir() if "crlf" in p.name]
    assert crlf
    for path in crlf:
        data = path.read_bytes()
        assert data.count(b"\n") == data.count(b"\r\n") > 0, path.name

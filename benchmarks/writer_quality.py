"""The offline script writer on the corpus, old against new: only the script stage, no audio, images or video.

`python -m benchmarks.writer_quality [--old COMMIT]` writes every corpus document with this tree's
local writer and with the one at COMMIT (its `notes_pipeline` unpacked by `git archive` and run in a
subprocess, so neither tree's code leaks into the other), and prints per document: coverage old/new,
the narration's spoken length against the target the writer aimed at, and markup spoken. The spoken
length is each scene said by the real offline narrator (eSpeak NG, as the pipeline runs it: the
rendered video is these clips back to back); `--clock words` uses words over the document's words
per minute instead, the writers' old clock (faster, and wrong by up to 75% on real notes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

if __package__ in (None, ""):  # run as a file by the old tree's subprocess: only the writer half is needed
    sys.path.remove(str(Path(__file__).resolve().parent))

OLD_WRITER = "9da1d46"  # the extractive "sentence cutter" issue 14 replaced
LENGTH_TOLERANCE = 0.15
REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = REPO / "benchmarks" / "corpus" / "documents"
_FRONT_MATTER = re.compile(rb"\A---\r?\n.*?\r?\n---\r?\n", re.S)


def write_scripts(paths: list[Path], targets: dict[str, float] | None = None) -> dict[str, dict]:
    """Each document's script by the local writer of the `notes_pipeline` on sys.path, or why it failed.

    `targets` (seconds by document name) replace the documents' own, to compare writers at one length.
    """
    from notes_pipeline.domain.documents import parse_document
    from notes_pipeline.providers.llm.local import LocalScriptWriter

    try:
        from notes_pipeline.domain.request_options import with_requested_options

        old_tree = False
    except ImportError:  # the old tree: prompts' own words set no options

        def with_requested_options(document):
            return document

        old_tree = True

    results: dict[str, dict] = {}
    for path in paths:
        try:
            data = path.read_bytes()
            if old_tree:  # its front matter took only render options: it must not refuse a post's `title`
                data = _FRONT_MATTER.sub(b"", data)
            document = with_requested_options(parse_document("doc", path.name, data, max_bytes=10_000_000))
            if path.name in (targets or {}):
                options = document.options.model_copy(update={"target_duration_s": targets[path.name]})
                document = document.model_copy(update={"options": options})
            script = LocalScriptWriter().write(document)
        except Exception as err:  # noqa: BLE001 - the table shows every failure with its cause
            results[path.name] = {"error": f"{type(err).__name__}: {err}"}
            continue
        results[path.name] = {
            "script": script.model_dump(mode="json"),
            "words_per_minute": document.options.words_per_minute,
            "requested_s": document.options.target_duration_s,
        }
    return results


def old_scripts(paths: list[Path], commit: str) -> dict[str, dict]:
    """`write_scripts` run in a subprocess over the `notes_pipeline` package as it was at `commit`."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, "notes_pipeline"], check=True, capture_output=True
    ).stdout
    with tempfile.TemporaryDirectory(prefix="np-old-writer-") as tmp:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        done = subprocess.run(
            [sys.executable, __file__, "--write", *map(str, paths)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": tmp},
        )
    return json.loads(done.stdout)


def _narration(script: dict) -> str:
    return "\n".join(scene["narration"] for scene in script["scenes"])


CLOCK = {"name": "espeak"}


def spoken_seconds(script: dict, words_per_minute: int) -> float:
    """How long the narration lasts: eSpeak NG's clips summed (clock 'espeak'), or words / words per minute."""
    if CLOCK["name"] == "words":
        return len(_narration(script).split()) * 60 / words_per_minute
    from notes_pipeline.providers.tts.espeak import EspeakNarrator

    narrator = EspeakNarrator()
    return sum(
        narrator.synthesize(scene["narration"], language=script["language"]).duration_s
        for scene in script["scenes"]
        if scene["narration"].strip()
    )


def measure(name: str, notes: str, result: dict) -> dict:
    """Coverage, spoken seconds, the target aimed at and markup hits of one written script."""
    from benchmarks.corpus.coverage import coverage
    from benchmarks.corpus.markup import markup_count

    if "error" in result:
        return {"error": result["error"]}
    if "measured" in result:
        return result["measured"]
    script = result["script"]
    text = _narration(script)
    target = script.get("target_duration_s") or result["requested_s"]
    result["measured"] = {
        "coverage": None if name.endswith(".prompt") else coverage(notes, text),
        "spoken_s": spoken_seconds(script, result["words_per_minute"]),
        "target_s": target,
        "markup": markup_count(text),
    }
    return result["measured"]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _duration(m: dict) -> str:
    if "error" in m:
        return "—"
    if not m["target_s"]:
        return f"{m['spoken_s']:.0f} s, no target"
    return f"{m['spoken_s']:.0f}/{m['target_s']:.0f} s ({m['spoken_s'] / m['target_s'] - 1:+.0%})"


def within(m: dict) -> bool:
    return "error" not in m and bool(m["target_s"]) and abs(m["spoken_s"] / m["target_s"] - 1) <= LENGTH_TOLERANCE


def table(paths: list[Path], old: dict[str, dict], new: dict[str, dict], same: dict[str, dict]) -> str:
    """`same`: the new writer held to the old one's spoken length, where coverage is compared."""
    rows = [
        "| document | coverage old | coverage new | coverage new at old's length | duration old "
        "| duration new (vs target) | markup old/new | new writer's error |",
        "|---|---|---|---|---|---|---|---|",
    ]
    totals = {"lower": 0, "compared": 0, "within_old": 0, "within_new": 0, "markup_new": 0, "written": 0}
    for path in paths:
        notes = path.read_text(encoding="utf-8", errors="replace")
        o, n = measure(path.name, notes, old[path.name]), measure(path.name, notes, new[path.name])
        s = measure(path.name, notes, same[path.name]) if path.name in same else n
        if o.get("coverage") is not None and s.get("coverage") is not None:
            totals["compared"] += 1
            totals["lower"] += s["coverage"] < o["coverage"] - 1e-9
        totals["within_old"] += within(o)
        totals["within_new"] += within(n)
        totals["markup_new"] += n.get("markup", 0)
        totals["written"] += "error" not in n
        error = n.get("error", "")
        rows.append(
            f"| {path.name} | {_pct(o.get('coverage'))} | {_pct(n.get('coverage'))} "
            f"| {_pct(s.get('coverage'))} | {_duration(o)} "
            f"| {_duration(n)} | {o.get('markup', '—')}/{n.get('markup', '—')} "
            f"| {error[:100].replace('|', '/')} |"
        )
    summary = (
        f"{len(paths)} documents: new writer wrote {totals['written']}; coverage at the old writer's length "
        f"lower than the old writer's on {totals['lower']} of {totals['compared']} compared; "
        f"within ±15% of target: old "
        f"{totals['within_old']}, new {totals['within_new']}; markup spoken (new): {totals['markup_new']}"
    )
    return "\n".join(rows) + "\n\n" + summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=OLD_WRITER, help="the commit whose local writer is compared")
    parser.add_argument(
        "--clock",
        choices=("espeak", "words"),
        default="espeak",
        help="spoken length by real eSpeak NG synthesis (default) or by words per minute",
    )
    parser.add_argument("--write", nargs="+", type=Path, help=argparse.SUPPRESS)  # the subprocess's half
    args = parser.parse_args(argv)
    CLOCK["name"] = args.clock
    if args.write:
        print(json.dumps(write_scripts(args.write)))
        return
    paths = sorted(p for p in DOCUMENTS.iterdir() if p.is_file())
    old = old_scripts(paths, args.old)
    notes = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in paths}
    old_lengths = {
        name: measure(name, notes[name], result)["spoken_s"]
        for name, result in old.items()
        if "error" not in result and not name.endswith(".prompt")
    }
    same = write_scripts(
        [p for p in paths if p.name in old_lengths], {name: min(900.0, max(15.0, s)) for name, s in old_lengths.items()}
    )
    print(table(paths, old, write_scripts(paths), same))


if __name__ == "__main__":
    main()

"""Render every corpus document offline through the real pipeline and measure each video.

The documents go through what `notes-pipeline run` does: copied into the inbox of a throwaway
NOTES_PIPELINE_HOME, registered by the real inbox sensor on a throwaway Dagster instance, and
rendered by the `notes_video` job in this process. Then each document's manifests, script and
subtitles are read back from the bucket and measured (see the modules beside this one). With the
floor on, the document's own stills and narration are also rendered at 720p twice side by side:
by the full composer and by the plain FFmpeg floor of benchmarks/composer.py.

    python -m benchmarks.corpus [--only NAME,...] [--no-floor]
"""

from __future__ import annotations

import argparse
import atexit
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.corpus.coverage import coverage
from benchmarks.corpus.glyphs import Surface, missing_glyphs
from benchmarks.corpus.markup import markup_hits
from benchmarks.corpus.visuals import visual_share

DOCUMENTS_DIR = Path(__file__).with_name("documents")
FLOOR_RESOLUTION = 720
# A .prompt without an LLM should fail with a line that says which writer to configure, e.g. "a prompt
# needs an LLM script writer: set GEMINI_API_KEY or configure Ollama"; a failed validation is not that.
NEEDS_WRITER = re.compile(
    r"\b(needs?|requires?|configure|set up)\b[^.]*\b(LLM|language model|Gemini|Ollama|OpenAI)\b", re.I
)
_FAILED_DOCUMENT = re.compile(r"^Failed document '[^']*' at ")  # the row already names the document
_SRT_TIMING = re.compile(r"^\d+$|^\d\d:\d\d:\d\d[,.]\d+ --> ")


@dataclass
class Row:
    name: str
    status: str = "failed"
    why: str = ""
    scenes: int | None = None
    video_s: float | None = None
    wall_s: float = 0.0
    markup: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    floor_ratio: float | None = None
    coverage: float | None = None
    target_s: float | None = None
    prompt: str = ""
    visual_share: float | None = None
    measured: bool = False  # a script (and media) existed to measure


def _cell(text: str, limit: int = 120) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


HEADER = (
    "| document | status | why | scenes | video s | wall s | markup spoken | missing glyphs "
    "| full/floor 720p | coverage | duration vs target | prompt | visuals > text card |\n"
    "|---|---|---|---:|---:|---:|---|---|---:|---:|---|---|---:|"
)


def format_row(r: Row) -> str:
    markup = (
        "—"
        if not r.measured
        else (
            str(sum(r.markup.values()))
            + (f" ({', '.join(f'{k} {v}' for k, v in r.markup.items())})" if r.markup else "")
        )
    )
    distinct = "".join(sorted(set(r.missing)))
    missing = "—" if not r.measured else str(len(r.missing)) + (f" (`{_cell(distinct, 30)}`)" if r.missing else "")
    if r.video_s is None:
        duration = "—"
    elif r.target_s:
        duration = f"{r.video_s:.0f}/{r.target_s:.0f} s ({r.video_s / r.target_s - 1:+.0%})"
    else:
        duration = f"{r.video_s:.0f} s, no target"
    return (
        f"| {r.name} | {r.status} | {_cell(r.why)} | {_num(r.scenes, 'd')} | {_num(r.video_s, '.1f')} "
        f"| {r.wall_s:.1f} | {markup} | {missing} | {_num(r.floor_ratio, '.2f')} "
        f"| {_num(r.coverage, '.0%')} | {duration} | {r.prompt or '—'} | {_num(r.visual_share, '.0%')} |"
    )


def summary(rows: Sequence[Row]) -> str:
    count = {s: sum(r.status == s for r in rows) for s in ("finished", "degraded", "failed")}
    ratios = sorted(r.floor_ratio for r in rows if r.floor_ratio is not None)
    covered = [r.coverage for r in rows if r.coverage is not None]
    scenes = sum(r.scenes or 0 for r in rows if r.visual_share is not None)
    pictured = sum(round((r.visual_share or 0) * (r.scenes or 0)) for r in rows if r.visual_share is not None)
    floor = (
        f"full/floor at {FLOOR_RESOLUTION}p median {statistics.median(ratios):.2f}, worst {ratios[-1]:.2f} "
        f"({len(ratios)} documents)"
        if ratios
        else "full/floor not measured"
    )
    return (
        f"**{len(rows)} documents: {count['finished']} finished, {count['degraded']} degraded, "
        f"{count['failed']} failed; markup spoken {sum(sum(r.markup.values()) for r in rows)} in "
        f"{sum(bool(r.markup) for r in rows)} documents; missing glyphs {sum(len(r.missing) for r in rows)} in "
        f"{sum(bool(r.missing) for r in rows)} documents; {floor}; mean coverage "
        f"{_num(statistics.mean(covered) if covered else None, '.0%')}; scenes with more than a text card "
        f"{pictured}/{scenes}.**"
    )


def _throwaway_home(root: Path) -> None:
    """Everything under `root`: bucket, scratch, Dagster instance and the embedded Postgres."""
    for name in ("NOTES_PIPELINE_DATABASE_URL", "NOTES_PIPELINE_BUCKET"):
        os.environ.pop(name, None)
    os.environ["NOTES_PIPELINE_HOME"] = str(root / "home")
    os.environ["DAGSTER_HOME"] = str(root / "dagster")
    os.environ["NOTES_PIPELINE_PGDATA"] = str(root / "pgdata")
    os.environ["NOTES_PIPELINE_REMOTE_FIGURES"] = "off"  # offline: the documents' web figures are not fetched


def _register(instance, paths: Sequence[Path]) -> None:
    """Tick the real inbox sensor until it has nothing new (it reads a capped batch per tick)."""
    import dagster as dg

    from notes_pipeline.cli.runner import inbox_tick
    from notes_pipeline.defs.resources import pipeline_resources

    cursor = None
    for _ in range(len(paths) + 2):
        result = inbox_tick(instance, pipeline_resources(inbox_settle_s=0), cursor)
        if isinstance(result, dg.SkipReason):
            return
        if not result.run_requests and result.cursor == cursor:
            return
        cursor = result.cursor


def _subtitle_lines(srt: str) -> list[str]:
    return [line for line in srt.splitlines() if line.strip() and not _SRT_TIMING.match(line.strip())]


def measure_document(row: Row, bucket, doc_id: str, notes: str, *, floor: bool) -> None:
    """Fill `row` from what the run left in the bucket (whatever exists: a failed run may have a script)."""
    from notes_pipeline.domain.models import ImagesManifest, NarrationManifest, ScriptManifest, VideoRender
    from notes_pipeline.stages.script import load_script
    from notes_pipeline.store import keys
    from notes_pipeline.store.bucket import load_model

    script_manifest = load_model(bucket, keys.manifest(doc_id, "video_script"), ScriptManifest)
    if script_manifest is None:
        return
    script = load_script(bucket, script_manifest)
    row.measured, row.scenes = True, len(script.scenes)
    row.target_s = script.target_duration_s or script_manifest.options.target_duration_s  # what the writer aimed at
    narration_text = "\n".join(s.narration for s in script.scenes)
    row.markup = markup_hits(narration_text)
    row.coverage = coverage(notes, narration_text) if not row.name.endswith(".prompt") else None
    runs: list[tuple[str, Surface, bool]] = [(script.title, "slide", False)]
    for scene in script.scenes:
        bullets = scene.bullets or [scene.narration.split(". ")[0]]  # what the slide renderer draws
        runs += [(scene.heading, "slide", True)] + [(b, "slide", False) for b in bullets]
    images = load_model(bucket, keys.manifest(doc_id, "scene_images"), ImagesManifest)
    if images is not None:
        row.visual_share = visual_share(images)
    render = load_model(bucket, keys.manifest(doc_id, "final_video"), VideoRender)
    if render is not None:
        row.video_s = render.duration_s
        srt = bucket.get_bytes(render.srt_key).decode("utf-8")
        runs += [(line, "subtitle", False) for line in _subtitle_lines(srt)]
    row.missing = missing_glyphs(runs, script.language)
    narration = load_model(bucket, keys.manifest(doc_id, "scene_narration"), NarrationManifest)
    if floor and render is not None and narration is not None and images is not None:
        row.floor_ratio = floor_ratio(bucket, script_manifest, narration, images, script.language)


def floor_ratio(bucket, script_manifest, narration, images, language: str) -> float:
    """The full render's wall time over the floor's, on this document's own media at 720p."""
    from benchmarks.composer import document_scenes, floor_render, full_spec, measure
    from notes_pipeline.domain.models import RenderOptions
    from notes_pipeline.media.composer import compose_video

    scenes = document_scenes(bucket, script_manifest, narration, images)
    spec = full_spec(RenderOptions(resolution=FLOOR_RESOLUTION), language=language)
    with tempfile.TemporaryDirectory(prefix="np-corpus-floor-") as tmp:
        work = Path(tmp)
        floor = measure(lambda: floor_render(scenes, spec, work / "floor.mp4"))
        full = measure(lambda: compose_video(scenes, spec, work / "full"))
    return full.wall_s / floor.wall_s


def run_corpus(paths: Sequence[Path], *, floor: bool) -> list[Row]:
    import dagster as dg

    from notes_pipeline.cli.commands import submit
    from notes_pipeline.cli.runner import QUIET_RUN_CONFIG, failure_text
    from notes_pipeline.definitions import defs
    from notes_pipeline.defs.partitions import notes_documents
    from notes_pipeline.defs.resources import BucketResource
    from notes_pipeline.domain.documents import content_hash, document_id
    from notes_pipeline.domain.models import VideoRender
    from notes_pipeline.instance import prepare_instance
    from notes_pipeline.store import keys
    from notes_pipeline.store.bucket import load_model

    prepare_instance(Path(os.environ["DAGSTER_HOME"]))
    instance = dg.DagsterInstance.get()
    bucket = BucketResource().get()
    submit(paths, bucket)
    _register(instance, paths)
    registered = set(instance.get_dynamic_partitions(notes_documents.name))
    job = defs.resolve_job_def("notes_video")
    rows = []
    for path in paths:
        data = path.read_bytes()
        row, doc_id = Row(path.name), document_id(path.name, content_hash(data))
        if doc_id not in registered:
            row.why = "not registered by the inbox sensor"
        else:
            started = time.perf_counter()
            run = job.execute_in_process(
                partition_key=doc_id,
                instance=instance,
                raise_on_error=False,
                run_config=QUIET_RUN_CONFIG,
                tags={"notes_pipeline/trigger": "corpus"},
            )
            row.wall_s = time.perf_counter() - started
            render = load_model(bucket, keys.manifest(doc_id, "final_video"), VideoRender) if run.success else None
            if render is None:
                failure = failure_text(run) if not run.success else "no video was made"
                row.why = _FAILED_DOCUMENT.sub("", failure.strip().splitlines()[0])
            else:
                row.status = "degraded" if render.degraded else "finished"
                row.why = (render.fallback_reason or "").strip().splitlines()[0] if render.degraded else ""
            measure_document(row, bucket, doc_id, data.decode("utf-8", errors="replace"), floor=floor)
        if path.suffix == ".prompt":
            row.prompt = (
                "script written"
                if row.measured
                else "clear 'needs a writer' error"
                if NEEDS_WRITER.search(row.why)
                else "unclear error"
            )
        rows.append(row)
        print(format_row(row), flush=True)
    return rows


def corpus_paths(only: str | None) -> list[Path]:
    # Smallest first: a run cut short on a loaded machine has still measured the most documents.
    paths = sorted((p for p in DOCUMENTS_DIR.iterdir() if p.is_file()), key=lambda p: (p.stat().st_size, p.name))
    if only:
        wanted = {n.strip() for n in only.split(",") if n.strip()}
        unknown = wanted - {p.name for p in paths}
        if unknown:
            raise SystemExit(f"not in the corpus: {', '.join(sorted(unknown))}")
        paths = [p for p in paths if p.name in wanted]
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated document file names (default: all)")
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the full-vs-floor render at 720p (it doubles the time)"
    )
    args = parser.parse_args(argv)
    paths = corpus_paths(args.only)
    print(
        f"# corpus: {len(paths)} documents (smallest first), offline providers, {os.cpu_count()} cores, "
        f"floor {'off' if args.no_floor else f'on at {FLOOR_RESOLUTION}p'}"
    )
    print(HEADER, flush=True)
    root = Path(tempfile.mkdtemp(prefix="np-corpus-"))
    # Removed at exit, after the embedded Postgres has stopped (atexit runs its own hook first).
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    _throwaway_home(root)
    rows = run_corpus(paths, floor=not args.no_floor)
    print()
    print(summary(rows))
    sys.stdout.flush()

"""`make bench`: per-stage wall seconds for the bundled 10-scene example, and render speed.

Each stage runs from a cold bucket (nothing reusable), first as plain stage functions so
the figures are the stages' own cost, then once more through Dagster (ephemeral instance,
in-process executor) to show what orchestration adds. Copy the printed table into
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import platform
import resource
import tempfile
import time
from pathlib import Path

import dagster as dg

from benchmarks import chaos, inbox_sweep
from notes_pipeline.defs.media.assets import media_assets
from notes_pipeline.defs.media.checks import media_checks
from notes_pipeline.defs.partitions import notes_documents
from notes_pipeline.defs.resources import pipeline_resources
from notes_pipeline.package_files import examples_dir
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.providers.tts.espeak import EspeakNarrator
from notes_pipeline.stages.images import make_images
from notes_pipeline.stages.ingest import InboxCursor, scan_inbox
from notes_pipeline.stages.narration import narrate_script
from notes_pipeline.stages.script import load_document, write_script
from notes_pipeline.stages.video import render_video
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import LocalBucket

EXAMPLE = examples_dir() / "how-solar-panels-work.md"
MAX_BYTES = 5_000_000


def _timed(timings: dict[str, float], name: str, fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    timings[name] = time.perf_counter() - started
    return value


def stages_once(root: Path, workers: int) -> tuple[dict[str, float], float, int]:
    bucket = LocalBucket(root)
    bucket.put_bytes(keys.INBOX_PREFIX + EXAMPLE.name, EXAMPLE.read_bytes())
    t: dict[str, float] = {}
    scan = _timed(t, "ingest", scan_inbox, bucket, InboxCursor(), known_doc_ids=[], max_bytes=MAX_BYTES, settle_s=0)
    doc_id = scan.registered[0].doc_id
    script, written = _timed(
        t,
        "video_script",
        lambda: write_script(bucket, load_document(bucket, doc_id, max_bytes=MAX_BYTES), LocalScriptWriter()),
    )
    narration = _timed(t, "scene_narration", narrate_script, bucket, script, EspeakNarrator(), workers=workers)
    images = _timed(t, "scene_images", make_images, bucket, script, SlideRenderer(), workers=workers)
    render = _timed(
        t, "final_video", render_video, bucket, script, written, narration, images, scratch_root=root / "scratch"
    )
    t["total"] = sum(t.values())
    return t, render.duration_s, script.scene_count


def dagster_once(root: Path) -> float:
    resources = pipeline_resources(bucket_root=str(root / "bucket"), scratch_dir=str(root / "scratch"))
    bucket = resources["bucket"].get()
    bucket.put_bytes(keys.INBOX_PREFIX + EXAMPLE.name, EXAMPLE.read_bytes())
    scan = scan_inbox(bucket, InboxCursor(), known_doc_ids=[], max_bytes=MAX_BYTES, settle_s=0)
    doc_id = scan.registered[0].doc_id
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(notes_documents.name, [doc_id])
    started = time.perf_counter()
    result = dg.materialize(
        [*media_assets, *media_checks], partition_key=doc_id, instance=instance, resources=resources
    )
    assert result.success
    return time.perf_counter() - started


def main() -> None:
    print(f"# notes_pipeline benchmark — {EXAMPLE.name}, 1280x720@30, offline providers")
    cores = Path("/proc/cpuinfo").read_text().count("processor")
    print(f"# {platform.python_version()} on {platform.machine()}, {cores} cores")
    runs = []
    for workers in (4, 1):
        with tempfile.TemporaryDirectory(prefix="np-bench-") as tmp:
            runs.append((workers, *stages_once(Path(tmp), workers)))
    with tempfile.TemporaryDirectory(prefix="np-bench-") as tmp:
        dagster_s = dagster_once(Path(tmp))

    (w4, t4, video_s, scenes), (w1, t1, _, _) = runs
    print(f"\nscenes: {scenes}   video: {video_s:.1f} s\n")
    print(f"| stage | wall s ({w4} scene workers) | wall s ({w1} worker) |")
    print("|---|---:|---:|")
    for stage in t4:
        print(f"| {stage} | {t4[stage]:.2f} | {t1[stage]:.2f} |")
    print(f"\nrender speed (final_video): {video_s / t4['final_video']:.1f} s of video per wall second")
    print(f"whole pipeline: {video_s / t4['total']:.1f} s of video per wall second")
    print(f"through Dagster (materialize, ephemeral instance, checks included): {dagster_s:.2f} s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: python {peak_mb:.0f} MB, largest child (ffmpeg) {peak_children_mb:.0f} MB")
    chaos.main()

    from benchmarks import state

    state.main()
    inbox_sweep.main()

    from benchmarks import composer

    composer.main([])


if __name__ == "__main__":
    main()

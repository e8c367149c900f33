"""The composer against its floor (and against MoviePy): wall and CPU seconds, peak RSS.

The floor is one plain FFmpeg pass that encodes the same stills for the same durations
with the same narration, codec settings (media/presets.py), resolution and fps, and does
nothing else: no motion, no transitions, no subtitles, no music, no loudness work. The
full render is `compose_video` with every feature on. Both run side by side for each
row, so the shared, noisy machine affects both alike; the ratio is what to read.

The 10-scene example comes from the real offline stages (local writer, eSpeak NG, slides)
at each resolution; the 40-scene case repeats its media four times.

    python -m benchmarks.composer [--quick]     (--quick: 720p and 10 scenes only)
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from notes_pipeline.domain.models import RenderOptions, SceneWords
from notes_pipeline.media.composer import RenderSpec, SceneMedia, compose_video, fit_to_frame, frame_plan
from notes_pipeline.media.ffmpeg import run_ffmpeg
from notes_pipeline.media.presets import AUDIO_RATE, encode_args
from notes_pipeline.media.probe import probe
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.providers.tts.espeak import EspeakNarrator
from notes_pipeline.stages.images import make_images
from notes_pipeline.stages.ingest import InboxCursor, scan_inbox
from notes_pipeline.stages.narration import narrate_script
from notes_pipeline.stages.script import load_script, write_script
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import LocalBucket

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "notes" / "how-solar-panels-work.md"
MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class Measured:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


class _ChildRssSampler:
    """Peak resident memory of this process's children (FFmpeg), summed over those alive at once."""

    def __init__(self, period_s: float = 0.02) -> None:
        self.period_s, self.peak_kb, self._stop = period_s, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _children_kb(self) -> int:
        me, total = str(os.getpid()), 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                status = Path(entry.path, "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("PPid", "").strip() == me and "VmRSS" in fields:
                total += int(fields["VmRSS"].split()[0])
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self._children_kb())
            self._stop.wait(self.period_s)

    def __enter__(self) -> _ChildRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(work: Callable[[], object], *, include_self: bool = False) -> Measured:
    """Wall seconds, CPU seconds of the children (plus this process when asked) and their peak RSS."""
    def cpu() -> float:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        total = kids.ru_utime + kids.ru_stime
        if include_self:
            me = resource.getrusage(resource.RUSAGE_SELF)
            total += me.ru_utime + me.ru_stime
        return total

    cpu0, started = cpu(), time.perf_counter()
    with _ChildRssSampler() as sampler:
        work()
    return Measured(time.perf_counter() - started, cpu() - cpu0, sampler.peak_kb / 1024)


def example_scenes(root: Path, resolution: int) -> list[SceneMedia]:
    """The bundled example through the real offline stages, at `resolution`."""
    bucket = LocalBucket(root)
    notes = f"---\nresolution: {resolution}\n---\n" + EXAMPLE.read_text(encoding="utf-8")
    bucket.put_bytes(keys.INBOX_PREFIX + EXAMPLE.name, notes.encode())
    scan = scan_inbox(bucket, InboxCursor(), known_doc_ids=[], max_bytes=MAX_BYTES, settle_s=0)
    script_manifest, _ = write_script(bucket, scan.registered[0].doc_id, LocalScriptWriter(), max_bytes=MAX_BYTES)
    narration = narrate_script(bucket, script_manifest, EspeakNarrator(), workers=2)
    images = make_images(bucket, script_manifest, SlideRenderer(), workers=2)
    script = load_script(bucket, script_manifest)
    scenes = []
    for clip, image, scene in zip(narration.clips, images.images, script.scenes, strict=True):
        words = SceneWords.model_validate_json(bucket.get_bytes(clip.words_key)).words
        scenes.append(SceneMedia(bucket.local_path(image.image_key), bucket.local_path(clip.audio_key),
                                 clip.duration_s, words, heading=scene.heading))
    return scenes


def floor_render(scenes: Sequence[SceneMedia], spec: RenderSpec, out: Path) -> Path:
    """One plain FFmpeg pass: each still decoded once and repeated for its frames, the clips joined."""
    plan = frame_plan([s.duration_s for s in scenes], spec.fps)
    videos = [
        fit_to_frame(ffmpeg.input(str(s.image_path)), spec.width, spec.height)
        .filter("loop", loop=count - 1, size=1, start=0).filter("setpts", f"N/({spec.fps}*TB)")
        for s, (_, count) in zip(scenes, plan, strict=True)
    ]
    audios = [ffmpeg.input(str(s.audio_path)).audio.filter("aresample", AUDIO_RATE) for s in scenes]
    video = ffmpeg.concat(*videos, n=len(videos), v=1, a=0)
    audio = ffmpeg.concat(*audios, n=len(audios), v=0, a=1)
    run_ffmpeg(ffmpeg.output(video, audio, str(out), **encode_args(spec.quality, spec.fps)), what="the floor video")
    return out


def full_spec(options: RenderOptions, language: str = "en") -> RenderSpec:
    width, height = options.frame_size
    return RenderSpec(width=width, height=height, fps=options.fps, language=language)


def _row(label: str, video_s: float, floor: Measured, full: Measured) -> str:
    return (f"| {label} | {video_s:.1f} | {floor.wall_s:.2f} | {full.wall_s:.2f} | {full.wall_s / floor.wall_s:.2f} "
            f"| {floor.cpu_s:.1f} | {full.cpu_s:.1f} | {full.cpu_s / floor.cpu_s:.2f} "
            f"| {video_s / full.wall_s:.1f} | {floor.peak_rss_mb:.0f} | {full.peak_rss_mb:.0f} |")


def main(argv: Sequence[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__).parse_known_args(argv)[1]
    quick = "--quick" in args
    resolutions, lengths = ((720,), (10,)) if quick else ((480, 720, 1080), (10, 40))
    print(f"# composer vs floor — {EXAMPLE.name}, {os.cpu_count()} cores, quality 'final'")
    print("| preset, scenes | video s | floor wall s | full wall s | wall ratio | floor CPU s | full CPU s "
          "| CPU ratio | full realtime x | floor peak RSS MB | full peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="np-bench-composer-") as tmp:
        root = Path(tmp)
        for resolution in resolutions:
            options = RenderOptions(resolution=resolution)
            base = example_scenes(root / f"bucket{resolution}", resolution)
            spec = full_spec(options)
            for count in lengths:
                scenes = (base * (count // len(base) + 1))[:count]
                work = root / f"r{resolution}-{count}"
                work.mkdir()
                floor = measure(lambda: floor_render(scenes, spec, work / "floor.mp4"))
                full = measure(lambda: compose_video(scenes, spec, work / "full"))
                video_s = probe(work / "floor.mp4").duration_s
                print(_row(f"{options.frame_size.width}x{options.frame_size.height}, {count}", video_s, floor, full),
                      flush=True)


if __name__ == "__main__":
    main()

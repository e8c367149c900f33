"""The composer against its floor (and against MoviePy): wall and CPU seconds, peak RSS.

The floor is one plain FFmpeg pass that encodes the same stills for the same durations
with the same narration, codec settings (media/presets.py), resolution and fps, and does
nothing else: no motion, no transitions, no subtitles, no music, no loudness work. The
full render is `compose_video` with every feature on. Both run side by side for each
row, so the shared, noisy machine affects both alike; the ratio is what to read.

The 10-scene example comes from the real offline stages (local writer, eSpeak NG, slides)
at each resolution; the 40-scene case repeats its media four times. Each 10-scene pair runs
twice (floor, full, floor, full) and the faster of each is kept; the 40-scene pairs once.
Peak RSS is the largest sum of the resident memory of all FFmpeg processes alive at once.

The MoviePy comparison renders the same stills, narration, zoom (MoviePy's per-frame
resize) and cross-fades with MoviePy 2 at 720p with the same x264 settings; it has no
subtitles, music or loudness work, so it does less than the full render. MoviePy runs at
about a tenth of realtime here, so it gets two short scenes (about 11 s of video) and the
full render is measured on the same two.

The clip case (`--clips`) gives each of the example's 10 scenes at 720p a stock-like clip made by
FFmpeg's generators (test pattern, Mandelbrot zoom, gradients, Life, cellular automaton; 1280x720
H.264 at 24, 25 or 30 fps, 3 to 12 s, some with a sound track), so most clips loop and some are
trimmed. Its floor is one plain pass that cuts the same clips to the same frames, normalised and
cover-cropped the same way (media/clips.py), joins them and encodes them with the narration at the
same settings; the full render is `compose_video` with every feature on over those clips.

    python -m benchmarks.composer [--quick] [--quality draft|final] [--no-moviepy] [--long-scenes] [--clips]
    (--quick: 720p and 10 scenes only; --long-scenes: also the 10 scenes joined into 3 long ones at 720p,
    about 100 words each, a row marked "degraded" if the full render fell back to the plain one;
    --clips: only the clip case, 10 scenes at 720p)
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import ffmpeg
import numpy as np

from notes_pipeline.domain.models import (
    ImagesManifest,
    NarrationManifest,
    RenderOptions,
    SceneWords,
    ScriptManifest,
)
from notes_pipeline.media.clips import ClipInputs, clip_frames, clip_info
from notes_pipeline.media.composer import AMBIENT, RenderSpec, SceneMedia, compose_video, fitted_stills, frame_plan
from notes_pipeline.media.ffmpeg import run_ffmpeg
from notes_pipeline.media.loudness import join_narration, narration
from notes_pipeline.media.presets import PRESETS, encode_args
from notes_pipeline.media.probe import probe
from notes_pipeline.package_files import examples_dir
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.providers.tts.espeak import EspeakNarrator
from notes_pipeline.stages.images import make_images
from notes_pipeline.stages.ingest import InboxCursor, scan_inbox
from notes_pipeline.stages.narration import narrate_script
from notes_pipeline.stages.script import load_document, load_script, write_script
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import LocalBucket

EXAMPLE = examples_dir() / "how-solar-panels-work.md"
MAX_BYTES = 5_000_000
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Measured:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    largest_process_mb: float  # the one FFmpeg process that held the most: what a longer video must not grow


class _ChildRssSampler:
    """Peak resident memory of this process's children (FFmpeg), summed over those alive at once."""

    def __init__(self, period_s: float = 0.02, include_self: bool = False) -> None:
        self.period_s, self.peak_kb, self.largest_kb, self._stop = period_s, 0, 0, threading.Event()
        self.include_self = include_self
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _children_kb(self) -> tuple[int, int]:
        """(the children's summed RSS, the largest child's), in KiB.

        Children are found through /proc/<pid>/task/*/children and measured from their statm:
        a scan of all of /proc took ~7 ms of Python every 20 ms, a quarter of a core taken from
        the render being measured (and the GIL from its threads); this takes ~0.1 ms.
        """
        total, largest = (self._own_kb() if self.include_self else 0), 0
        for task in os.scandir(f"/proc/{os.getpid()}/task"):
            try:
                children = Path(task.path, "children").read_text().split()
            except OSError:
                continue
            for child in children:
                try:
                    rss = int(Path(f"/proc/{child}/statm").read_text().split()[1]) * PAGE_KB
                except (OSError, IndexError, ValueError):
                    continue
                total, largest = total + rss, max(largest, rss)
        return total, largest

    @staticmethod
    def _own_kb() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            total, largest = self._children_kb()
            self.peak_kb, self.largest_kb = max(self.peak_kb, total), max(self.largest_kb, largest)
            self._stop.wait(self.period_s)

    def __enter__(self) -> _ChildRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _full_render(scenes, spec, out: Path, degraded: list[bool]) -> None:
    degraded.append(compose_video(scenes, spec, out).degraded)


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
    with _ChildRssSampler(include_self=include_self) as sampler:
        work()
    return Measured(time.perf_counter() - started, cpu() - cpu0, sampler.peak_kb / 1024, sampler.largest_kb / 1024)


def example_scenes(root: Path, resolution: int) -> list[SceneMedia]:
    """The bundled example through the real offline stages, at `resolution`."""
    bucket = LocalBucket(root)
    notes = f"---\nresolution: {resolution}\n---\n" + EXAMPLE.read_text(encoding="utf-8")
    bucket.put_bytes(keys.INBOX_PREFIX + EXAMPLE.name, notes.encode())
    scan = scan_inbox(bucket, InboxCursor(), known_doc_ids=[], max_bytes=MAX_BYTES, settle_s=0)
    document = load_document(bucket, scan.registered[0].doc_id, max_bytes=MAX_BYTES)
    script_manifest, _ = write_script(bucket, document, LocalScriptWriter())
    narration = narrate_script(bucket, script_manifest, EspeakNarrator(), workers=2)
    images = make_images(bucket, script_manifest, SlideRenderer(), workers=2)
    return document_scenes(bucket, script_manifest, narration, images)


def document_scenes(
    bucket: LocalBucket, script_manifest: ScriptManifest, narration: NarrationManifest, images: ImagesManifest
) -> list[SceneMedia]:
    """Any document's own media (its stills, narration and word timings in a local bucket), ready for
    `floor_render` and `compose_video`: what lets the corpus measure the full render against the floor."""
    script = load_script(bucket, script_manifest)
    scenes = []
    for clip, image, scene in zip(narration.clips, images.images, script.scenes, strict=True):
        words = SceneWords.model_validate_json(bucket.get_bytes(clip.words_key)).words
        scenes.append(
            SceneMedia(
                bucket.local_path(image.image_key),
                bucket.local_path(clip.audio_key),
                clip.duration_s,
                words,
                heading=scene.heading,
            )
        )
    return scenes


def merged_scenes(scenes: Sequence[SceneMedia], parts: int, work: Path) -> list[SceneMedia]:
    """Consecutive scenes joined into `parts` long ones (narration back to back, words shifted, the first
    still): a note whose scenes run to the writer's 45 s cap, which once made the burn-in fall back."""
    merged = []
    for n, group in enumerate(np.array_split(np.arange(len(scenes)), parts)):
        members = [scenes[i] for i in group]
        offsets = np.concatenate([[0.0], np.cumsum([s.duration_s for s in members])[:-1]])
        words = [
            w.model_copy(update={"start_s": w.start_s + off, "end_s": w.end_s + off})
            for off, scene in zip(offsets, members, strict=True)
            for w in scene.words
        ]
        audio = join_narration([s.audio_path for s in members], work / f"long{n}.wav")
        merged.append(
            SceneMedia(
                members[0].image_path, audio, sum(s.duration_s for s in members), words, heading=members[0].heading
            )
        )
    return merged


def floor_render(scenes: Sequence[SceneMedia], spec: RenderSpec, out: Path) -> Path:
    """One plain FFmpeg pass: each still decoded once and repeated for its frames, the clips joined."""
    plan = frame_plan([s.duration_s for s in scenes], spec.fps)
    stills = fitted_stills([s.image_path for s in scenes], spec.width, spec.height)
    videos = [
        still.filter("loop", loop=count - 1, size=1, start=0).filter("setpts", f"N/({spec.fps}*TB)")
        for still, (_, count) in zip(stills, plan, strict=True)
    ]
    video = ffmpeg.concat(*videos, n=len(videos), v=1, a=0)
    audio = narration(join_narration([s.audio_path for s in scenes], out.with_name("floor-narration.wav")))
    run_ffmpeg(ffmpeg.output(video, audio, str(out), **encode_args(spec.quality, spec.fps)), what="the floor video")
    return out


# (FFmpeg source, fps, seconds, with a sound track): stock-like footage of several rates and lengths.
STOCK_CLIPS = [
    ("testsrc2=size=1280x720", 25, 4.0, True),
    ("mandelbrot=size=1280x720", 30, 12.0, False),
    ("gradients=size=1280x720:speed=0.03", 24, 6.0, True),
    ("life=size=1280x720:mold=10:ratio=0.1:life_color=#40c0ff:death_color=#102030", 30, 3.0, False),
    ("cellauto=size=1280x720:rule=110", 25, 8.0, True),
]


def stock_clips(work: Path, count: int) -> list[Path]:
    """`count` H.264 clips, cycling through STOCK_CLIPS (made once each, reused round the cycle)."""
    work.mkdir(parents=True, exist_ok=True)
    made = []
    for n, (source, fps, seconds, sound) in enumerate(STOCK_CLIPS):
        path = work / f"stock{n}.mp4"
        streams = [ffmpeg.input(f"{source}:rate={fps}", f="lavfi", t=seconds)]
        if sound:
            streams.append(ffmpeg.input("sine=frequency=440:sample_rate=48000", f="lavfi", t=seconds))
        run_ffmpeg(
            ffmpeg.output(
                *streams,
                str(path),
                vcodec="libx264",
                preset="veryfast",
                crf=23,
                pix_fmt="yuv420p",
                **({"acodec": "aac"} if sound else {}),
            ),
            what=f"stock clip {n}",
        )
        made.append(path)
    return [made[i % len(made)] for i in range(count)]


def clip_floor_render(scenes: Sequence[SceneMedia], spec: RenderSpec, out: Path) -> Path:
    """One plain FFmpeg pass over clip scenes: each clip from its start, looped or cut to its scene's frames,
    normalised and cover-cropped as the composer does it, joined, encoded with the narration."""
    plan = frame_plan([s.duration_s for s in scenes], spec.fps)
    inputs = ClipInputs()
    videos = [
        clip_frames(
            inputs, s.clip_path, clip_info(s.clip_path), 0, count, width=spec.width, height=spec.height, fps=spec.fps
        )
        for s, (_, count) in zip(scenes, plan, strict=True)
    ]
    video = ffmpeg.concat(*videos, n=len(videos), v=1, a=0)
    audio = narration(join_narration([s.audio_path for s in scenes], out.with_name("floor-narration.wav")))
    run_ffmpeg(
        ffmpeg.output(video, audio, str(out), **encode_args(spec.quality, spec.fps)), what="the clip floor video"
    )
    return out


def clips_case(root: Path, quality: str) -> None:
    """The example's 10 scenes at 720p over stock-like clips: floor and full render, twice each, best kept."""
    options = RenderOptions(resolution=720, quality=quality)
    base = example_scenes(root / "bucket-clips", 720)
    clips = stock_clips(root / "stock", len(base))
    scenes = [replace(scene, clip_path=clip) for scene, clip in zip(base, clips, strict=True)]
    spec = full_spec(options)
    work = root / "r720-clips"
    work.mkdir()
    floors, fulls, degraded = [], [], []
    for _ in range(REPEATS):
        floors.append(measure(lambda: clip_floor_render(scenes, spec, work / "floor.mp4")))
        fulls.append(measure(lambda: degraded.append(compose_video(scenes, spec, work / "full").degraded)))
    video_s = probe(work / "floor.mp4").duration_s
    longer = sum(s.duration_s > clip_info(s.clip_path).duration_s for s in scenes)
    label = (
        f"{options.frame_size.width}x{options.frame_size.height}, 10 clip scenes ({longer} looped)"
        f"{' (degraded)' * any(degraded)}"
    )
    print(_row(label, video_s, _best(floors), _best(fulls)), flush=True)


def full_spec(options: RenderOptions, language: str = "en") -> RenderSpec:
    """Every feature on: pan/zoom, cross-fades, karaoke subtitles, ambient music ducked, -14 LUFS."""
    width, height = options.frame_size
    return RenderSpec(
        width=width,
        height=height,
        fps=options.fps,
        language=language,
        quality=options.quality,
        effects=True,
        karaoke=True,
        music=AMBIENT,
        loudness_lufs=-14.0,
    )


def moviepy_render(scenes: Sequence[SceneMedia], spec: RenderSpec, out: Path) -> Path:
    """The same stills, narration, gentle zoom and cross-fades, the MoviePy 2 way."""
    from moviepy import (
        AudioFileClip,
        CompositeVideoClip,
        ImageClip,
        concatenate_audioclips,
        concatenate_videoclips,
        vfx,
    )

    fade = 0.4
    clips = []
    for i, scene in enumerate(scenes):
        length = scene.duration_s + (fade if i < len(scenes) - 1 else 0.0)  # overlap keeps the total length
        still = ImageClip(str(scene.image_path)).with_duration(length)
        zoomed = still.resized(lambda t, d=length: 1.0 + 0.05 * t / d).with_position("center")
        clip = CompositeVideoClip([zoomed], size=(spec.width, spec.height)).with_duration(length)
        clips.append(clip.with_effects([vfx.CrossFadeIn(fade)]) if i else clip)
    video = concatenate_videoclips(clips, method="compose", padding=-fade)
    narration_clips = [AudioFileClip(str(s.audio_path)) for s in scenes]
    video = video.with_audio(concatenate_audioclips(narration_clips))
    preset = PRESETS[spec.quality]
    video.write_videofile(
        str(out),
        fps=spec.fps,
        codec="libx264",
        preset=preset.x264_preset,
        audio_codec="aac",
        audio_bitrate=preset.audio_bitrate,
        threads=os.cpu_count(),
        logger=None,
        ffmpeg_params=["-crf", str(preset.crf), "-pix_fmt", "yuv420p"]
        + (["-x264-params", preset.x264_params] if preset.x264_params else []),
    )
    for clip in narration_clips:
        clip.close()
    return out


REPEATS = 2


def _best(runs: Sequence[Measured]) -> Measured:
    """The fastest run by wall time (the machine is shared: slower runs measured interference)."""
    return min(runs, key=lambda m: m.wall_s)


def moviepy_version() -> str:
    from importlib.metadata import version

    return version("moviepy")


def _row(label: str, video_s: float, floor: Measured, full: Measured) -> str:
    return (
        f"| {label} | {video_s:.1f} | {floor.wall_s:.2f} | {full.wall_s:.2f} | {full.wall_s / floor.wall_s:.2f} "
        f"| {floor.cpu_s:.1f} | {full.cpu_s:.1f} | {full.cpu_s / floor.cpu_s:.2f} "
        f"| {video_s / full.wall_s:.1f} | {floor.peak_rss_mb:.0f} | {full.peak_rss_mb:.0f} "
        f"| {full.largest_process_mb:.0f} |"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="composer vs floor (and MoviePy)")
    parser.add_argument("--quick", action="store_true", help="720p and 10 scenes only")
    parser.add_argument("--quality", choices=sorted(PRESETS), default="final")
    parser.add_argument("--no-moviepy", action="store_true")
    parser.add_argument("--long-scenes", action="store_true", help="also the example in 3 long scenes at 720p")
    parser.add_argument("--clips", action="store_true", help="only the clip case: 10 clip scenes at 720p")
    args = parser.parse_known_args(argv)[0]
    resolutions, lengths = ((720,), (10,)) if args.quick else ((480, 720, 1080), (10, 40))
    preset = PRESETS[args.quality]
    print(
        f"# composer vs floor — {EXAMPLE.name}, {os.cpu_count()} cores, quality '{args.quality}' "
        f"(x264 {preset.x264_preset}{' ' + preset.x264_params if preset.x264_params else ''}, CRF {preset.crf})"
    )
    print(
        "| preset, scenes | video s | floor wall s | full wall s | wall ratio | floor CPU s | full CPU s "
        "| CPU ratio | full realtime x | floor peak RSS MB | full peak RSS MB | full largest process MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    moviepy_case = None
    if args.clips:
        with tempfile.TemporaryDirectory(prefix="np-bench-composer-") as tmp:
            clips_case(Path(tmp), args.quality)
        return
    with tempfile.TemporaryDirectory(prefix="np-bench-composer-") as tmp:
        root = Path(tmp)
        for resolution in resolutions:
            options = RenderOptions(resolution=resolution, quality=args.quality)
            base = example_scenes(root / f"bucket{resolution}", resolution)
            spec = full_spec(options)
            cases = [(str(count), (base * (count // len(base) + 1))[:count]) for count in lengths]
            if args.long_scenes and resolution == 720:
                (root / "long").mkdir()
                cases.append(("3 long", merged_scenes(base, 3, root / "long")))
            for name, scenes in cases:
                work = root / f"r{resolution}-{name.replace(' ', '-')}"
                work.mkdir()
                floors, fulls, degraded = [], [], []
                for _ in range(REPEATS if len(scenes) <= 10 else 1):  # the long rows show growth, once is enough
                    floors.append(measure(partial(floor_render, scenes, spec, work / "floor.mp4")))
                    fulls.append(measure(partial(_full_render, scenes, spec, work / "full", degraded)))
                video_s = probe(work / "floor.mp4").duration_s
                label = f"{options.frame_size.width}x{options.frame_size.height}, {name}{' (degraded)' * any(degraded)}"
                print(_row(label, video_s, _best(floors), _best(fulls)), flush=True)
                if resolution == 720 and name == "10" and not args.no_moviepy:
                    moviepy_case = (spec, base[1:3], root / "moviepy")
        if moviepy_case is not None:
            spec, scenes, work = moviepy_case
            work.mkdir()
            movie = measure(lambda: moviepy_render(scenes, spec, work / "moviepy.mp4"), include_self=True)
            full = measure(lambda: compose_video(scenes, spec, work / "full"))
            video_s = probe(work / "moviepy.mp4").duration_s
            print(
                f"\n| MoviePy {moviepy_version()} vs full render, 1280x720, scenes 2-3 | video s | wall s | CPU s "
                "| realtime x | peak RSS MB |\n|---|---:|---:|---:|---:|---:|"
            )
            for name, m in (("MoviePy (zoom, fades, narration)", movie), ("full render (everything)", full)):
                print(
                    f"| {name} | {video_s:.1f} | {m.wall_s:.2f} | {m.cpu_s:.1f} | {video_s / m.wall_s:.1f} "
                    f"| {m.peak_rss_mb:.0f} |"
                )
            print(
                f"full render vs MoviePy: {movie.wall_s / full.wall_s:.1f}x faster (wall), "
                f"{movie.cpu_s / full.cpu_s:.1f}x less CPU"
            )


if __name__ == "__main__":
    main()

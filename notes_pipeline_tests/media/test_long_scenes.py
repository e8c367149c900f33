"""Scenes of any length and videos of many scenes get the full render, the spoken word highlighted.

The burn-in once chose its frames with a `select` expression of one term per change, and
FFmpeg's expression parser gives up past 100 terms: a scene of about 100 words fell back to
the plain render. Here every check is on decoded frames of the delivered video, and the
commands FFmpeg was given are measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
import ffmpeg
import numpy as np
import pytest

from notes_pipeline.domain.models import WordTiming
from notes_pipeline.media import composer
from notes_pipeline.media.burnin import burn_subtitles
from notes_pipeline.media.composer import RenderSpec, SceneMedia, compose_video
from notes_pipeline.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from notes_pipeline.media.fonts import FONTS_DIR
from notes_pipeline.media.subtitles import HIGHLIGHT_RGB, SceneTiming, build_cues, write_ass
from notes_pipeline_tests.media.scenes import still, tone_clip

W, H, FPS = 480, 270, 10
DARK = (30, 30, 40)
VOCABULARY = "light arrives as tiny packets of energy called photons which knock electrons loose inside silicon".split()


def _scene(tmp_path: Path, name: str, count: int, gap_s: float) -> SceneMedia:
    """`count` words, one every `gap_s`, on a dark still; the clip ends 0.4 s after the last word."""
    words = [
        WordTiming(
            text=VOCABULARY[i % len(VOCABULARY)],
            start_s=round(0.1 + i * gap_s, 3),
            end_s=round(0.1 + i * gap_s + gap_s * 0.8, 3),
        )
        for i in range(count)
    ]
    duration = tone_clip(tmp_path / f"{name}.wav", words[-1].end_s + 0.1, tail_s=0.3)
    return SceneMedia(still(tmp_path / f"{name}.png", DARK), tmp_path / f"{name}.wav", duration, words)


def _highlight(frame: np.ndarray) -> np.ndarray:
    """Pixels of the highlight's warm yellow (red and green well above blue), anywhere in the frame."""
    r, g, b = HIGHLIGHT_RGB
    return (frame[..., 0] - frame[..., 2] > (r - b) * 0.4) & (frame[..., 1] - frame[..., 2] > (g - b) * 0.4)


def _frames_at(path: Path, times: Sequence[float]) -> list[tuple[int, np.ndarray]]:
    """(frame number, RGB) of the first frame at or after each of `times`, decoding once and keeping only those."""
    wanted, found = sorted(times), []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            while wanted and float(frame.time) >= wanted[0] - 1e-6:
                found.append((round(float(frame.time) * FPS), frame.to_ndarray(format="rgb24").astype(np.int16)))
                wanted.pop(0)
    assert not wanted, f"the video ends before {wanted}"
    return found


def _libass_frame(ass: Path, number: int, tmp_path: Path) -> np.ndarray:
    """Frame `number` of the script drawn by FFmpeg's `ass` filter on the dark still's colour (the reference)."""
    dest = tmp_path / f"reference{number}.png"
    colour = "0x{:02x}{:02x}{:02x}".format(*DARK)
    canvas = (
        ffmpeg.input(f"color=c={colour}:s={W}x{H}:r={FPS}:d=1", f="lavfi")
        .filter("trim", end_frame=1)
        .filter("setpts", f"PTS+{number}")
        .filter("ass", str(ass), fontsdir=str(FONTS_DIR))
    )
    run_ffmpeg(ffmpeg.output(canvas, str(dest), frames=1, update=1), what="a reference frame")
    with av.open(str(dest)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24").astype(np.int16)


def _assert_highlighted(composed, scenes: Sequence[SceneMedia], spoken: Sequence[tuple[int, int]], tmp_path: Path):
    """For each (scene, word): in the middle of that word, the delivered frame shows the highlight where
    libass draws it for that moment, and on a word of its own (not where the previous word was lit)."""
    offsets = np.concatenate([[0.0], np.cumsum([s.duration_s for s in scenes])[:-1]])
    times = []
    for scene, word in spoken:
        words = scenes[scene].words
        times += [offsets[scene] + words[word - 1].start_s + 0.05, offsets[scene] + words[word].start_s + 0.05]
    decoded = _frames_at(composed.video_path, times)
    script = composed.video_path.parent / "full" / "subtitles.ass"
    for (_, before), (number, frame) in zip(decoded[::2], decoded[1::2], strict=True):
        seen, previous = _highlight(frame), _highlight(before)
        expected = _highlight(_libass_frame(script, number, tmp_path))
        assert expected.sum() >= 20, f"frame {number}: libass draws no highlight there"
        assert seen.sum() >= 0.7 * expected.sum(), f"frame {number}: {seen.sum()} pixels lit of {expected.sum()}"
        x_seen, x_expected = np.nonzero(seen)[1].mean(), np.nonzero(expected)[1].mean()
        assert abs(x_seen - x_expected) <= 3, f"frame {number}: highlight at x={x_seen:.1f}, libass {x_expected:.1f}"
        assert (seen & previous).sum() < 0.5 * seen.sum(), f"frame {number}: the previous word is still lit"


@pytest.fixture
def commands(monkeypatch) -> list[list[str]]:
    """The argument list of every FFmpeg run the composer makes."""
    seen: list[list[str]] = []

    def recording(stream, **kwargs):
        seen.append(ffmpeg.compile(stream, cmd=ffmpeg_exe()))
        return run_ffmpeg(stream, **kwargs)

    monkeypatch.setattr(composer, "run_ffmpeg", recording)
    return seen


def _longest_argument(commands: list[list[str]]) -> int:
    return max(len(arg) for command in commands for arg in command)


def test_a_400_word_scene_is_rendered_in_full(tmp_path, commands):
    scene = _scene(tmp_path, "long", 400, 0.2)
    composed = compose_video([scene], RenderSpec(W, H, fps=FPS), tmp_path / "out")
    assert not composed.degraded, composed.fallback_reason
    _assert_highlighted(composed, [scene], [(0, 3), (0, 217), (0, 399)], tmp_path)
    assert _longest_argument(commands) < 4000


def test_a_three_minute_scene_is_rendered_in_full(tmp_path, commands):
    scene = _scene(tmp_path, "slow", 400, 0.45)
    assert scene.duration_s >= 180
    composed = compose_video([scene], RenderSpec(W, H, fps=FPS), tmp_path / "out")
    assert not composed.degraded, composed.fallback_reason
    _assert_highlighted(composed, [scene], [(0, 11), (0, 200), (0, 399)], tmp_path)
    assert _longest_argument(commands) < 4000
    # In parts of about CHUNK_S, so every core works on it (as one chunk it ran on one).
    chunks = [c for c in commands if Path(c[-1]).name.startswith("chunk")]
    assert len(chunks) == round(scene.duration_s * FPS) // round(composer.CHUNK_S * FPS)


def test_sixty_scenes_are_rendered_in_full(tmp_path, commands):
    scenes = [_scene(tmp_path, f"s{i}", 6, 0.3) for i in range(60)]
    composed = compose_video(scenes, RenderSpec(W, H, fps=FPS), tmp_path / "out")
    assert not composed.degraded, composed.fallback_reason
    _assert_highlighted(composed, scenes, [(0, 2), (29, 4), (59, 5)], tmp_path)
    # Each chunk's graph holds its own few scenes; the join and the soundtrack read lists from files.
    assert _longest_argument(commands) < 16000


def test_the_burn_in_command_does_not_grow_with_the_words(tmp_path):
    """The same 60 s of video with 50 and with 500 spoken words: the same FFmpeg arguments, to the byte."""
    sizes = []
    for count in (50, 500):
        gap = 59.0 / count
        words = [
            WordTiming(text=VOCABULARY[i % len(VOCABULARY)], start_s=i * gap, end_s=i * gap + gap * 0.8)
            for i in range(count)
        ]
        cues = build_cues([SceneTiming(0.0, 60.0, words)], max_chars=42)
        folder = tmp_path / f"{count:03d}"
        folder.mkdir()
        ass = write_ass(cues, folder / "s.ass", width=W, height=H, language="en", karaoke=True)
        video = ffmpeg.input(f"color=c=black:s={W}x{H}:r={FPS}:d=60", f="lavfi")
        burned = burn_subtitles(video, ass, begin=0, frames=60 * FPS, width=W, height=H, fps=FPS)
        sizes.append(sum(len(arg) for arg in ffmpeg.compile(ffmpeg.output(burned, str(folder / "v.mp4")))))
    assert sizes[0] == sizes[1], sizes

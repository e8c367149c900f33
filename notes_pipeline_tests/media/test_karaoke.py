"""The spoken word is highlighted on time (to the frame), in every script, without moving the text."""

from pathlib import Path

import numpy as np
import pytest

from notes_pipeline.domain.models import WordTiming
from notes_pipeline.media.composer import RenderSpec, SceneMedia, compose_video
from notes_pipeline.media.subtitles import HIGHLIGHT_RGB
from notes_pipeline_tests.media.scenes import frames, still, tone_clip

FPS = 30


def _scene(tmp_path: Path, words: list[str], gap_s: float = 0.42) -> SceneMedia:
    timings = [
        WordTiming(text=w, start_s=round(0.1 + i * gap_s, 3), end_s=round(0.1 + i * gap_s + gap_s * 0.8, 3))
        for i, w in enumerate(words)
    ]
    duration = tone_clip(tmp_path / "voice.wav", timings[-1].end_s + 0.1, tail_s=0.3)
    return SceneMedia(still(tmp_path / "dark.png", (30, 30, 40)), tmp_path / "voice.wav", duration, timings)


def _highlight(frame: np.ndarray) -> np.ndarray:
    """Pixels of the highlight colour (a warm yellow), in the subtitle band.

    Judged by hue, not by exact value: thin strokes of small glyphs blend with the outline
    and 4:2:0 chroma, so few pixels keep the exact colour, but all keep red and green well
    above blue (white text and the grey test still have the three about equal).
    """
    r, g, b = HIGHLIGHT_RGB
    band = frame[int(frame.shape[0] * 0.6) :]
    return (band[..., 0] - band[..., 2] > (r - b) * 0.4) & (band[..., 1] - band[..., 2] > (g - b) * 0.4)


def _highlight_track(path: Path) -> list[tuple[float, float | None]]:
    """(time, x-centre of the highlighted word or None) for every frame."""
    out = []
    for time, frame in frames(path):
        xs = np.nonzero(_highlight(frame))[1]
        out.append((time, float(xs.mean()) if xs.size >= 10 else None))
    return out


def _switches(track: list[tuple[float, float | None]]) -> list[float]:
    """Times where the highlight appears or jumps to another word."""
    times, previous = [], None
    for time, x in track:
        if x is not None and (previous is None or abs(x - previous) > 6):
            times.append(time)
        previous = x if x is not None else previous
    return times


def test_the_spoken_word_is_highlighted_within_a_frame_of_its_timing(tmp_path):
    scene = _scene(tmp_path, ["Light", "arrives", "as", "tiny", "packets", "of", "energy."])
    composed = compose_video([scene], RenderSpec(640, 360, fps=FPS), tmp_path / "out")
    assert not composed.degraded
    switches = _switches(_highlight_track(composed.video_path))
    expected = [w.start_s for w in scene.words]
    assert len(switches) == len(expected), (switches, expected)
    for seen, start in zip(switches, expected, strict=True):
        assert abs(seen - start) <= 1 / FPS + 1e-6, (seen, start)
    track = _highlight_track(composed.video_path)
    centres = [next(x for t, x in track if t >= w.start_s + 0.2) for w in scene.words]
    assert (np.diff(centres) > 0).all(), centres  # left to right, one word after another


@pytest.mark.parametrize(
    ("language", "words", "direction"),
    [
        ("hi", ["पानी", "भाप", "बनकर", "ऊपर", "उठता", "है"], 1),
        ("ur", ["پانی", "بھاپ", "بن", "کر", "اوپر", "اٹھتا"], -1),
        # An English word (a Noto Sans run, set by \fn) and a number inside the right-to-left line.
        ("ur", ["پانی", "steam", "بن", "کر", "100", "اٹھتا"], -1),
    ],
)
def test_highlight_follows_reading_order_and_leaves_the_layout_alone(tmp_path, language, words, direction):
    scene = _scene(tmp_path, words)
    karaoke = compose_video(
        [scene], RenderSpec(854, 480, fps=FPS, language=language, effects=False), tmp_path / "karaoke"
    )
    plain = compose_video(
        [scene], RenderSpec(854, 480, fps=FPS, language=language, effects=False, karaoke=False), tmp_path / "plain"
    )
    track = _highlight_track(karaoke.video_path)
    centres = []
    for word in scene.words:  # the highlight's position in the middle of each word's time
        middle = word.start_s + 0.2
        centres.append(next(x for t, x in track if t >= middle))
    steps = np.diff(centres) * direction
    assert (steps > 0).all(), centres  # Hindi left to right, Urdu right to left
    # Same glyphs in the same places as the plain subtitles: only the colour of one word changes.
    for (_, a), (_, b) in list(zip(frames(karaoke.video_path), frames(plain.video_path), strict=True))[5::15]:
        ink_a, ink_b = a.max(axis=2) > 110, b.max(axis=2) > 110
        assert ink_b.sum() > 300
        assert (ink_a ^ ink_b).sum() <= 0.1 * ink_b.sum()

"""Subtitles readable on any background, measured on real burned frames.

The subtitles are burned (media/burnin.py, the composer's path) onto a white slide, a dark slide and a
photo-like noisy frame at 480p 9:16 and 720p 16:9, and one frame is decoded. Where the glyphs are is
found independently of the style under test: the same script burned on pure black, where only the
letters are bright. Then on each background:
- contrast: the WCAG ratio between the letters (their median colour, edges left out) and the brightest
  tenth of the pixels within a fifth of the font size around them (the worst of what surrounds them)
  is at least 4.5;
- separation: along each line, the columns between two words hold no letter-bright pixel, so every
  word stands apart (a heavy outline on a white slide filled those gaps).
"""

from __future__ import annotations

from pathlib import Path

import av
import ffmpeg
import numpy as np
import pytest
from PIL import Image

from notes_pipeline.domain.models import WordTiming
from notes_pipeline.domain.style import contrast_ratio
from notes_pipeline.media.burnin import burn_subtitles
from notes_pipeline.media.ffmpeg import run_ffmpeg
from notes_pipeline.media.motion import still_frames
from notes_pipeline.media.subtitles import SceneTiming, build_cues, write_ass
from notes_pipeline_tests.media.tofu import _spans

FPS, FRAMES = 10, 12
SENTENCE = "That makes a fainter signal for all of us to hear in the end"
SIZES = [(480, 854), (1280, 720)]


def _backdrop(kind: str, width: int, height: int) -> Image.Image:
    if kind == "white":
        return Image.new("RGB", (width, height), (255, 255, 255))
    if kind == "dark":
        return Image.new("RGB", (width, height), (20, 26, 34))
    # Photo-like: large soft light and dark areas with fine grain and sharp bright specks on top.
    rng = np.random.default_rng(7)
    coarse = Image.fromarray(rng.integers(0, 256, (9, 16, 3), dtype=np.uint8)).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    grain = rng.normal(0, 40, (height, width, 3))
    specks = (rng.random((height, width, 1)) < 0.04) * 255
    pixels = np.clip(np.asarray(coarse, dtype=np.float64) + grain + specks, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def _burned_frame(tmp_path: Path, backdrop: Image.Image, ass: Path, at_frame: int, name: str) -> np.ndarray:
    still = tmp_path / f"{name}.png"
    backdrop.save(still)
    width, height = backdrop.size
    video = still_frames(ffmpeg.input(str(still)).filter("format", "yuv420p"), FRAMES, fps=FPS)
    burned = burn_subtitles(video, ass, begin=0, frames=FRAMES, width=width, height=height, fps=FPS)
    out = tmp_path / f"{name}.mkv"
    run_ffmpeg(ffmpeg.output(burned, str(out), vcodec="ffv1", pix_fmt="yuv420p"), what="a contrast test clip")
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return frames[at_frame].astype(np.int16)


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb @ np.array([0.2126, 0.7152, 0.0722])


def _grow(mask: np.ndarray, radius: int) -> np.ndarray:
    """The mask dilated by a square of side 2 * radius + 1."""
    out = mask.copy()
    for _ in range(radius):
        grown = out.copy()
        grown[1:] |= out[:-1]
        grown[:-1] |= out[1:]
        grown[:, 1:] |= grown[:, :-1].copy()
        grown[:, :-1] |= grown[:, 1:].copy()
        out = grown
    return out


def _hex(colour: np.ndarray) -> str:
    r, g, b = (int(round(c)) for c in colour)
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.fixture(scope="module")
def scripts(tmp_path_factory):
    """Per frame size: the ASS script, the shown frame, the cue's lines and the font size."""
    made = {}
    for width, height in SIZES:
        words = [
            WordTiming(text=w, start_s=0.05 + 0.04 * i, end_s=0.08 + 0.04 * i) for i, w in enumerate(SENTENCE.split())
        ]
        cues = build_cues([SceneTiming(0.0, FRAMES / FPS, words)], max_chars=42 if width >= height else 24)
        ass = write_ass(
            cues,
            tmp_path_factory.mktemp("ass") / f"{width}x{height}.ass",
            width=width,
            height=height,
            language="en",
            karaoke=True,
        )
        font_size = next(
            int(line.split(",")[2]) for line in ass.read_text().splitlines() if line.startswith("Style: Default")
        )
        frame = int(cues[0].end_s * FPS) - 1  # the last word lit: every word is drawn, none highlighted
        made[(width, height)] = (ass, frame, cues[0].lines, font_size)
    return made


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", ["white", "dark", "photo"])
def test_subtitles_have_contrast_and_separate_words_on_any_background(tmp_path, scripts, size, kind):
    ass, frame, lines, font_size = scripts[size]
    width, height = size
    black = _burned_frame(tmp_path, Image.new("RGB", size, (0, 0, 0)), ass, frame, "black")
    letters = _luma(black) > 110  # on black only the letters are bright (a box or outline is near black)
    assert letters.sum() > 40 * len(SENTENCE.split())
    frame_rgb = _burned_frame(tmp_path, _backdrop(kind, width, height), ass, frame, kind)

    core = letters & ~_grow(~letters, 1)  # the letters less their anti-aliased edge
    ring = _grow(letters, max(2, round(font_size * 0.2))) & ~_grow(letters, 2)
    text = np.median(frame_rgb[core], axis=0)
    around_luma = _luma(frame_rgb[ring])
    worst = frame_rgb[ring][np.argsort(around_luma)[int(len(around_luma) * 0.9)]]
    ratio = contrast_ratio(_hex(text), _hex(worst))
    assert ratio >= 4.5, f"{kind} {width}x{height}: contrast {ratio:.2f} (text {_hex(text)}, around {_hex(worst)})"

    bright = _luma(frame_rgb) > 110
    rows = _spans(letters.any(axis=1))
    assert len(rows) == len(lines), f"{len(rows)} lines drawn for {len(lines)} cue lines"
    for (top, bottom), line in zip(rows, lines, strict=True):
        columns = np.flatnonzero(letters[top:bottom].any(axis=0))
        profile = bright[top:bottom, columns.min() : columns.max() + 1].any(axis=0)
        gaps = [(a, b) for a, b in _spans(~profile) if b - a >= max(3, round(font_size * 0.18))]
        assert len(gaps) >= len(line.split()) - 1, f"{kind}: words run together in {line!r}"


def test_vertical_480p_subtitles_are_a_legible_size(scripts):
    """At 480x854 the letters are at least 28 px (libass font size), about 6% of the width a phone shows."""
    _, _, _, font_size = scripts[(480, 854)]
    assert font_size >= 28

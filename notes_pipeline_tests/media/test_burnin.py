"""Subtitles drawn once per change and overlaid look the same as libass drawing on every frame."""

import random
from pathlib import Path

import av
import ffmpeg
import numpy as np
import pytest

from notes_pipeline.domain.models import WordTiming
from notes_pipeline.media.burnin import Event, burn_subtitles, change_frames, frame_ms, read_script
from notes_pipeline.media.ffmpeg import run_ffmpeg
from notes_pipeline.media.fonts import FONTS_DIR
from notes_pipeline.media.motion import still_frames
from notes_pipeline.media.subtitles import Heading, SceneTiming, build_cues, write_ass

W, H, FPS = 640, 360, 30


def _active(events: list[Event], ms: int) -> frozenset[int]:
    return frozenset(i for i, e in enumerate(events) if e.start_ms <= ms < e.end_ms)


@pytest.mark.parametrize("fps", [24, 25, 30, 60])
def test_every_frame_where_the_picture_changes_is_drawn(fps):
    """Brute force: every frame whose set of events on screen differs from the previous frame's is drawn."""
    rng = random.Random(fps)
    for _ in range(50):
        events = []
        for _ in range(rng.randint(1, 12)):
            start = rng.randint(0, 20_000) // 10 * 10  # ASS clocks are centiseconds
            events.append(Event(start, start + rng.randint(1, 300) * 10))
        begin, frames = rng.randint(0, 400), rng.randint(1, 300)
        drawn = set(change_frames(events, begin, frames, fps))
        changed = {
            n
            for n in range(1, frames)
            if _active(events, frame_ms(begin + n, fps)) != _active(events, frame_ms(begin + n - 1, fps))
        }
        assert 0 in drawn and changed <= drawn
        assert len(drawn) <= 1 + 2 * len(events)  # one draw per boundary at most: each costs libass milliseconds


def test_a_script_without_changes_is_drawn_once():
    assert change_frames([], 100, 50, FPS) == [0]


def _words() -> list[WordTiming]:
    text = "Solar panels turn sunlight into electricity: 100% {quietly} \\ نور"
    return [WordTiming(text=w, start_s=0.2 + 0.37 * i, end_s=0.5 + 0.37 * i) for i, w in enumerate(text.split())]


@pytest.fixture(scope="module")
def script(tmp_path_factory) -> Path:
    """Karaoke cues over 6 s: one picture per highlighted word."""
    cues = build_cues([SceneTiming(0.0, 6.0, _words())], max_chars=24)
    return write_ass(cues, tmp_path_factory.mktemp("ass") / "s.ass", width=W, height=H, language="en", karaoke=True)


def test_subtitles_are_drawn_once_per_change_and_headings_on_every_frame(tmp_path, script):
    """Only still, opaque scripts may take the once-per-change path (libass's alpha mode squares a
    translucent colour's opacity on the canvas): the headings' box is translucent and fades."""
    assert read_script(script).still_and_opaque
    headings = write_ass(
        [], tmp_path / "h.ass", width=W, height=H, language="en", headings=[Heading(0.5, 4.0, "How it works")]
    )
    assert not read_script(headings).still_and_opaque
    plain = script.read_text(encoding="utf-8")
    for changed in (
        plain.replace(",,{", ",,{\\fad(200,200)}{", 1),
        plain.replace("&H00101010", "&H80101010", 1),
        plain.replace(",,{", ",,{\\1a&H40&}{", 1),
    ):
        (tmp_path / "x.ass").write_text(changed, encoding="utf-8")
        assert not read_script(tmp_path / "x.ass").still_and_opaque


def _decoded(stream, path: Path) -> list[np.ndarray]:
    run_ffmpeg(ffmpeg.output(stream, str(path), vcodec="ffv1", fps_mode="passthrough"), what="a burn-in test clip")
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)]


@pytest.mark.parametrize(("fps", "begin"), [(30, 0), (30, 37), (24, 2401), (25, 2145), (60, 7777)])
def test_overlaid_subtitles_match_the_ass_filter(tmp_path, fps, begin):
    """Frames [begin, begin + 150) of a test-pattern video, subtitled both ways, compared pixel by pixel.
    Drawn only on the frames `change_frames` picks, a change our clock put a frame off would show."""
    frames = 150
    cues = build_cues([SceneTiming(begin / fps, 6.0, _words())], max_chars=24)
    script = write_ass(cues, tmp_path / "s.ass", width=W, height=H, language="en", karaoke=True)
    assert len(read_script(script).events) >= len(_words())

    def video():
        grey = ffmpeg.input(f"testsrc2=s={W}x{H}:d=1", f="lavfi").filter("format", "yuv420p")
        return still_frames(grey.filter("trim", end_frame=1), frames, fps=fps)

    reference = (
        video()
        .filter("setpts", f"PTS+{begin}/({fps}*TB)")
        .filter("ass", str(script), fontsdir=str(FONTS_DIR))
        .filter("setpts", "PTS-STARTPTS")
    )
    expected = _decoded(reference, tmp_path / "reference.mkv")
    actual = _decoded(
        burn_subtitles(video(), script, begin=begin, frames=frames, width=W, height=H, fps=fps),
        tmp_path / "overlaid.mkv",
    )
    assert len(actual) == len(expected) == frames
    text_frames = 0
    for n, (a, b) in enumerate(zip(actual, expected, strict=True)):
        diff = np.abs(a - b).max(axis=2)
        # Only where a dark outline's edge meets a saturated colour do the two differ visibly: the ass
        # filter lets the background's 4:2:0 chroma into the outline there, the overlay keeps it neutral.
        assert (diff > 24).mean() < 0.001, f"frame {n}: {(diff > 24).sum()} pixels differ by more than 24"
        assert diff.mean() < 0.1, f"frame {n} differs on average by {diff.mean():.3f}"
        text_frames += int(np.abs(b - expected[0]).max() > 100 or n == 0)
    assert text_frames > 10  # the subtitles really change over the clip


_LONGEST = {
    # Wide capitals that libass must wrap, and scripts with marks above and below the line.
    "en": "WHAT MAKES WAVES WOW: WWWW MMMM WWWW MMMM WWWW MMMM WWWW MMMM WWWW MMMM WWWW MMMM",
    "hi": "सूर्य की ऊर्जा से बिजली बनती है, और क्षेत्रों में प्रगति होती है, ठीक ढंग से",
    "ur": "سورج کی توانائی سے بجلی بنتی ہے، اور علاقوں میں ترقی ہوتی ہے، ٹھیک طرح سے",
}


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (720, 1280), (480, 480), (854, 480)])
@pytest.mark.parametrize("language", ["en", "hi", "ur"])
def test_subtitle_text_stays_inside_the_band_that_is_laid_on(tmp_path, width, height, language):
    """Only the band below `text_top` is overlaid; libass must never draw above it (text there would
    be cut off silently). Drawn on grey, so outline and shadow count too."""
    words = [
        WordTiming(text=w, start_s=0.1 * i, end_s=0.1 * i + 0.08) for i, w in enumerate(_LONGEST[language].split())
    ]
    chars = 42 if width >= height else 24
    cues = build_cues([SceneTiming(0.0, 0.1 * len(words) + 0.5, words)], max_chars=chars)
    ass = write_ass(cues, tmp_path / "s.ass", width=width, height=height, language=language, karaoke=True)
    top = read_script(ass).text_top
    assert top is not None and top > 0.5  # a band, and a small one
    seconds = cues[-1].end_s + 0.5
    grey = ffmpeg.input(f"color=c=gray:s={width}x{height}:r=10:d={seconds:.2f}", f="lavfi")
    frames = _decoded(grey.filter("ass", str(ass), fontsdir=str(FONTS_DIR)), tmp_path / "drawn.mkv")
    drawn_rows = [np.flatnonzero(np.abs(f - f[0, 0]).max(axis=(1, 2)) > 2) for f in frames]
    highest = min(rows[0] for rows in drawn_rows if rows.size)
    assert highest >= top * height, f"text reaches row {highest}, the band starts at {top * height:.0f}"

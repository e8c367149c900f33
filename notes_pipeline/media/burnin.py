"""Burning subtitles in: libass draws each distinct picture once and `overlay` holds it on the frames
until the next change; animated or translucent subtitles fall back to the `ass` filter (docs/rendering.md).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from PIL import Image

from notes_pipeline.media.ffmpeg import MediaError
from notes_pipeline.media.fonts import FONTS_DIR

# Override tags that change an event's picture while it is on screen, or set a translucent alpha.
_MOVING_OR_TRANSLUCENT = re.compile(r"\\(fade?\(|move\(|t\(|k[fo]?\d|K\d|alpha|[1-4]a)")
# Override tags that place, size, turn or thicken text, which would make its reach unknowable from the styles.
_PLACING = re.compile(r"\\(pos|move|org|an?\d|fs|fr|fa[xy]|[xy]?bord|[xy]?shad|be|blur|q\d|p\d)")
_CLOCK = re.compile(r"(\d+):(\d{2}):(\d{2})\.(\d{2})")
# Text height reserved per line, in font sizes (libass's lines measured up to about 1.3 with our
# fonts), and twice the lines an event has, in case libass wraps each of them once.
LINE_HEIGHT = 1.5


@dataclass(frozen=True)
class Event:
    """One Dialogue line of an ASS script: on screen for start_ms <= t < end_ms (libass's rule)."""

    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Script:
    events: list[Event]
    still_and_opaque: bool  # drawing it once per change is exact
    text_top: float | None = None  # no text above this height (fraction of the frame's, from the top), if known


def _ms(clock: str) -> int:
    found = _CLOCK.fullmatch(clock.strip())
    if not found:
        raise MediaError(f"unreadable time {clock!r} in a subtitle script")
    h, m, s, cs = (int(part) for part in found.groups())
    return ((h * 60 + m) * 60 + s) * 1000 + cs * 10


def _opaque_style(style: dict[str, str]) -> bool:
    """Every colour the style draws has alpha 00 (fill; outline if any; shadow or box if any)."""
    drawn = ["PrimaryColour"]
    if float(style.get("Outline", 0)) > 0 or style.get("BorderStyle") == "3":
        drawn.append("OutlineColour")
    if float(style.get("Shadow", 0)) > 0 or style.get("BorderStyle") == "3":
        drawn.append("BackColour")
    return all(style.get(name, "").upper().startswith("&H00") for name in drawn)


def _reach(style: dict[str, str], lines: int, margin_v: int) -> float | None:
    """How far above the bottom edge a bottom-aligned event of `lines` lines can draw, in script pixels."""
    if style.get("Alignment") not in ("1", "2", "3"):
        return None
    try:
        size, outline, shadow = (float(style.get(name, "0")) for name in ("Fontsize", "Outline", "Shadow"))
        margin = margin_v or int(style.get("MarginV", "0"))
        scale_y = float(style.get("ScaleY", "100")) / 100
    except ValueError:
        return None
    return margin + 2 * lines * LINE_HEIGHT * size * scale_y + 2 * (outline + shadow)


def read_script(ass: Path) -> Script:
    """The events of a v4+ script (standard field order), whether all of it is still and opaque,
    and how high its text can reach if every event is bottom-aligned and placed by its style."""
    events, styles, style_format, reaches = [], {}, [], []
    still, play_res_y = True, ""
    for line in ass.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(":")
        if key == "PlayResY":
            play_res_y = value.strip()
        elif key == "Format" and "PrimaryColour" in value:
            style_format = [name.strip() for name in value.split(",")]
        elif key == "Style":
            fields = dict(zip(style_format, (v.strip() for v in value.split(",")), strict=False))
            styles[fields.get("Name", "")] = fields
        elif key == "Dialogue":
            fields = value.split(",", 9)
            events.append(Event(_ms(fields[1]), _ms(fields[2])))
            style, text = styles.get(fields[3].strip()), fields[9]
            still = still and style is not None and _opaque_style(style) and not _MOVING_OR_TRANSLUCENT.search(text)
            placed = style is not None and fields[7].strip().isdigit() and not _PLACING.search(text)
            lines = text.count("\\N") + text.count("\\n") + 1
            reaches.append(_reach(style, lines, int(fields[7])) if placed else None)
    top = None
    if all(r is not None for r in reaches) and play_res_y.isdigit() and int(play_res_y) > 0:
        top = max(0.0, 1 - max(reaches, default=0.0) / int(play_res_y))
    return Script(events, still, top)


def frame_ms(pts: int, fps: int) -> int:
    """The time libass is asked to draw for a frame: the `ass` filter's `pts * av_q2d(time_base) * 1000`
    in doubles, truncated to libass's integer milliseconds; the same operations here give the same bits."""
    return int(pts * (1 / fps) * 1000)


def change_frames(events: Iterable[Event], begin: int, frames: int, fps: int) -> list[int]:
    """Frames (0-based, of the `frames` from video frame `begin`) on which the subtitles must be drawn."""
    clock = [frame_ms(begin + n, fps) for n in range(frames)]
    keep = {0}
    for event in events:
        for boundary in (event.start_ms, event.end_ms):
            keep.add(bisect.bisect_left(clock, boundary))  # the first frame at or after the change
    return sorted(n for n in keep if n < frames)


def write_canvas_listing(frames_drawn: Sequence[int], frames: int, fps: int, dest: Path) -> Path:
    """A concat-demuxer script giving one tiny transparent picture at each of `frames_drawn` (of `frames`).

    The frames to draw were once picked by a `select` expression of one term per change, which FFmpeg
    refuses past 100 terms (a scene of about 100 words); in a file their number costs no argument.
    Each entry's start is the frame's exact microsecond, rounded, so read at 1/fps it is that frame.
    """
    picture = dest.with_suffix(".png")
    Image.new("LA", (2, 2), (0, 0)).save(picture)
    micros = [round(n * 1_000_000 / fps) for n in frames_drawn] + [round(frames * 1_000_000 / fps)]
    entries = [
        f"file '{picture.name}'\noption framerate {fps}\nduration {(b - a) / 1_000_000:.6f}\n"
        for a, b in zip(micros, micros[1:], strict=False)
    ]
    dest.write_text("ffconcat version 1.0\n" + "".join(entries), encoding="utf-8")
    return dest


def burn_subtitles(
    video: ffmpeg.nodes.FilterableStream, ass: Path, *, begin: int, frames: int, width: int, height: int, fps: int
) -> ffmpeg.nodes.FilterableStream:
    """`video` (frames [begin, begin + frames) of the whole, timestamps from zero at 1/fps) with the
    script's subtitles on it."""
    script = read_script(ass)
    if not script.still_and_opaque:
        return (
            video.filter("setpts", f"PTS+{begin}/({fps}*TB)")
            .filter("ass", str(ass), fontsdir=str(FONTS_DIR))
            .filter("setpts", f"PTS-{begin}/({fps}*TB)")
        )
    keep = change_frames(script.events, begin, frames, fps)
    # Only the band that can hold text is laid on; its top on an even row, as 4:2:0 chroma rows pair up.
    top = min(math.floor((script.text_top or 0.0) * height), height - 2) & ~1
    listing = write_canvas_listing(keep, frames, fps, ass.with_name(f"{ass.stem}.{begin:08d}.ffconcat"))
    canvas = (
        ffmpeg.input(str(listing), f="concat", safe=0)
        .filter("settb", f"1/{fps}")
        .filter("format", "yuva420p")
        .filter("pad", width, height, 0, 0, color="black@0")
        .filter("setpts", f"PTS+{begin}/({fps}*TB)")
        .filter("ass", str(ass), fontsdir=str(FONTS_DIR), alpha=1)
        .filter("setpts", f"PTS-{begin}/({fps}*TB)")
    )
    if top:
        canvas = canvas.filter("crop", width, height - top, 0, top)
    return ffmpeg.filter([video, canvas], "overlay", x=0, y=top, eof_action="repeat", format="yuv420")

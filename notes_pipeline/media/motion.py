"""Gentle pan and zoom on a still, smooth to a fraction of a pixel: exact keyframes a pixel apart,
blended in between (the why: docs/rendering.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import ffmpeg

# "Gentle": at most this much zoom and pan per second, whatever the scene's length.
MAX_ZOOM = 0.05
ZOOM_PER_S = 0.012
PAN_PER_S = 0.012  # of the frame's width
# Keyframe instants need a fine clock: a still's own time base (1/25 s for PNG) would round them.
KEYFRAME_TB = "1/1000000"


@dataclass(frozen=True)
class View:
    """Which part of the still fills the frame: zoom (>= 1) about a centre given in still pixels."""

    zoom: float
    cx: float
    cy: float

    def corners(self, width: int, height: int) -> list[tuple[float, float]]:
        """Top-left, top-right, bottom-left, bottom-right of the visible rectangle, in still pixels."""
        hw, hh = width / 2 / self.zoom, height / 2 / self.zoom
        return [
            (self.cx - hw, self.cy - hh),
            (self.cx + hw, self.cy - hh),
            (self.cx - hw, self.cy + hh),
            (self.cx + hw, self.cy + hh),
        ]


@dataclass(frozen=True)
class Move:
    """A straight move from one view to another over a scene's whole time on screen.

    A pan keeps the zoom and moves the centre horizontally; a zoom keeps the centre.
    """

    start: View
    end: View

    @property
    def is_pan(self) -> bool:
        return self.start.zoom == self.end.zoom and self.start.cx != self.end.cx

    def at(self, fraction: float) -> View:
        """The view a `fraction` of the way: the visible rectangle's corners move in straight lines
        at constant speed (1/zoom and the centre change linearly), as the keyframes draw them."""
        a, b = self.start, self.end
        inverse = 1 / a.zoom + (1 / b.zoom - 1 / a.zoom) * fraction
        return View(1 / inverse, a.cx + (b.cx - a.cx) * fraction, a.cy + (b.cy - a.cy) * fraction)


def move_for_scene(index: int, duration_s: float, width: int, height: int) -> Move:
    """A different gentle move per scene (in, out, pan right, pan left), sized to the scene's length.

    Pans run at a fixed zoom so the frame never shows the still's edge.
    """
    zoom = 1.0 + min(MAX_ZOOM, ZOOM_PER_S * duration_s)
    cx, cy = width / 2, height / 2
    pattern = index % 4
    if pattern == 0:
        return Move(View(1.0, cx, cy), View(zoom, cx, cy))
    if pattern == 1:
        return Move(View(zoom, cx, cy), View(1.0, cx, cy))
    # Pans travel a whole number of pixels of the zoomed still (see pan_grid).
    slack = math.floor(width * zoom) - width  # zoomed still pixels the frame can slide across
    travel = min(slack, round(PAN_PER_S * width * duration_s))
    sign = 1 if pattern == 2 else -1
    half = travel / 2 / zoom
    return Move(View(zoom, cx - sign * half, cy), View(zoom, cx + sign * half, cy))


@dataclass(frozen=True)
class KeyframeGrid:
    """The exactly rendered views of a move: step k is a pan k whole pixels along, or a zoom whose
    crop is k whole pixels in from each edge.

    `at_frame(k)` is when step k is exact, in output frames from the move's start (not
    necessarily on a frame); steps run from `first_step` to `last_step` (down for a zoom out).
    `frame_expr` is the same function as an FFmpeg expression of the step, named `K`.
    """

    first_step: int
    last_step: int
    at_frame: Callable[[int], float]
    frame_expr: str

    @property
    def direction(self) -> int:
        return 1 if self.last_step >= self.first_step else -1

    def covering(self, first: int, frames: int) -> tuple[int, int]:
        """The steps (first, last, in time order) whose keyframes enclose output frames [first, first + frames]."""
        steps = range(self.first_step, self.last_step + self.direction, self.direction)
        before = [k for k in steps if self.at_frame(k) <= first + 1e-9]
        after = [k for k in steps if self.at_frame(k) >= first + frames - 1e-9]
        return (before[-1] if before else self.first_step), (after[0] if after else self.last_step)


def pan_grid(move: Move, total: int) -> KeyframeGrid:
    """A pan travels a whole number of pixels of the zoomed still (move_for_scene), one per step."""
    travel = abs(round((move.end.cx - move.start.cx) * move.start.zoom))
    per_step = total / max(1, travel)
    return KeyframeGrid(0, max(1, travel), lambda k: k * per_step, f"K*{per_step:.9f}")


def zoom_side(move: Move, width: int, height: int) -> int:
    """The padded square's side: large enough that one step (S / (S - 2k) to S / (S - 2k - 2)) moves
    the frame's corners by at most a pixel at the move's largest zoom; even, so it centres exactly, and
    with (side - width) / 2 even, so the frame starts on a chroma sample (see _zoom_keyframes)."""
    side = math.ceil(max(move.start.zoom, move.end.zoom) * (max(width, height) + 2))
    side += side % 2
    return side + (side - width) % 4


def zoom_grid(move: Move, total: int, width: int, height: int) -> KeyframeGrid:
    """Step k is zoom S / (S - 2k). The move draws 1/zoom linearly in time (Move.at) and
    1/zoom = 1 - 2k/S, so the steps are evenly spaced in time."""
    side = zoom_side(move, width, height)
    inverse_start, inverse_end = 1 / move.start.zoom, 1 / move.end.zoom
    per_step = total * (-2 / side) / (inverse_end - inverse_start)  # output frames per step (signed)

    def step(zoom: float, up: bool) -> int:
        exact = (1 - 1 / zoom) * side / 2
        return max(0, math.ceil(exact - 1e-9) if up else math.floor(exact + 1e-9))

    zooming_in = move.end.zoom > move.start.zoom
    # Outermost steps at or beyond the move's own zooms, so its first and last frames are enclosed.
    first, last = step(move.start.zoom, not zooming_in), step(move.end.zoom, zooming_in)
    origin = total * (1 - inverse_start) / (inverse_end - inverse_start)  # when step 0 would be exact
    return KeyframeGrid(first, last, lambda k: origin + k * per_step, f"({origin:.9f}+K*{per_step:.9f})")


def keyframe_source(
    still: ffmpeg.nodes.FilterableStream, move: Move, *, width: int, height: int
) -> ffmpeg.nodes.FilterableStream:
    """The one picture every keyframe of `move` is cut from, made once per still and move.

    `still` must already be the frame's size in yuv420p. A scene drawn in parts (its
    cross-fades apart from its body) splits this picture among them rather than making it
    again: making it is most of what a part costs to set up (scaling, converting and
    stacking, and the memory each of those filters touches for the first time).
    """
    if move.is_pan:
        return _pan_source(still, move, width=width, height=height)
    if (move.start.cx, move.start.cy) == (move.end.cx, move.end.cy) == (width / 2, height / 2):
        return _zoom_source(still, zoom_side(move, width, height), width=width, height=height)
    raise ValueError("a move either pans at one zoom or zooms about the frame's centre")


def moving_still(
    source: ffmpeg.nodes.FilterableStream,
    move: Move,
    first: int,
    frames: int,
    total: int,
    *,
    width: int,
    height: int,
    fps: int,
) -> ffmpeg.nodes.FilterableStream:
    """`frames` output frames of `move`, starting at frame `first` of the `total` the move spans,
    cut from `source` (keyframe_source of the still and the move).

    Only the keyframes around those frames are rendered, so a scene can be drawn in parts at
    no extra cost. The result has a 1/fps time base and timestamps from zero.
    """
    grid = pan_grid(move, total) if move.is_pan else zoom_grid(move, total, width, height)
    k0, k1 = grid.covering(first, frames)
    count = abs(k1 - k0) + 1
    # The blending filter lays its output grid from its first input's time, and keyframe k0 is
    # rarely on a frame: a copy of it goes first, on the grid at or before it; frames before
    # `first` are then dropped. Input frame n >= 1 is step k0 + direction * (n - 1).
    lead = math.ceil(first - grid.at_frame(k0) - 1e-9)
    at = grid.frame_expr.replace("K", f"({k0}+{grid.direction}*(N-1))")
    looped = source.filter("loop", loop=count, size=1, start=0)

    def step(counter: str) -> str:
        """The step keyframe `counter` (a filter's own 0-based frame counter) draws; frame 0 is the lead copy."""
        return f"({k0}+{grid.direction}*max({counter}-1,0))"

    if move.is_pan:
        keyframes = _pan_keyframes(looped, move, step, width=width, height=height)
    else:
        keyframes = _zoom_keyframes(looped, zoom_side(move, width, height), step, width=width, height=height)
    keyframes = keyframes.filter("settb", KEYFRAME_TB).filter(
        "setpts", f"(if(eq(N,0),{-lead},{at}-{first}))/({fps}*TB)"
    )
    return (
        keyframes.filter("framerate", fps=fps, interp_start=0, interp_end=255, scene=100, flags=0)
        .filter("trim", start_frame=lead, end_frame=lead + frames)
        .filter("settb", f"1/{fps}")
        .filter("setpts", "N")
        .filter("setsar", 1)  # scaling the still rounds its size, which would skew the SAR
    )


def _pan_source(
    still: ffmpeg.nodes.FilterableStream, move: Move, *, width: int, height: int
) -> ffmpeg.nodes.FilterableStream:
    """The still scaled to the pan's zoom, its frame-high strip in 4:2:0 twice, stacked: as is, and
    starting one column later.

    In 4:2:0 a window can only start on an even column (a chroma sample covers two): an even
    offset is cut from the top copy, an odd one from the bottom copy one column earlier
    (_pan_keyframes), so every keyframe is a crop, which moves pointers and copies nothing.
    """
    zoom = move.start.zoom
    big_w, big_h = math.floor(width * zoom), math.floor(height * zoom)
    wide = big_w + big_w % 2
    strip = (
        still.filter("scale", big_w, big_h, flags="bicubic")
        .filter("format", "yuv444p")
        .filter("crop", big_w, height, 0, (big_h - height) // 2)
        .filter("pad", wide + 2, height, 0, 0)
        .filter_multi_output("split", 2)
    )
    copies = [strip.stream(n).filter("crop", wide, height, n, 0).filter("format", "yuv420p") for n in (0, 1)]
    return ffmpeg.filter(copies, "vstack")


def _pan_keyframes(
    looped: ffmpeg.nodes.FilterableStream, move: Move, step: Callable[[str], str], *, width: int, height: int
) -> ffmpeg.nodes.FilterableStream:
    """Keyframe k: the frame-sized window k whole pixels along the pan's strip (_pan_source)."""
    zoom = move.start.zoom
    left = round((move.start.cx - width / 2 / zoom) * zoom)
    sign = 1 if move.end.cx >= move.start.cx else -1
    x = f"({left}+{sign}*{step('n')})"
    return looped.filter("crop", width, height, f"2*floor({x}/2)", f"mod({x},2)*{height}")


def _zoom_offsets(side: int, width: int, height: int) -> tuple[int, int]:
    """Where the frame sits in the padded square: centred, rounded down to even pixels."""
    return ((side - width) // 2) & ~1, ((side - height) // 2) & ~1


def _zoom_source(
    still: ffmpeg.nodes.FilterableStream, side: int, *, width: int, height: int
) -> ffmpeg.nodes.FilterableStream:
    """The still padded to a square of side `side`, twice in 4:2:0, stacked: as is, and shifted one
    pixel up and left (through 4:4:4), for the odd steps (_zoom_keyframes).

    The still sits at even offsets, so the frame can be cut from the square without a copy;
    when the frame's sides differ by 2 mod 4 that puts the zoom's centre a pixel off the
    frame's centre.
    """
    ox, oy = _zoom_offsets(side, width, height)
    pictures = still.filter_multi_output("split", 2)
    # The shifted copy: the still one pixel in from the corner of a frame two pixels larger (the
    # only resampling, at the frame's size), placed two pixels up and left of the other.
    shifted = (
        pictures.stream(1)
        .filter("format", "yuv444p")
        .filter("pad", width + 2, height + 2, 1, 1, color="black")
        .filter("format", "yuv420p")
    )
    squares = [
        pictures.stream(0).filter("pad", side, side, ox, oy, color="black"),
        shifted.filter("pad", side, side, ox - 2, oy - 2, color="black"),
    ]
    return ffmpeg.filter(squares, "vstack")


def _zoom_keyframes(
    looped: ffmpeg.nodes.FilterableStream, side: int, step: Callable[[str], str], *, width: int, height: int
) -> ffmpeg.nodes.FilterableStream:
    """Keyframe k: the padded square's centre of side `side` - 2k, scaled back to `side` by zoompan,
    the frame cut from its middle.

    zoompan (like crop and pad in 4:2:0) can only start on even pixels, so an odd k crops its
    square from the shifted copy (_zoom_source) at k - 1. zoompan's zoom is nudged a quarter
    pixel so the crop's size, which it truncates, lands on the whole number.
    """
    # zoompan's `on` counts its output frames from 0 (one per input frame with d=1), like crop's `n`;
    # the motion tests would see a change of that as a zoom one step late.
    corner = f"2*floor({step('on')}/2)"
    return (
        looped.filter("crop", side, side, 0, f"mod({step('n')},2)*{side}")
        .filter("zoompan", z=f"{side}/({side}-2*{step('on')}+0.25)", x=corner, y=corner, d=1, s=f"{side}x{side}")
        .filter("crop", width, height, *_zoom_offsets(side, width, height))
    )


def still_frames(still: ffmpeg.nodes.FilterableStream, frames: int, *, fps: int) -> ffmpeg.nodes.FilterableStream:
    """The still, unmoving, for `frames` frames (decoded once, repeated by reference)."""
    return still.filter("loop", loop=frames - 1, size=1, start=0).filter("settb", f"1/{fps}").filter("setpts", "N")

"""Gentle pan and zoom on a still, smooth to a fraction of a pixel, at little cost.

FFmpeg's zoompan (and any crop/scale chain) places the picture on whole pixels, so slow
motion moves in visible steps. Here the picture is rendered exactly only at keyframes
spaced so that nothing on screen moves more than one pixel between two of them, and the
`framerate` filter blends neighbouring keyframes linearly for every frame in between.
Blending two pictures at most a pixel apart is resampling at the in-between position, so
motion is smooth (measured in benchmarks/RESULTS.md: 0.08 px from a smooth path, against
0.9 px for zoompan) while the exact work runs a few times per second only:

- a zoom renders its keyframes with `perspective` (bilinear, sub-pixel corners);
- a pan scales the still once and crops it at whole-pixel offsets, one pixel per
  keyframe, which is exact and nearly free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ffmpeg

# Largest movement (output pixels) between two exactly rendered keyframes.
KEYFRAME_STEP_PX = 1.0
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
        return [(self.cx - hw, self.cy - hh), (self.cx + hw, self.cy - hh),
                (self.cx - hw, self.cy + hh), (self.cx + hw, self.cy + hh)]


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
    # Pans travel a whole number of pixels of the zoomed still (see _panning_still).
    slack = math.floor(width * zoom) - width  # zoomed still pixels the frame can slide across
    travel = min(slack, round(PAN_PER_S * width * duration_s))
    sign = 1 if pattern == 2 else -1
    half = travel / 2 / zoom
    return Move(View(zoom, cx - sign * half, cy), View(zoom, cx + sign * half, cy))


def keyframe_count(start: View, end: View, width: int, height: int) -> int:
    """How many intervals keep every corner's movement under KEYFRAME_STEP_PX (in output pixels)."""
    scale = max(start.zoom, end.zoom)
    travel = max(max(abs(p[0] - q[0]), abs(p[1] - q[1]))
                 for p, q in zip(start.corners(width, height), end.corners(width, height), strict=True)) * scale
    return max(1, math.ceil(travel / KEYFRAME_STEP_PX))


def moving_still(
    still: ffmpeg.nodes.FilterableStream, move: Move, first: int, frames: int, total: int,
    *, width: int, height: int, fps: int,
) -> ffmpeg.nodes.FilterableStream:
    """`frames` output frames of `move`, starting at frame `first` of the `total` the move spans.

    Only the keyframes around those frames are rendered, so a scene can be drawn in parts
    (its cross-fades apart from its body) at no extra cost. `still` must already be the
    frame's size in yuv420p. The result has a 1/fps time base and timestamps from zero.
    """
    if move.is_pan:
        keyframes, lead = _pan_keyframes(still, move, first, frames, total, width=width, height=height, fps=fps)
    else:
        start, end = move.at(first / total), move.at((first + frames) / total)
        keyframes, lead = _zoom_keyframes(still, start, end, frames / fps, width=width, height=height), 0
    return (
        keyframes.filter("framerate", fps=fps, interp_start=0, interp_end=255, scene=100, flags=0)
        .filter("trim", start_frame=lead, end_frame=lead + frames)
        .filter("settb", f"1/{fps}")
        .filter("setpts", "N")
        .filter("setsar", 1)  # scaling the still for a pan rounds its size, which would skew the SAR
    )


def _zoom_keyframes(still: ffmpeg.nodes.FilterableStream, start: View, end: View, span_s: float,
                    *, width: int, height: int) -> ffmpeg.nodes.FilterableStream:
    intervals = keyframe_count(start, end, width, height)
    corners: dict[str, str] = {}
    # perspective counts its input frames from 1 ('in'); keyframe k shows the view at k/intervals.
    for i, (p, q) in enumerate(zip(start.corners(width, height), end.corners(width, height), strict=True)):
        corners[f"x{i}"] = f"{p[0]:.4f}+({q[0] - p[0]:.6f})*(in-1)/{intervals}"
        corners[f"y{i}"] = f"{p[1]:.4f}+({q[1] - p[1]:.6f})*(in-1)/{intervals}"
    return (
        still.filter("loop", loop=intervals, size=1, start=0)
        .filter("settb", KEYFRAME_TB)
        .filter("setpts", f"N*{span_s / intervals:.9f}/TB")
        .filter("perspective", interpolation="linear", eval="frame", **corners)
    )


def _pan_keyframes(still: ffmpeg.nodes.FilterableStream, move: Move, first: int, frames: int, total: int,
                   *, width: int, height: int, fps: int) -> tuple[ffmpeg.nodes.FilterableStream, int]:
    """Crops one whole pixel apart covering output frames [first, first + frames), and how many
    leading output frames to drop.

    Keyframe k (offset k pixels) falls at frame k * total / travel, rarely on a frame. The
    blending filter lays its output grid from its first input's time, so a copy of the first
    keyframe is put on the grid at or before it; frames before `first` are then dropped.
    """
    zoom = move.start.zoom
    big_w, big_h = math.floor(width * zoom), math.floor(height * zoom)
    left = round((move.start.cx - width / 2 / zoom) * zoom)
    travel = round((move.end.cx - move.start.cx) * zoom)
    top = (big_h - height) // 2
    steps, sign = max(1, abs(travel)), 1 if travel >= 0 else -1
    per_px = total / steps  # output frames per pixel of travel
    k0 = math.floor(first / per_px)
    k1 = min(steps, math.ceil((first + frames) / per_px))
    lead = -math.floor(k0 * per_px - first)  # grid frames from the copy to `first`
    times = f"if(eq(N,0),{-lead},({k0}+N-1)*{per_px:.9f}-{first})"
    # 4:4:4 while cropping, so odd offsets keep colour aligned; 4:2:0 again per keyframe.
    return (
        still.filter("scale", big_w, big_h, flags="bicubic").filter("format", "yuv444p")
        .filter("loop", loop=k1 - k0 + 1, size=1, start=0)
        .filter("settb", KEYFRAME_TB)
        .filter("setpts", f"({times})/({fps}*TB)")
        .filter("crop", width, height, f"{left}+{sign}*({k0}+max(n-1,0))", str(top))
        .filter("format", "yuv420p")
    ), lead


def still_frames(still: ffmpeg.nodes.FilterableStream, frames: int, *, fps: int) -> ffmpeg.nodes.FilterableStream:
    """The still, unmoving, for `frames` frames (decoded once, repeated by reference)."""
    return (still.filter("loop", loop=frames - 1, size=1, start=0)
            .filter("settb", f"1/{fps}").filter("setpts", "N"))

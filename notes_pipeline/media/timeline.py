"""Where every scene sits in frames, and where cross-fades may go without touching the voice.

Narration clips play back to back, unchanged: the audio timeline is the sum of the clips.
Scene i is fully on screen from the frame nearest its narration start (rounded from the
exact running offset, so rounding never accumulates). A cross-fade into scene i ends on
that frame and starts inside the silence after the previous scene's last word, so the
picture never changes while someone is speaking and never arrives late.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MAX_FADE_S = 0.5
MIN_FADE_FRAMES = 3  # shorter than this a fade looks like a glitch: cut instead
SPEECH_GUARD_S = 0.04  # keep the fade this far clear of the last audible sound


@dataclass(frozen=True)
class SceneSpan:
    first_frame: int  # the first frame where the scene is fully visible: its narration start
    end_frame: int  # one past its last frame (the next scene's first_frame)
    fade_in: int  # frames of cross-fade from the previous scene, ending at first_frame
    offset_s: float  # exact narration start in the video
    duration_s: float

    @property
    def visible_from(self) -> int:
        """The first frame the scene shows in at all (the start of its fade-in)."""
        return self.first_frame - self.fade_in

    @property
    def shown_frames(self) -> int:
        return self.end_frame - self.visible_from


def frame_plan(durations: Sequence[float], fps: int) -> list[tuple[int, int]]:
    """(first frame, frame count) per scene, each boundary rounded from the exact running offset."""
    plan, offset = [], 0.0
    for duration in durations:
        first, offset = round(offset * fps), offset + duration
        plan.append((first, round(offset * fps) - first))
    return plan


def plan_scenes(
    durations: Sequence[float], speech_ends_s: Sequence[float], fps: int, *, transitions: bool = True
) -> list[SceneSpan]:
    """Scene spans with the longest fade (up to MAX_FADE_S) that fits in each scene's trailing silence.

    `speech_ends_s[i]` is when scene i's last audible sound ends, relative to its clip.
    """
    spans: list[SceneSpan] = []
    offset = 0.0
    for i, ((first, count), duration) in enumerate(zip(frame_plan(durations, fps), durations, strict=True)):
        fade = 0
        if transitions and i > 0:
            previous = spans[-1]
            quiet_from = previous.offset_s + speech_ends_s[i - 1] + SPEECH_GUARD_S
            room = math.floor((first / fps - quiet_from) * fps + 1e-9)
            fade = min(round(MAX_FADE_S * fps), room, previous.end_frame - previous.first_frame)
            fade = fade if fade >= MIN_FADE_FRAMES else 0
        spans.append(SceneSpan(first, first + count, fade, offset, duration))
        offset += duration
    return spans


@dataclass(frozen=True)
class Shown:
    """`frames` frames of scene `scene`, from frame `first` of its own span (0: its visible_from)."""

    scene: int
    first: int
    frames: int


@dataclass(frozen=True)
class Piece:
    """A run of the video's frames drawn one way: a scene (or a part of it) alone, or a cross-fade,
    which shows two scenes for the same frames."""

    start: int  # its first frame in the video
    shown: tuple[Shown, ...]  # one scene, or the two of a cross-fade (the outgoing one first)

    @property
    def frames(self) -> int:
        return self.shown[0].frames

    @property
    def end(self) -> int:
        return self.start + self.frames


def pieces(spans: Sequence[SceneSpan], longest: int) -> list[Piece]:
    """Every cross-fade and every scene's body, in order; a body of twice `longest` frames or more is cut
    into even parts of `longest` to twice that, so a long scene can render on every core, not on one."""
    out: list[Piece] = []
    for i, span in enumerate(spans):
        if span.fade_in:
            before = spans[i - 1]
            out.append(
                Piece(
                    span.visible_from,
                    (Shown(i - 1, before.shown_frames - span.fade_in, span.fade_in), Shown(i, 0, span.fade_in)),
                )
            )
        fade_out = spans[i + 1].fade_in if i + 1 < len(spans) else 0
        body = span.end_frame - span.first_frame - fade_out
        parts = max(1, body // longest)
        for k in range(parts):
            a, b = body * k // parts, body * (k + 1) // parts
            if b > a:
                out.append(Piece(span.first_frame + a, (Shown(i, span.fade_in + a, b - a),)))
    return out


def group_pieces(all_pieces: Sequence[Piece], frames: int) -> list[list[Piece]]:
    """Consecutive pieces grouped into runs of at least `frames` frames (the last may be shorter)."""
    groups: list[list[Piece]] = [[]]
    for piece in all_pieces:
        if groups[-1] and groups[-1][-1].end - groups[-1][0].start >= frames:
            groups.append([])
        groups[-1].append(piece)
    return [group for group in groups if group]

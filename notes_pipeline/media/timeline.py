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


def plan_scenes(durations: Sequence[float], speech_ends_s: Sequence[float], fps: int,
                *, transitions: bool = True) -> list[SceneSpan]:
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

"""Subtitle cues from word timings, written as SRT, WebVTT and ASS (burned in by libass).

User text reaches FFmpeg only through these files, never through a filter string, and
the ASS writer neutralises everything libass would read as markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from notes_pipeline.domain.chunking import ends_sentence
from notes_pipeline.domain.models import WordTiming
from notes_pipeline.media.fonts import family_for_language

CLAUSE_END = re.compile(r"[,;:،—–-]['\")\]]*$")
HOLD_S = 0.25
MIN_CUE_S = 0.3


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class SceneTiming:
    """Where a scene sits in the video, and its words relative to the scene's start."""

    offset_s: float
    duration_s: float
    words: Sequence[WordTiming]


def _group_lines(words: Sequence[WordTiming], max_chars: int) -> list[list[list[WordTiming]]]:
    """Words -> cues of at most two lines, breaking after sentences, then clauses, then by length."""
    cues: list[list[list[WordTiming]]] = []
    lines: list[list[WordTiming]] = [[]]

    def length(line: list[WordTiming]) -> int:
        return sum(len(w.text) for w in line) + max(0, len(line) - 1)

    def close_cue() -> None:
        nonlocal lines
        if lines[-1]:
            cues.append(lines)
        elif len(lines) > 1:
            cues.append(lines[:-1])
        lines = [[]]

    for word in words:
        line = lines[-1]
        if line and length(line) + 1 + len(word.text) > max_chars:
            if len(lines) == 2:
                close_cue()
            else:
                lines.append([])
        lines[-1].append(word)
        line = lines[-1]
        if ends_sentence(word.text):
            close_cue()
        elif CLAUSE_END.search(word.text) and length(line) >= max_chars * 0.6:
            if len(lines) == 2:
                close_cue()
            else:
                lines.append([])
    close_cue()
    return cues


def build_cues(scenes: Sequence[SceneTiming], *, max_chars: int = 42) -> list[Cue]:
    """Cues in video time, never spanning two scenes, never overlapping, each inside its scene."""
    cues: list[Cue] = []
    for scene in scenes:
        scene_end = scene.offset_s + scene.duration_s
        groups = _group_lines(scene.words, max_chars)
        for i, group in enumerate(groups):
            first, last = group[0][0], group[-1][-1]
            start = scene.offset_s + first.start_s
            next_start = scene.offset_s + groups[i + 1][0][0].start_s if i + 1 < len(groups) else scene_end
            end = min(max(scene.offset_s + last.end_s + HOLD_S, start + MIN_CUE_S), next_start, scene_end)
            if end <= start:
                continue
            cues.append(Cue(round(start, 3), round(end, 3), tuple(" ".join(w.text for w in line) for line in group)))
    return cues


def _clock(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def write_srt(cues: Sequence[Cue], path: Path) -> Path:
    blocks = [f"{i}\n{_clock(c.start_s, ',')} --> {_clock(c.end_s, ',')}\n{c.text}\n" for i, c in enumerate(cues, 1)]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "--&gt;")


def write_vtt(cues: Sequence[Cue], path: Path) -> Path:
    blocks = [f"{_clock(c.start_s, '.')} --> {_clock(c.end_s, '.')}\n{_vtt_escape(c.text)}\n" for c in cues]
    path.write_text("WEBVTT\n\n" + "\n".join(blocks), encoding="utf-8")
    return path


_WORD_JOINER = "\u2060"


def ass_escape(text: str) -> str:
    """Make user text inert for libass: no override blocks, no \\N/\\n/\\h escapes.

    libass reads '\\{' and '\\}' as literal braces; a zero-width word joiner after each
    backslash stops it pairing with the next letter (verified by rendering: the braces
    and backslashes show as typed).
    """
    return text.replace("\\", "\\" + _WORD_JOINER).replace("{", "\\{").replace("}", "\\}")


def _ass_clock(seconds: float) -> str:
    cs = int(round(seconds * 100))
    h, rem = divmod(cs, 360_000)
    m, rem = divmod(rem, 6000)
    s, cs = divmod(rem, 100)
    return f"{h:d}:{m:02d}:{s:02d}.{cs:02d}"


def write_ass(cues: Sequence[Cue], path: Path, *, width: int, height: int, language: str) -> Path:
    """An ASS script sized to the frame: bottom-centred, white with a dark outline and soft shadow."""
    short = min(width, height)
    font_size = round(short * 0.058)
    outline, shadow = max(2, round(short * 0.004)), max(1, round(short * 0.002))
    margin_h, margin_v = round(width * 0.07), round(height * 0.06)
    header = f"""[Script Info]
ScriptType: v4.00+
PlayResX: {width}
PlayResY: {height}
WrapStyle: 2
ScaledBorderAndShadow: yes
YCbCr Matrix: TV.709

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,{family_for_language(language)},{font_size},&H00FFFFFF,&H00FFFFFF,&H00101010,&H90000000,-1,0,0,0,100,100,0,0,1,{outline},{shadow},2,{margin_h},{margin_h},{margin_v},1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""
    # Centiseconds can collide after rounding: keep cues ordered and non-overlapping.
    events, previous_end = [], 0.0
    for cue in cues:
        start = max(cue.start_s, previous_end)
        previous_end = cue.end_s
        text = r"\N".join(ass_escape(line) for line in cue.lines)
        events.append(f"Dialogue: 0,{_ass_clock(start)},{_ass_clock(cue.end_s)},Default,,0,0,0,,{text}")
    path.write_text(header + "\n".join(events) + "\n", encoding="utf-8")
    return path

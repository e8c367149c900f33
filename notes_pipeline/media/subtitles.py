"""Subtitle cues from word timings, written as SRT, WebVTT and ASS (burned in by libass).

User text reaches FFmpeg only through these files, never through a filter string, and
the ASS writer neutralises everything libass would read as markup.

Karaoke: the burned-in cue is written as one event per spoken word, each showing the whole
cue with that word in the highlight colour, from the word's start to the next word's start.
Colour changes only at word boundaries (spaces), so shaping is untouched, and the events
share one layout; styles use Encoding -1 so libass lays out the whole line at once and
right-to-left text (Urdu) keeps its word order across the colour changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from notes_pipeline.domain.chunking import ends_sentence
from notes_pipeline.domain.models import WordTiming
from notes_pipeline.media.fonts import family_for_language, family_name, font_runs

CLAUSE_END = re.compile(r"[,;:،—–-]['\")\]]*$")
HOLD_S = 0.25
MIN_CUE_S = 0.3


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    lines: tuple[str, ...]
    # Per line, each word and when it starts (video time): what karaoke highlights.
    timed: tuple[tuple[tuple[str, float], ...], ...] = ()

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
            cues.append(
                Cue(
                    round(start, 3),
                    round(end, 3),
                    tuple(" ".join(w.text for w in line) for line in group),
                    tuple(tuple((w.text, round(scene.offset_s + w.start_s, 3)) for w in line) for line in group),
                )
            )
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
    text = text.replace("\r", " ").replace("\n", " ")  # a raw line break would end the event line
    return text.replace("\\", "\\" + _WORD_JOINER).replace("{", "\\{").replace("}", "\\}")


def _ass_clock(seconds: float) -> str:
    cs = int(round(seconds * 100))
    h, rem = divmod(cs, 360_000)
    m, rem = divmod(rem, 6000)
    s, cs = divmod(rem, 100)
    return f"{h:d}:{m:02d}:{s:02d}.{cs:02d}"


HIGHLIGHT_RGB = (255, 206, 46)
SUBTITLE_RGB = (255, 255, 255)
SUBTITLE_BOX_RGB = (16, 16, 16)  # opaque, behind every subtitle line


@dataclass(frozen=True)
class Heading:
    """A scene's heading shown at the top of the frame while the scene is on screen."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class SafeArea:
    """Margins (pixels) that burned-in text stays inside. Vertical video keeps clear of the
    bottom band where short-video players draw their own buttons and captions."""

    left: int
    right: int
    top: int
    bottom: int

    @classmethod
    def for_frame(cls, width: int, height: int) -> SafeArea:
        side = round(width * 0.07)
        if height > width:
            return cls(side, side, round(height * 0.08), round(height * 0.16))
        return cls(side, side, round(height * 0.06), round(height * 0.06))


def _ass_colour(rgb: tuple[int, int, int], alpha: int = 0) -> str:
    r, g, b = rgb
    return f"&H{alpha:02X}{b:02X}{g:02X}{r:02X}"


def ass_text(line: str, language: str, lit: range = range(0)) -> str:
    """One line of user text for an event: escaped, each run of characters in the font that draws it
    (`fonts.font_runs`, as `\\fn` overrides away from the style's font) and the characters at `lit`
    in the highlight colour. libass still lays the whole line out at once, so bidi is unchanged."""
    default = family_for_language(language)
    cuts = {lit.start, lit.stop} if lit else set()
    out, family_now, lit_now, position = [], default, False, 0
    for run in font_runs(line, "subtitle", language=language):
        family, end = family_name(run.font), position + len(run.text)
        bounds = [position, *sorted(cut for cut in cuts if position < cut < end), end]
        for begin, stop in zip(bounds, bounds[1:]):
            highlighted, tags = begin in lit, ""
            if lit_now and not highlighted:
                tags, family_now = "\\r", default  # \r also resets the font to the style's
            elif highlighted and not lit_now:
                tags = "\\1c" + _ass_colour(HIGHLIGHT_RGB) + "&"
            if family != family_now:
                tags += "\\fn" + family
            text = ass_escape(line[begin:stop])
            out.append(f"{{{tags}}}{text}" if tags else text)
            family_now, lit_now = family, highlighted
        position = end
    return "".join(out) + ("{\\r}" if lit_now else "")


def _karaoke_text(cue: Cue, current: int | None, language: str) -> str:
    """The cue's lines with word number `current` (reading order) in the highlight colour."""
    lines, index = [], 0
    for line in cue.timed:
        lit, position = range(0), 0
        for text, _ in line:
            if index == current:
                lit = range(position, position + len(text))
            position += len(text) + 1
            index += 1
        lines.append(ass_text(" ".join(text for text, _ in line), language, lit))
    return r"\N".join(lines)


def write_ass(
    cues: Sequence[Cue],
    path: Path,
    *,
    width: int,
    height: int,
    language: str,
    karaoke: bool = False,
    headings: Sequence[Heading] = (),
) -> Path:
    """An ASS script sized to the frame: cues bottom-centre, white on an opaque dark box, the spoken word
    highlighted when `karaoke`, and scene headings at the top on a translucent box.

    The box (BorderStyle 3, one per line, `padding` wider than the text) keeps the text's contrast the
    same on a white slide, a dark one or a busy photo (measured in test_subtitle_contrast), where an
    outline heavy enough for white slides filled the gaps between words; it is opaque, so subtitles
    are still drawn once per change (media/burnin.py). Sizes are shares of the frame's short side,
    larger on vertical frames, whose short side is all the width a phone shows."""
    short = min(width, height)
    vertical = height > width
    font_size = round(short * (0.062 if vertical else 0.058))
    heading_size = round(short * (0.056 if vertical else 0.05))
    padding = max(3, round(font_size * 0.22))
    safe = SafeArea.for_frame(width, height)
    family = family_for_language(language)
    # Subtitle colours are opaque, so they can be drawn once per change (media/burnin.py).
    white, dark = _ass_colour(SUBTITLE_RGB), _ass_colour(SUBTITLE_BOX_RGB)
    box = _ass_colour((12, 12, 12), alpha=0x50)
    header = f"""[Script Info]
ScriptType: v4.00+
PlayResX: {width}
PlayResY: {height}
WrapStyle: 0
ScaledBorderAndShadow: yes
YCbCr Matrix: TV.709

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,{family},{font_size},{white},{white},{dark},{dark},-1,0,0,0,100,100,0,0,3,{padding},0,2,{safe.left},{safe.right},{safe.bottom},-1
Style: Heading,{family},{heading_size},{white},{white},{box},&H00000000,-1,0,0,0,100,100,0,0,3,{round(heading_size * 0.3)},0,8,{safe.left},{safe.right},{safe.top},-1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""  # noqa: E501 - the ASS format lines are one line each by the spec
    events = []
    for heading in headings:
        text = ass_text(heading.text, language)
        events.append(
            f"Dialogue: 1,{_ass_clock(heading.start_s)},{_ass_clock(heading.end_s)},Heading,,0,0,0,,"
            f"{{\\fad(250,250)}}{text}"
        )
    # Centiseconds can collide after rounding: keep cues ordered and non-overlapping.
    previous_end = 0.0
    for cue in cues:
        start = max(cue.start_s, previous_end)
        previous_end = cue.end_s
        if not (karaoke and cue.timed):
            text = r"\N".join(ass_text(line, language) for line in cue.lines)
            events.append(f"Dialogue: 0,{_ass_clock(start)},{_ass_clock(cue.end_s)},Default,,0,0,0,,{text}")
            continue
        # One event per word, boundaries shared to the centisecond so no two events overlap.
        starts = [max(start, when) for line in cue.timed for _, when in line]
        bounds = [_ass_clock(start)] + [_ass_clock(t) for t in starts[1:]] + [_ass_clock(cue.end_s)]
        if bounds[0] != _ass_clock(starts[0]):
            events.append(
                f"Dialogue: 0,{bounds[0]},{_ass_clock(starts[0])},Default,,0,0,0,,{_karaoke_text(cue, None, language)}"
            )
            bounds[0] = _ass_clock(starts[0])
        for word, (begin, end) in enumerate(zip(bounds, bounds[1:])):
            if begin < end:
                events.append(f"Dialogue: 0,{begin},{end},Default,,0,0,0,,{_karaoke_text(cue, word, language)}")
    path.write_text(header + "\n".join(events) + "\n", encoding="utf-8")
    return path

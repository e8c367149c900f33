"""The fonts we ship, and which one draws each character of a text.

We never rely on system fonts: FFmpeg's subtitles filter silently draws nothing when it
finds no font, and DejaVu has no Devanagari. The Noto files in fonts/ come unmodified from
Debian's fonts-noto-core (SIL OFL 1.1, see fonts/OFL.txt).

No one font has every character a note mixes (Noto Sans Devanagari has no Latin letters,
Noto Naskh Arabic no Latin letters, brackets, quotes or ellipsis, none of the three has arrows
or most maths signs: Noto Sans Math and Noto Sans Symbols2 draw those), so text is drawn in runs:
`font_runs` is the one place that decides which font draws which character, for slides,
subtitles and the corpus benchmark's count of missing glyphs alike.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

from fontTools.ttLib import TTFont

from notes_pipeline.domain.language import LANGUAGE_SCRIPTS, writing_system

FONTS_DIR = Path(__file__).with_name("fonts")

# writing system -> (family name as fonts report it, regular file, bold file)
_FAMILIES: dict[str, tuple[str, str, str]] = {
    "latin": ("Noto Sans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    "devanagari": ("Noto Sans Devanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
    "arabic": ("Noto Naskh Arabic", "NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
}

# Drawn only where the fonts above lack a character (arrows, maths, check marks, stars); one weight each.
_SYMBOL_FONTS: dict[str, str] = {
    "NotoSansMath-Regular.ttf": "Noto Sans Math",
    "NotoSansSymbols2-Regular.ttf": "Noto Sans Symbols2",
}


# Code cards: one fixed-width face (fonts-noto-mono), so columns of code line up.
MONO_FONT = FONTS_DIR / "NotoSansMono-Regular.ttf"

Role = Literal["body", "heading", "subtitle"]
# Slide headings and subtitles are set bold (the ASS styles ask for weight 700).
_BOLD_ROLES = {"heading", "subtitle"}


class FontRun(NamedTuple):
    """A stretch of text and the font file that draws all of it."""

    text: str
    font: Path


def font_file(text: str, *, bold: bool = False) -> Path:
    """The font file that covers the writing system most of `text` is in."""
    _, regular, heavy = _FAMILIES[writing_system(text)]
    return FONTS_DIR / (heavy if bold else regular)


def family_for_language(language: str) -> str:
    """The font family name subtitles in `language` should ask libass for."""
    return _FAMILIES[LANGUAGE_SCRIPTS.get(language, "latin")][0]


def font_file_for_language(language: str, *, bold: bool = False) -> Path:
    _, regular, heavy = _FAMILIES[LANGUAGE_SCRIPTS.get(language, "latin")]
    return FONTS_DIR / (heavy if bold else regular)


@cache
def family_name(font: Path) -> str:
    """The family name libass knows a shipped font file by (what an ASS `\\fn` override names)."""
    for family, regular, heavy in _FAMILIES.values():
        if font.name in (regular, heavy):
            return family
    if font.name in _SYMBOL_FONTS:
        return _SYMBOL_FONTS[font.name]
    raise ValueError(f"{font} is not one of the fonts in {FONTS_DIR}")


@cache
def _codepoints(path: Path) -> frozenset[int]:
    return frozenset(TTFont(path).getBestCmap())


def _drawn(ch: str) -> bool:
    """Control and format characters (line breaks, joiners, bidi marks) need no glyph: shapers hide them."""
    return unicodedata.category(ch) not in ("Cc", "Cf")


@cache
def _candidates(primary: str, bold: bool) -> tuple[Path, ...]:
    """Every shipped font in one weight, the `primary` writing system's font first, the symbol fonts last."""
    order = [primary] + [system for system in _FAMILIES if system != primary]
    scripts = [FONTS_DIR / _FAMILIES[system][2 if bold else 1] for system in order]
    return (*scripts, *(FONTS_DIR / name for name in _SYMBOL_FONTS))


def font_runs(text: str, role: Role = "body", *, language: str | None = None) -> list[FontRun]:
    """`text` cut into runs, each with the shipped font that draws it, in logical (reading) order.

    Letters take the first font that has them, the text's own script's font first (`language`'s
    when given, else the script most letters are in). Marks, joiners and controls stay with the
    character before them, so shaping clusters are never split. Everything else (spaces, digits,
    punctuation, symbols) joins the run before it when that font has it, else the run after it,
    else the first font that has it. A character no font has stays in the run around it:
    `missing_glyphs` names it.
    """
    primary = LANGUAGE_SCRIPTS.get(language, "latin") if language else writing_system(text)
    return list(_font_runs(text, _candidates(primary, role in _BOLD_ROLES)))


@lru_cache(maxsize=4096)
def _font_runs(text: str, fonts: tuple[Path, ...]) -> tuple[FontRun, ...]:
    # Fonts are handled by their index in `fonts` (-1: none yet): slides measure many lines.
    points = [_codepoints(font) for font in fonts]

    def first_covering(code: int, preferred: tuple[int, ...]) -> int:
        return next((i for i in preferred if i >= 0 and code in points[i]), -1)

    every = tuple(range(len(fonts)))
    letters = [first_covering(ord(ch), every) if unicodedata.category(ch)[0] == "L" else -1 for ch in text]
    following = [-1] * len(text)  # the font of the next letter after each character
    for i in range(len(text) - 2, -1, -1):
        following[i] = letters[i + 1] if letters[i + 1] >= 0 else following[i + 1]
    chosen: list[int] = []
    for i, ch in enumerate(text):
        before = chosen[-1] if chosen else -1
        if letters[i] >= 0:
            font = letters[i]
        elif before >= 0 and (unicodedata.category(ch)[0] == "M" or not _drawn(ch)):
            font = before
        else:
            font = first_covering(ord(ch), (before, following[i], *every))
            if font < 0:  # no font has it: it stays with its neighbours, and missing_glyphs names it
                font = before if before >= 0 else max(following[i], 0)
        chosen.append(font)
    runs: list[FontRun] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or chosen[i] != chosen[start]:
            runs.append(FontRun(text[start:i], fonts[chosen[start]]))
            start = i
    return tuple(runs)


def missing_glyphs(text: str, role: Role = "body", *, language: str | None = None) -> set[str]:
    """The characters of `text` that the font `font_runs` picks for them cannot draw (tofu on screen):
    empty when every character is covered."""
    return {
        ch
        for run in font_runs(text, role, language=language)
        for ch in run.text
        if _drawn(ch) and ord(ch) not in _codepoints(run.font)
    }


def covers(font: Path, text: str) -> bool:
    """True when `font` has a glyph for every drawn character of `text`."""
    return all(ord(ch) in _codepoints(font) for ch in text if _drawn(ch))

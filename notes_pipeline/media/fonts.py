"""The fonts we ship, and which one draws a given text.

We never rely on system fonts: FFmpeg's subtitles filter silently draws nothing when it
finds no font, and DejaVu has no Devanagari. The Noto files in fonts/ come unmodified from
Debian's fonts-noto-core (SIL OFL 1.1, see fonts/OFL.txt).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

from notes_pipeline.domain.language import writing_system

FONTS_DIR = Path(__file__).with_name("fonts")

# writing system -> (family name as fonts report it, regular file, bold file)
_FAMILIES: dict[str, tuple[str, str, str]] = {
    "latin": ("Noto Sans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    "devanagari": ("Noto Sans Devanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
    "arabic": ("Noto Naskh Arabic", "NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
}

_LANGUAGE_SYSTEMS = {"hi": "devanagari", "mr": "devanagari", "ne": "devanagari", "ur": "arabic", "ar": "arabic", "fa": "arabic"}


def font_file(text: str, *, bold: bool = False) -> Path:
    """The font file that covers the writing system most of `text` is in."""
    _, regular, heavy = _FAMILIES[writing_system(text)]
    return FONTS_DIR / (heavy if bold else regular)


def family_for_language(language: str) -> str:
    """The font family name subtitles in `language` should ask libass for."""
    return _FAMILIES[_LANGUAGE_SYSTEMS.get(language, "latin")][0]


def font_file_for_language(language: str, *, bold: bool = False) -> Path:
    _, regular, heavy = _FAMILIES[_LANGUAGE_SYSTEMS.get(language, "latin")]
    return FONTS_DIR / (heavy if bold else regular)


@cache
def _codepoints(path: Path) -> frozenset[int]:
    return frozenset(TTFont(path).getBestCmap())


def covers(path: Path, text: str) -> bool:
    """Whether the font file has a glyph for every character of `text` (whitespace aside): Noto
    Sans Devanagari has no middle dot, Noto Naskh Arabic no Latin digits, and Pillow draws a
    missing glyph as an empty box."""
    points = _codepoints(path)
    return all(ord(ch) in points for ch in text if not ch.isspace())

"""Missing glyphs: characters on slides and in subtitles that the font drawing them lacks.

`drawing_font` is the one place that says which font draws a text today; when the font choice
changes (per run of characters, say), re-point it and every count follows.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Literal

from fontTools.ttLib import TTFont

from notes_pipeline.media.fonts import font_file, font_file_for_language

Surface = Literal["slide", "subtitle"]


def drawing_font(text: str, *, surface: Surface, language: str, bold: bool = False) -> Path:
    """The font file that draws `text` today: slides choose by the text's own script
    (providers/images/slides.py), subtitles by the video's language (media/subtitles.py)."""
    if surface == "slide":
        return font_file(text, bold=bold)
    return font_file_for_language(language, bold=bold)


@cache
def _cmap(path: Path) -> frozenset[int]:
    return frozenset(TTFont(path).getBestCmap())


def missing_glyphs(texts: Iterable[tuple[str, Surface, bool]], language: str) -> list[str]:
    """Every character (whitespace aside) of the (text, surface, bold) runs that its font lacks,
    once per occurrence, so the count says how often a box is drawn."""
    missing = []
    for text, surface, bold in texts:
        cmap = _cmap(drawing_font(text, surface=surface, language=language, bold=bold))
        missing += [ch for ch in text if not ch.isspace() and ord(ch) not in cmap]
    return missing

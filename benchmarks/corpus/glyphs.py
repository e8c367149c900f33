"""Missing glyphs: characters on slides and in subtitles that the font drawing them lacks.

The renderers pick a font per run of characters (`notes_pipeline.media.fonts.font_runs`); this
asks the same function which font draws each run and reads that font's cmap itself (fontTools),
so the count checks the choice rather than repeating it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Literal

from fontTools.ttLib import TTFont

from notes_pipeline.media.fonts import font_runs

Surface = Literal["slide", "subtitle"]


@cache
def _cmap(path: Path) -> frozenset[int]:
    return frozenset(TTFont(path).getBestCmap())


def missing_glyphs(texts: Iterable[tuple[str, Surface, bool]], language: str) -> list[str]:
    """Every character (whitespace aside) of the (text, surface, bold) runs that its font lacks,
    once per occurrence, so the count says how often a box is drawn. Slides and subtitles draw
    with the video's language as the primary script, as the renderers do."""
    missing = []
    for text, surface, bold in texts:
        role = "subtitle" if surface == "subtitle" else ("heading" if bold else "body")
        for run in font_runs(text, role, language=language):
            cmap = _cmap(run.font)
            missing += [ch for ch in run.text if not ch.isspace() and ord(ch) not in cmap]
    return missing

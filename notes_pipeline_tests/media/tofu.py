"""Finding tofu: the hollow box a font draws for a character it has no glyph for.

Every shipped Noto font draws a missing character as its `.notdef` glyph, an empty rectangle
(Pillow always; libass when no fallback font has the character). Glyphs are cut apart at the
empty rows between lines and the empty columns between glyphs; a piece whose ink runs all
the way round its bounding box and leaves the middle empty is a box. No letter, digit or
mark of Latin, Devanagari or Arabic script has that shape.
"""

from __future__ import annotations

import numpy as np

NO_FONT_HAS_IT = "\ue000"  # a private-use character no font has: the control that makes a box


def _spans(occupied: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of every run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], occupied.astype(np.int8), [0]])))
    return list(zip(edges[::2], edges[1::2], strict=True))


def _is_box(piece: np.ndarray) -> bool:
    rows, cols = np.flatnonzero(piece.any(axis=1)), np.flatnonzero(piece.any(axis=0))
    piece = piece[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = piece.shape
    if h < 6 or w < 4:
        return False
    band = max(1, round(min(h, w) * 0.2))
    sides = (
        piece[:band].any(axis=0),
        piece[-band:].any(axis=0),
        piece[:, :band].any(axis=1),
        piece[:, -band:].any(axis=1),
    )
    inner = piece[round(h * 0.3) : h - round(h * 0.3), round(w * 0.3) : w - round(w * 0.3)]
    return all(side.mean() >= 0.9 for side in sides) and inner.size > 0 and inner.mean() < 0.1


def tofu_boxes(ink: np.ndarray) -> int:
    """How many `.notdef` boxes the boolean ink mask of some lines of text holds."""
    found = 0
    for top, bottom in _spans(ink.any(axis=1)):
        line = ink[top:bottom]
        found += sum(_is_box(line[:, left:right]) for left, right in _spans(line.any(axis=0)))
    return found

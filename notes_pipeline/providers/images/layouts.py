"""Where things go on a card, for 16:9, 9:16 and 1:1 frames.

All boxes lie inside the title-safe area and above the band kept for subtitles (`text.safe_box`).
A wide frame puts a figure's text beside the picture (on the left in a right-to-left language);
tall and square frames put the heading above and the caption below it. Code, table and formula
cards have a heading band on top and the material filling the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from notes_pipeline.providers.images.text import Box, safe_box

WIDE = 1.3  # width / height above which text goes beside a picture, not above and below it


@dataclass(frozen=True)
class FigureLayout:
    picture: Box
    heading: Box  # the heading, and (beside a picture) the caption under it
    caption: Box | None  # below the picture (tall and square frames); None when beside


@dataclass(frozen=True)
class MaterialLayout:
    heading: Box
    content: Box


def is_wide(width: int, height: int) -> bool:
    return width / height >= WIDE


def figure_layout(width: int, height: int, *, rtl: bool = False) -> FigureLayout:
    box = safe_box(width, height)
    unit = min(width, height)
    gap = round(unit * 0.04)
    if is_wide(width, height):
        split = round(box.width * 0.6)
        if rtl:
            picture = Box(box.right - split, box.top, box.right, box.bottom)
            text = Box(box.left, box.top, picture.left - gap, box.bottom)
        else:
            picture = Box(box.left, box.top, box.left + split, box.bottom)
            text = Box(picture.right + gap, box.top, box.right, box.bottom)
        return FigureLayout(picture, text, None)
    heading_h = round(box.height * (0.2 if height > width else 0.17))
    caption_h = round(box.height * 0.14)
    heading = Box(box.left, box.top, box.right, box.top + heading_h)
    caption = Box(box.left, box.bottom - caption_h, box.right, box.bottom)
    picture = Box(box.left, heading.bottom + gap // 2, box.right, caption.top - gap // 2)
    return FigureLayout(picture, heading, caption)


def material_layout(width: int, height: int) -> MaterialLayout:
    """A heading band (two lines at most) on top; code, table or formula below."""
    box = safe_box(width, height)
    share = 0.16 if is_wide(width, height) else 0.13
    heading = Box(box.left, box.top, box.right, box.top + round(box.height * share))
    gap = round(min(width, height) * 0.025)
    return MaterialLayout(heading, Box(box.left, heading.bottom + gap, box.right, box.bottom))

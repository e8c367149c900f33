"""Text on pictures: measuring, wrapping and drawing shaped text in any supported language.

Every offline picture (slides, code, table and formula cards, diagrams) draws its words through
this one module, so Devanagari is shaped, Urdu joined and ordered right to left, and nothing
leaves the frame's safe area, whatever the layout. Pillow's raqm layout (HarfBuzz + FriBiDi)
shapes each run; a line mixing scripts is drawn run by run, each in the shipped Noto font that
has its characters (`fonts.font_runs`), in the order the bidi algorithm shows them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.language import is_right_to_left
from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.media.bidi import embedding_levels, visual_order
from notes_pipeline.media.fonts import MONO_FONT, covers, font_file, font_file_for_language, font_runs

SAFE_MARGIN = 0.06  # title-safe: no text in the outer 6% of each side
SUBTITLE_BAND = 0.20  # bottom share of the frame left to subtitles
ELLIPSIS = "…"


@lru_cache(maxsize=256)
def font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """A shaping font; fails loudly where Pillow would draw Devanagari unshaped and Arabic unjoined."""
    if not features.check("raqm"):
        raise PipelineError("Pillow cannot shape text: raqm is unavailable (install Debian's libfribidi0)")
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def safe_box(width: int, height: int) -> Box:
    """The frame less its title-safe margins and the band kept free for subtitles."""
    margin_x, margin_y = round(width * SAFE_MARGIN), round(height * SAFE_MARGIN)
    return Box(margin_x, margin_y, width - margin_x, round(height * (1 - SUBTITLE_BAND)))


@dataclass(frozen=True)
class Run:
    """Part of a line drawn with one font in one direction."""

    text: str
    font: ImageFont.FreeTypeFont
    direction: str
    language: str | None  # only for the language's own font: its localised forms (Urdu digits)

    def length(self) -> float:
        return self.font.getlength(self.text, direction=self.direction, language=self.language)


class Writer:
    """Measures, wraps and lays out text in one language, each run of characters in the font that has them."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.direction = "rtl" if is_right_to_left(language) else "ltr"
        self.own_fonts = {font_file_for_language(language, bold=bold) for bold in (False, True)}

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    def runs(self, line: str, size: int, bold: bool) -> list[Run]:
        """The line's runs left to right on screen: split where the font or the bidi level changes."""
        levels = embedding_levels(line, rtl=self.rtl)
        pieces: list[tuple[str, Path, int]] = []
        position = 0
        for run in font_runs(line, "heading" if bold else "body", language=self.language):
            start, end = position, position + len(run.text)
            for i in range(position + 1, end + 1):
                if i == end or levels[i] != levels[start]:
                    pieces.append((line[start:i], run.font, levels[start]))
                    start = i
            position = end
        return [
            Run(
                pieces[i][0],
                font(str(pieces[i][1]), size),
                "rtl" if pieces[i][2] % 2 else "ltr",
                self.language if pieces[i][1] in self.own_fonts else None,
            )
            for i in visual_order([level for _, _, level in pieces])
        ]

    def length(self, line: str, size: int, bold: bool) -> float:
        return sum(run.length() for run in self.runs(line, size, bold))

    def wrap(self, text: str, size: int, bold: bool, width: int) -> list[str]:
        lines: list[str] = []
        for word in text.split():
            if lines and self.length(f"{lines[-1]} {word}", size, bold) <= width:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        # A single word wider than the box is cut by characters, keeping an ellipsis.
        return [self.fit_line(line, size, bold, width) for line in lines]

    def fit_line(self, line: str, size: int, bold: bool, width: int) -> str:
        if self.length(line, size, bold) <= width:
            return line
        while line and self.length(line + ELLIPSIS, size, bold) > width:
            line = line[:-1]
        return line.rstrip() + ELLIPSIS

    def block(self, text: str, size: int, bold: bool, width: int, max_lines: int) -> Block:
        """The text wrapped to the width, at most max_lines lines (the last one ending in an ellipsis)."""
        lines = self.wrap(text, size, bold, width)
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = self.fit_line(lines[-1] + ELLIPSIS, size, bold, width)
        ascent, _ = font(str(font_file(text, bold=bold)), size).getmetrics()
        return Block(lines, size, bold, ascent, round(size * 1.32))

    def fit_block(
        self, text: str, size: int, min_size: int, bold: bool, width: int, max_lines: int, height: int
    ) -> Block:
        """The largest block from `size` down to `min_size` whose lines fit `height` (at min_size, as
        many lines as fit, the last one ending in an ellipsis)."""
        while True:
            block = self.block(text, size, bold, width, max_lines)
            if block.height <= height or size <= min_size:
                break
            size = max(min_size, round(size * 0.9))
        fitting = max(1, height // block.line_height)
        return block if len(block.lines) <= fitting else self.block(text, size, bold, width, fitting)

    def draw_centred(self, draw: ImageDraw.ImageDraw, block: Block, top: int, fill: str, centre_x: int) -> None:
        """Every line of the block centred on centre_x, from `top` down."""
        for line in block.lines:
            half = self.length(line, block.size, block.bold) / 2
            self.draw_line(draw, line, top, block, fill, round(centre_x - half), round(centre_x + half))
            top += block.line_height

    def draw_line(
        self, draw: ImageDraw.ImageDraw, text: str, y: int, block: Block, fill: str, left: int, right: int
    ) -> None:
        """One line at y between left and right: flush left, or flush right in a right-to-left language."""
        runs = self.runs(text, block.size, block.bold)
        x = right - sum(run.length() for run in runs) if self.rtl else left
        for run in runs:
            draw.text(
                (x, y + block.ascent),
                run.text,
                font=run.font,
                fill=rgb(fill),
                anchor="ls",
                direction=run.direction,
                language=run.language,
            )
            x += run.length()


def mono(size: int) -> ImageFont.FreeTypeFont:
    """The fixed-width font of code cards at `size` pixels."""
    return font(str(MONO_FONT), size)


def draw_code_text(
    draw: ImageDraw.ImageDraw, writer: Writer, text: str, x: float, baseline: int, size: int, fill: tuple[int, int, int]
) -> float:
    """Code drawn at (x, baseline) in the fixed-width font; stretches of characters it lacks (a comment in
    Hindi) in the shipped fonts that have them. Returns the x after it."""
    face = mono(size)
    start = 0
    for end in range(1, len(text) + 1):
        if end < len(text) and covers(MONO_FONT, text[end]) == covers(MONO_FONT, text[start]):
            continue
        piece = text[start:end]
        if covers(MONO_FONT, piece):
            draw.text((x, baseline), piece, font=face, fill=fill, anchor="ls")
            x += face.getlength(piece)
        else:
            for run in writer.runs(piece, size, False):
                draw.text(
                    (x, baseline),
                    run.text,
                    font=run.font,
                    fill=fill,
                    anchor="ls",
                    direction=run.direction,
                    language=run.language,
                )
                x += run.length()
        start = end
    return x


@dataclass
class Block:
    lines: list[str]
    size: int
    bold: bool
    ascent: int  # baseline below the line's top, from the font of the block's main script
    line_height: int

    @property
    def height(self) -> int:
        return len(self.lines) * self.line_height


def background(request: ImageRequest) -> Image.Image:
    """The video's backdrop for this scene: its palette's background with soft accent shapes from the seed.

    The same family of shapes on every picture of a video; each scene moves them a little, so a cut
    reads as a change of picture.
    """
    style = request.style
    width, height = style.width, style.height
    image = Image.new("RGB", (width, height), rgb(style.palette.background))
    rng = random.Random(style.seed)
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    accent, surface = rgb(style.palette.accent), rgb(style.palette.surface)
    unit = min(width, height)
    corner_x = width if rng.random() < 0.5 else 0
    shift = (request.scene.index * 0.07) % 0.3
    for i in range(3):
        radius = unit * (0.55 - i * 0.13)
        cx = corner_x + (-1 if corner_x else 1) * unit * (0.08 + shift + i * 0.05)
        cy = height * (0.15 + 0.35 * i + shift)
        colour = accent if i == 1 else surface
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=(*colour, 34 if i == 1 else 150))
    blurred = layer.filter(ImageFilter.GaussianBlur(unit * 0.01))
    image.paste(blurred, (0, 0), blurred)
    return image

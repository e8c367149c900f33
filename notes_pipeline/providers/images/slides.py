"""The offline image source: a designed title-and-bullets slide per scene, drawn with Pillow.

Pillow's raqm layout (HarfBuzz + FriBiDi) shapes Devanagari and joins Arabic script. A line
mixing scripts is drawn run by run, each run in the shipped Noto font that has its characters
(`fonts.font_runs`), the runs placed in the order the bidi algorithm shows them. Text is
wrapped by measured width and shrunk until it fits its box, so nothing ever leaves the safe
area; the bottom of the frame is kept free for burned-in subtitles.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.language import is_right_to_left
from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.media.bidi import embedding_levels, visual_order
from notes_pipeline.media.fonts import font_file, font_file_for_language, font_runs

SLIDES_VERSION = "2"
SAFE_MARGIN = 0.06  # title-safe: no text in the outer 6% of each side
SUBTITLE_BAND = 0.20  # bottom share of the frame left to subtitles
ELLIPSIS = "…"


@lru_cache(maxsize=256)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    if not features.check("raqm"):
        # Without raqm Pillow silently draws Devanagari unshaped and Arabic unjoined.
        raise PipelineError("Pillow cannot shape text: raqm is unavailable (install Debian's libfribidi0)")
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


@dataclass(frozen=True)
class _Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _kicker(title: str, index: int, count: int) -> str:
    """The small line above the heading: the title and where this scene is."""
    return f"{title}  ·  {index} / {count}"


@dataclass(frozen=True)
class _Run:
    """Part of a line drawn with one font in one direction."""

    text: str
    font: ImageFont.FreeTypeFont
    direction: str
    language: str | None  # only for the language's own font: its localised forms (Urdu digits)

    def length(self) -> float:
        return self.font.getlength(self.text, direction=self.direction, language=self.language)


class _Writer:
    """Measures, wraps and lays out text in one language, each run of characters in the font that has them."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.direction = "rtl" if is_right_to_left(language) else "ltr"
        self.own_fonts = {font_file_for_language(language, bold=bold) for bold in (False, True)}

    def runs(self, line: str, size: int, bold: bool) -> list[_Run]:
        """The line's runs left to right on screen: split where the font or the bidi level changes."""
        levels = embedding_levels(line, rtl=self.direction == "rtl")
        pieces: list[tuple[str, Path, int]] = []
        position = 0
        for run in font_runs(line, "heading" if bold else "body", language=self.language):
            start, end = position, position + len(run.text)
            for i in range(position + 1, end + 1):
                if i == end or levels[i] != levels[start]:
                    pieces.append((line[start:i], run.font, levels[start]))
                    start = i
            position = end
        return [_Run(pieces[i][0], _font(str(pieces[i][1]), size), "rtl" if pieces[i][2] % 2 else "ltr",
                     self.language if pieces[i][1] in self.own_fonts else None)
                for i in visual_order([level for _, _, level in pieces])]

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


@dataclass
class _Block:
    lines: list[str]
    size: int
    bold: bool
    ascent: int  # baseline below the line's top, from the font of the block's main script
    line_height: int

    @property
    def height(self) -> int:
        return len(self.lines) * self.line_height


def _block(writer: _Writer, text: str, size: int, bold: bool, width: int, max_lines: int) -> _Block:
    lines = writer.wrap(text, size, bold, width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = writer.fit_line(lines[-1] + ELLIPSIS, size, bold, width)
    ascent, _ = _font(str(font_file(text, bold=bold)), size).getmetrics()
    return _Block(lines, size, bold, ascent, round(size * 1.32))


class SlideRenderer:
    """Title + bullets slides in the video's locked palette, for 16:9, 9:16 and 1:1 frames."""

    name = "slides"

    def identity(self) -> str:
        return f"slides v{SLIDES_VERSION}"

    def render(self, request: ImageRequest) -> bytes:
        style, scene = request.style, request.scene
        width, height = style.width, style.height
        palette = style.palette
        image = Image.new("RGB", (width, height), _rgb(palette.background))
        self._decorate(image, request)
        draw = ImageDraw.Draw(image)
        writer = _Writer(request.language)

        unit = min(width, height)
        margin_x, margin_y = round(width * SAFE_MARGIN), round(height * SAFE_MARGIN)
        box = _Box(margin_x, margin_y, width - margin_x, round(height * (1 - SUBTITLE_BAND)))
        rtl = writer.direction == "rtl"

        kicker_size = max(12, round(unit * 0.03))
        kicker = _kicker(request.title, scene.index, request.scene_count)
        kicker_block = _block(writer, kicker, kicker_size, False, box.width, 1)

        bullets = scene.bullets or [scene.narration.split(". ")[0]]
        bullet_indent = round(unit * 0.05)
        heading_size, bullet_size = round(unit * 0.085), round(unit * 0.05)
        min_heading, min_bullet = round(unit * 0.045), round(unit * 0.03)
        available = box.bottom - box.top - kicker_block.height - round(unit * 0.04)
        bar_width = max(3, round(unit * 0.008))
        heading_indent = bar_width + round(unit * 0.02)
        while True:
            heading = _block(writer, scene.heading, heading_size, True, box.width - heading_indent, 3)
            items = [_block(writer, b, bullet_size, False, box.width - bullet_indent, 3) for b in bullets]
            gap = round(bullet_size * 0.6)
            needed = heading.height + round(unit * 0.05) + sum(i.height + gap for i in items)
            if needed <= available or (heading_size <= min_heading and bullet_size <= min_bullet):
                break
            heading_size = max(min_heading, round(heading_size * 0.92))
            bullet_size = max(min_bullet, round(bullet_size * 0.92))
        while items and needed > available:  # still too tall at the smallest size: drop the last bullets
            dropped = items.pop()
            needed -= dropped.height + gap

        def put(text: str, y: int, block: _Block, fill: str, left: int, right: int) -> None:
            runs = writer.runs(text, block.size, block.bold)
            x = right - sum(run.length() for run in runs) if rtl else left
            for run in runs:
                draw.text((x, y + block.ascent), run.text, font=run.font, fill=_rgb(fill), anchor="ls",
                          direction=run.direction, language=run.language)
                x += run.length()

        y = box.top
        for line in kicker_block.lines:
            put(line, y, kicker_block, palette.muted, box.left, box.right)
            y += kicker_block.line_height
        y += round(unit * 0.04)
        bar_x = box.right - bar_width if rtl else box.left
        if heading.lines:
            draw.rectangle([bar_x, y + round(heading.line_height * 0.12), bar_x + bar_width,
                            y + heading.height - round(heading.line_height * 0.2)], fill=_rgb(palette.accent))
        for line in heading.lines:
            put(line, y, heading, palette.text, box.left + (0 if rtl else heading_indent),
                box.right - (heading_indent if rtl else 0))
            y += heading.line_height
        y += round(unit * 0.05)
        for item in items:
            dot = round(item.line_height * 0.18)
            cy = y + item.line_height // 2
            cx = box.right - dot if rtl else box.left + dot
            draw.ellipse([cx - dot, cy - dot, cx + dot, cy + dot], fill=_rgb(palette.accent))
            for line in item.lines:
                put(line, y, item, palette.text, box.left + (0 if rtl else bullet_indent),
                    box.right - (bullet_indent if rtl else 0))
                y += item.line_height
            y += gap

        out = io.BytesIO()
        image.save(out, "PNG", optimize=False, compress_level=3)
        return out.getvalue()

    @staticmethod
    def _decorate(image: Image.Image, request: ImageRequest) -> None:
        """Soft accent shapes from the seed: the same family of shapes on every slide of a video."""
        style = request.style
        width, height = image.size
        rng = random.Random(style.seed)
        layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        accent, surface = _rgb(style.palette.accent), _rgb(style.palette.surface)
        unit = min(width, height)
        corner_x = width if rng.random() < 0.5 else 0
        # Each scene moves the shapes a little, so cuts read as a change of slide.
        shift = (request.scene.index * 0.07) % 0.3
        for i in range(3):
            radius = unit * (0.55 - i * 0.13)
            cx = corner_x + (-1 if corner_x else 1) * unit * (0.08 + shift + i * 0.05)
            cy = height * (0.15 + 0.35 * i + shift)
            colour = accent if i == 1 else surface
            draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=(*colour, 34 if i == 1 else 150))
        blurred = layer.filter(ImageFilter.GaussianBlur(unit * 0.01))
        image.paste(blurred, (0, 0), blurred)

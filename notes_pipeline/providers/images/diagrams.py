"""Drawing a DiagramPlan with Pillow in the video's palette, for 16:9, 9:16 and 1:1 frames.

Every shape and every word stays inside the safe box (`text.safe_box`), so the subtitle band and
the title-safe margins are free; all text goes through `text.Writer` (shaped Devanagari, joined
right-to-left Urdu), and a right-to-left language mirrors the layouts (first step on the right).
Wide frames lay parts side by side, tall and square frames stack them.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from notes_pipeline.domain.models import ImageRequest, Palette
from notes_pipeline.media.fonts import font_file
from notes_pipeline.providers.images.diagram_plans import Column, DiagramPlan, icon_codepoint
from notes_pipeline.providers.images.icons import ICON_FONT
from notes_pipeline.providers.images.text import Box, Writer, background, font, rgb, safe_box

DIAGRAMS_VERSION = "1"


@lru_cache(maxsize=64)
def _icon_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(ICON_FONT), size)  # one private-use codepoint per icon: nothing to shape


@dataclass
class Canvas:
    """What every drawing function needs: the picture, its writer and palette, and the frame's unit."""

    image: Image.Image
    draw: ImageDraw.ImageDraw
    writer: Writer
    palette: Palette
    unit: int  # the frame's short side: sizes are shares of it

    @property
    def rtl(self) -> bool:
        return self.writer.rtl

    @property
    def wide(self) -> bool:
        return self.image.width > self.image.height * 1.2

    def icon(self, name: str, cx: float, cy: float, size: int, fill: str) -> None:
        self.draw.text((cx, cy), icon_codepoint(name), font=_icon_font(max(8, size)), fill=rgb(fill), anchor="mm")

    def number(self, n: int, cx: float, cy: float, radius: float) -> None:
        """A numbered disc in the accent colour."""
        self.draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=rgb(self.palette.accent))
        self.draw.text(
            (cx, cy),
            str(n),
            font=font(str(font_file("0", bold=True)), max(8, round(radius * 1.1))),
            fill=rgb(self.palette.background),
            anchor="mm",
        )


def _heading(canvas: Canvas, text: str, box: Box) -> Box:
    """The scene's heading at the top of the box; returns the box left below it."""
    unit = canvas.unit
    block = canvas.writer.fit_block(
        text, round(unit * 0.068), round(unit * 0.042), True, box.width, 2, round(box.height * 0.3)
    )
    y = box.top
    for line in block.lines:
        canvas.writer.draw_line(canvas.draw, line, y, block, canvas.palette.text, box.left, box.right)
        y += block.line_height
    return Box(box.left, y + round(unit * 0.045), box.right, box.bottom)


def _list(
    canvas: Canvas,
    items: list[str],
    area: Box,
    *,
    numbered: bool,
    connector: bool = False,
    size: float = 0.046,
    centre: bool = True,
) -> None:
    """Items one under another, each behind a dot or a numbered disc, shrunk (then cut) to fit the area."""
    unit, writer = canvas.unit, canvas.writer
    text_size, min_size = round(unit * size), round(unit * 0.028)
    while True:
        marker = round(text_size * (0.62 if numbered else 0.2))
        indent = 2 * marker + round(unit * 0.025)
        blocks = [writer.block(item, text_size, False, area.width - indent, 3) for item in items]
        gap = round(text_size * (0.9 if numbered else 0.6))
        needed = sum(b.height for b in blocks) + gap * (len(blocks) - 1)
        if needed <= area.height or text_size <= min_size:
            break
        text_size = max(min_size, round(text_size * 0.9))
    while len(blocks) > 1 and needed > area.height:
        needed -= blocks.pop().height + gap
    y = area.top + (max(0, (area.height - needed) // 2) if centre else 0)
    centres: list[tuple[float, float]] = []
    for block in blocks:
        cx = area.right - marker if canvas.rtl else area.left + marker
        cy = y + block.line_height / 2
        centres.append((cx, cy))
        for line in block.lines:
            writer.draw_line(
                canvas.draw,
                line,
                y,
                block,
                canvas.palette.text,
                area.left + (0 if canvas.rtl else indent),
                area.right - (indent if canvas.rtl else 0),
            )
            y += block.line_height
        y += gap
    if connector and len(centres) > 1:
        width = max(2, round(unit * 0.006))
        canvas.draw.line([centres[0], centres[-1]], fill=rgb(canvas.palette.muted), width=width)
    for n, (cx, cy) in enumerate(centres, 1):
        if numbered:
            canvas.number(n, cx, cy, marker)
        else:
            canvas.draw.ellipse([cx - marker, cy - marker, cx + marker, cy + marker], fill=rgb(canvas.palette.accent))


def _arrowhead(canvas: Canvas, x: float, y: float, angle: float, size: float, fill: str) -> None:
    """A triangle pointing along `angle` (radians) with its tip at (x, y)."""
    back = angle + math.pi
    points = [(x, y)] + [(x + size * math.cos(back + side), y + size * math.sin(back + side)) for side in (-0.45, 0.45)]
    canvas.draw.polygon(points, fill=rgb(fill))


def _steps(canvas: Canvas, plan: DiagramPlan, area: Box) -> None:
    items = plan.items
    if not canvas.wide or len(items) > 4:
        _list(canvas, items, area, numbered=True, connector=True)
        return
    unit, writer = canvas.unit, canvas.writer
    column = area.width // len(items)
    radius = round(min(unit * 0.06, column * 0.2))
    cy = area.top + max(radius, round(area.height * 0.25))
    xs = [area.left + column * (i + 0.5) for i in range(len(items))]
    if canvas.rtl:
        xs.reverse()
    line_width = max(2, round(unit * 0.006))
    for a, b in zip(xs, xs[1:]):
        canvas.draw.line([(a, cy), (b, cy)], fill=rgb(canvas.palette.muted), width=line_width)
        direction = math.pi if b < a else 0.0
        _arrowhead(
            canvas,
            (a + b) / 2 + (radius * 0.4 if b > a else -radius * 0.4),
            cy,
            direction,
            radius * 0.55,
            canvas.palette.muted,
        )
    label_top = cy + radius + round(unit * 0.035)
    for n, (x, item) in enumerate(zip(xs, items), 1):
        canvas.number(n, x, cy, radius)
        block = writer.fit_block(
            item, round(unit * 0.042), round(unit * 0.026), False, round(column * 0.88), 5, area.bottom - label_top
        )
        writer.draw_centred(canvas.draw, block, label_top, canvas.palette.text, round(x))


def _cycle(canvas: Canvas, plan: DiagramPlan, area: Box) -> None:
    unit, palette = canvas.unit, canvas.palette
    if canvas.wide:
        side = min(area.height, round(area.width * 0.42)) - 2  # Pillow's shapes include their last row and column
        ring_box = (
            Box(area.right - side, area.top, area.right, area.top + side)
            if canvas.rtl
            else Box(area.left, area.top, area.left + side, area.top + side)
        )
        gap = round(unit * 0.05)
        legend = (
            Box(area.left, area.top, area.right - side - gap, area.bottom)
            if canvas.rtl
            else Box(area.left + side + gap, area.top, area.right, area.bottom)
        )
    else:
        side = min(area.width, round(area.height * 0.5)) - 2  # Pillow's shapes include their last row and column
        left = area.left + (area.width - side) // 2
        ring_box = Box(left, area.top, left + side, area.top + side)
        legend = Box(area.left, ring_box.bottom + round(unit * 0.04), area.right, area.bottom)
    n = len(plan.items)
    node = side * 0.09
    cx, cy = (ring_box.left + ring_box.right) / 2, (ring_box.top + ring_box.bottom) / 2
    radius = side / 2 - node
    width = max(3, round(unit * 0.008))
    canvas.draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=rgb(palette.muted), width=width)
    turn = -1 if canvas.rtl else 1  # the cycle runs the way the language reads
    angles = [-math.pi / 2 + turn * 2 * math.pi * i / n for i in range(n)]
    for angle in angles:
        middle = angle + turn * math.pi / n
        tangent = middle + turn * math.pi / 2
        _arrowhead(
            canvas, cx + radius * math.cos(middle), cy + radius * math.sin(middle), tangent, node * 0.7, palette.accent
        )
    for i, angle in enumerate(angles, 1):
        canvas.number(i, cx + radius * math.cos(angle), cy + radius * math.sin(angle), node)
    canvas.icon("autorenew", cx, cy, round(radius * 0.9), palette.muted)
    _list(canvas, plan.items, legend, numbered=True)


def _column(canvas: Canvas, column: Column, panel: Box) -> None:
    unit, palette = canvas.unit, canvas.palette
    canvas.draw.rounded_rectangle(
        [panel.left, panel.top, panel.right - 1, panel.bottom - 1],
        radius=round(unit * 0.025),
        fill=rgb(palette.surface),
    )
    pad = round(unit * 0.03)
    inner = Box(panel.left + pad, panel.top + pad, panel.right - pad, panel.bottom - pad)
    if column.icon:
        size = round(unit * 0.09)
        canvas.icon(column.icon, (inner.left + inner.right) / 2, inner.top + size / 2, size, palette.accent)
        top = inner.top + size + round(unit * 0.02)
    elif column.title:
        block = canvas.writer.fit_block(
            column.title, round(unit * 0.052), round(unit * 0.032), True, inner.width, 2, round(inner.height * 0.35)
        )
        canvas.writer.draw_centred(canvas.draw, block, inner.top, palette.accent, (inner.left + inner.right) // 2)
        top = inner.top + block.height + round(unit * 0.02)
    else:
        top = inner.top
    if column.items:
        _list(
            canvas,
            column.items,
            Box(inner.left, top, inner.right, inner.bottom),
            numbered=False,
            size=0.04,
            centre=False,
        )


def _comparison(canvas: Canvas, plan: DiagramPlan, area: Box) -> None:
    unit, gap = canvas.unit, round(canvas.unit * 0.04)
    first, second = plan.columns[:2]
    # Panels as tall as their content is likely to need (title, then items of about two lines each), centred.
    most = max(len(first.items), len(second.items), 1)
    panel = round(unit * (0.06 + 0.11 + most * 0.13))
    if canvas.image.height > canvas.image.width:
        spare = max(0, area.height - 2 * panel - gap)
        area = Box(area.left, area.top + spare // 2, area.right, area.bottom - spare // 2)
        middle = (area.top + area.bottom) // 2
        _column(canvas, first, Box(area.left, area.top, area.right, middle - gap // 2))
        _column(canvas, second, Box(area.left, middle + gap // 2, area.right, area.bottom))
        return
    spare = max(0, area.height - panel)
    area = Box(area.left, area.top + spare // 2, area.right, area.bottom - spare // 2)
    middle = (area.left + area.right) // 2
    left, right = (second, first) if canvas.rtl else (first, second)
    _column(canvas, left, Box(area.left, area.top, middle - gap // 2, area.bottom))
    _column(canvas, right, Box(middle + gap // 2, area.top, area.right, area.bottom))


def _key_figure(canvas: Canvas, plan: DiagramPlan, area: Box) -> None:
    unit, writer, palette = canvas.unit, canvas.writer, canvas.palette
    gap = round(unit * 0.05)
    if canvas.wide:
        side = min(area.height, round(area.width * 0.45)) - 2  # Pillow's shapes include their last row and column
        figure_box = (
            Box(area.right - side, area.top, area.right, area.top + side)
            if canvas.rtl
            else Box(area.left, area.top, area.left + side, area.top + side)
        )
        caption = (
            Box(area.left, area.top, area.right - side - gap, area.bottom)
            if canvas.rtl
            else Box(area.left + side + gap, area.top, area.right, area.bottom)
        )
    else:
        side = min(area.width, round(area.height * 0.55)) - 2  # Pillow's shapes include their last row and column
        left = area.left + (area.width - side) // 2
        figure_box = Box(left, area.top, left + side, area.top + side)
        caption = Box(area.left, figure_box.bottom + gap, area.right, area.bottom)
    cx, cy = (figure_box.left + figure_box.right) / 2, (figure_box.top + figure_box.bottom) / 2
    radius = side / 2
    ring = max(6, round(side * 0.08))
    bounds = [cx - radius + ring / 2, cy - radius + ring / 2, cx + radius - ring / 2, cy + radius - ring / 2]
    canvas.draw.ellipse(bounds, outline=rgb(palette.surface), width=ring)
    if plan.fraction is not None:
        canvas.draw.arc(bounds, -90, -90 + 360 * plan.fraction, fill=rgb(palette.accent), width=ring)
    inside = round((radius - ring) * 1.5)
    size = round(side * 0.3)
    while size > side * 0.08 and writer.length(plan.figure or "", size, True) > inside:  # the figure whole, never cut
        size = round(size * 0.92)
    figure = writer.block(plan.figure or "", size, True, inside, 1)
    writer.draw_centred(canvas.draw, figure, round(cy - figure.line_height / 2), palette.accent, round(cx))
    if plan.caption and caption.height > unit * 0.05:
        block = writer.fit_block(
            plan.caption, round(unit * 0.05), round(unit * 0.03), False, caption.width, 4, caption.height
        )
        top = caption.top + max(0, (caption.height - block.height) // 2) if canvas.wide else caption.top
        if canvas.wide:
            for line in block.lines:
                writer.draw_line(canvas.draw, line, top, block, palette.text, caption.left, caption.right)
                top += block.line_height
        else:
            writer.draw_centred(canvas.draw, block, top, palette.text, (caption.left + caption.right) // 2)


def _icon_layout(canvas: Canvas, plan: DiagramPlan, area: Box) -> None:
    unit, palette = canvas.unit, canvas.palette
    gap = round(unit * 0.05)
    if canvas.wide:
        side = min(area.height, round(area.width * 0.36)) - 2  # Pillow's shapes include their last row and column
        top = area.top + (area.height - side) // 2
        disc = (
            Box(area.right - side, top, area.right, top + side)
            if canvas.rtl
            else Box(area.left, top, area.left + side, top + side)
        )
        text = (
            Box(area.left, area.top, area.right - side - gap, area.bottom)
            if canvas.rtl
            else Box(area.left + side + gap, area.top, area.right, area.bottom)
        )
    else:
        side = (
            min(round(area.width * 0.55), round(area.height * 0.42)) - 2
        )  # Pillow's shapes include their last row and column
        left = area.left + (area.width - side) // 2
        disc = Box(left, area.top, left + side, area.top + side)
        text = Box(area.left, disc.bottom + gap, area.right, area.bottom)
    canvas.draw.ellipse([disc.left, disc.top, disc.right, disc.bottom], fill=rgb(palette.accent))
    canvas.icon(
        plan.icon or "lightbulb",
        (disc.left + disc.right) / 2,
        (disc.top + disc.bottom) / 2,
        round(side * 0.6),
        palette.background,
    )
    if plan.items and text.height > unit * 0.05:
        _list(canvas, plan.items, text, numbered=False)


DRAW = {"steps": _steps, "cycle": _cycle, "comparison": _comparison, "key_figure": _key_figure, "icon": _icon_layout}


def draw_diagram(plan: DiagramPlan, request: ImageRequest) -> bytes:
    """The plan drawn on the video's backdrop: a PNG of exactly the request's frame size."""
    style = request.style
    image = background(request)
    tall = style.height > style.width * 1.2  # a phone's frame: its width is all there is, so text goes larger
    canvas = Canvas(
        image,
        ImageDraw.Draw(image),
        Writer(request.language),
        style.palette,
        round(min(style.width, style.height) * (1.2 if tall else 1)),
    )
    area = _heading(canvas, plan.heading, safe_box(style.width, style.height))
    DRAW[plan.kind](canvas, plan, area)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=3)
    return out.getvalue()

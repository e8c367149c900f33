"""The notes' own material as the scene's picture: figure, code, table and formula cards.

`NotesMaterial` leads the image chain: a scene whose notes section has a figure, a code block,
a table or a display formula (`Scene.visual`, set by `domain/material.py`) shows it here, drawn
offline in the video's palette and fitted to its frame (`layouts.py`); any other scene raises
`NoPicture` and the chain moves on. A figure whose bytes could not be fetched falls back too.
Words go through `text.py`, so headings, captions and table cells are shaped in any language.
"""

from __future__ import annotations

import io
import time

from PIL import Image, ImageDraw, ImageOps
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.styles import get_style_by_name
from pygments.token import Token
from pygments.util import ClassNotFound

from notes_pipeline.domain.math_text import MATHTEXT_LOCK, plain_math, readable, to_mathtext
from notes_pipeline.domain.models import CodeVisual, FigureVisual, FormulaVisual, ImageRequest, TableVisual
from notes_pipeline.providers.images.base import ImageResult, NoPicture
from notes_pipeline.providers.images.decode import open_image
from notes_pipeline.providers.images.layouts import MaterialLayout, figure_layout, material_layout
from notes_pipeline.providers.images.text import (
    ELLIPSIS,
    Box,
    Writer,
    background,
    draw_code_text,
    mono,
    rgb,
)

CARDS_VERSION = "1"
MAX_CODE_COLUMNS = 100
TAB = "    "
INK = 2  # a glyph's ink can overhang its advance by a pixel or two: text lines keep this far from a box's edge


def _luminance(hex_colour: str) -> float:
    r, g, b = rgb(hex_colour)
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def _on(fill: str) -> tuple[int, int, int]:
    """Black or white text, whichever reads on `fill`."""
    return (20, 20, 20) if _luminance(fill) > 0.55 else (250, 250, 250)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=3)
    return out.getvalue()


def _material_card(request: ImageRequest) -> tuple[Image.Image, ImageDraw.ImageDraw, Writer, MaterialLayout]:
    """The backdrop of a code, table or formula card with the scene's heading drawn at its top."""
    image = background(request)
    draw = ImageDraw.Draw(image)
    writer = Writer(request.language)
    layout = material_layout(request.style.width, request.style.height)
    _heading(draw, writer, request, layout.heading)
    return image, draw, writer, layout


def _heading(draw: ImageDraw.ImageDraw, writer: Writer, request: ImageRequest, box: Box, *, caption: str = "") -> int:
    """The scene's heading (and a muted caption under it) at the top of `box`, shrunk to fit; returns the y
    below it."""
    palette, unit = request.style.palette, min(request.style.width, request.style.height)
    heading = plain_math(request.scene.heading)
    size, caption_size = round(unit * 0.07), round(unit * 0.042)
    while True:
        title = writer.block(heading, size, True, box.width - 2 * INK, 3)
        note = writer.block(caption, caption_size, False, box.width - 2 * INK, 6) if caption else None
        needed = title.height + (note.height + round(unit * 0.03) if note else 0)
        if needed <= box.height or size <= unit * 0.035:
            break
        size, caption_size = round(size * 0.9), max(round(unit * 0.025), round(caption_size * 0.9))
    while note and note.lines and needed > box.height:
        note.lines.pop()
        needed -= note.line_height
    y = box.top
    for line in title.lines:
        if y + title.line_height > box.bottom:
            break
        writer.draw_line(draw, line, y, title, palette.text, box.left + INK, box.right - INK)
        y += title.line_height
    if note and note.lines:
        y += round(unit * 0.03)
        for line in note.lines:
            writer.draw_line(draw, line, y, note, palette.muted, box.left + INK, box.right - INK)
            y += note.line_height
    return y


# ---- figure -------------------------------------------------------------------------------


def figure_card(request: ImageRequest, visual: FigureVisual) -> Image.Image:
    if request.figure is None:
        raise NoPicture  # not fetched (the images stage recorded why): the next source draws the scene
    picture = ImageOps.exif_transpose(open_image(request.figure, max_pixels=40_000_000, provider="figure"))
    picture = picture.convert("RGBA")
    style, scene = request.style, request.scene
    image = background(request)
    draw = ImageDraw.Draw(image)
    writer = Writer(request.language)
    layout = figure_layout(style.width, style.height, rtl=writer.rtl)
    caption = plain_math(visual.alt or (scene.bullets[0] if scene.bullets else ""))
    if layout.caption is None:  # beside: heading and caption in one column
        _heading(draw, writer, request, layout.heading, caption=caption)
    else:
        _heading(draw, writer, request, layout.heading)
        if caption:
            unit = min(style.width, style.height)
            size = round(unit * 0.04)
            block = writer.block(
                caption,
                size,
                False,
                layout.caption.width - 2 * INK,
                max(1, layout.caption.height // round(size * 1.32)),
            )
            y = layout.caption.top + (layout.caption.height - block.height) // 2
            for line in block.lines:
                writer.draw_line(
                    draw, line, y, block, style.palette.muted, layout.caption.left + INK, layout.caption.right - INK
                )
                y += block.line_height
    pad = max(2, round(min(style.width, style.height) * 0.008))  # a frame around the picture, inside the box
    box = Box(
        layout.picture.left + pad, layout.picture.top + pad, layout.picture.right - pad, layout.picture.bottom - pad
    )
    scale = min(box.width / picture.width, box.height / picture.height, 3.0)  # contain; small pictures stay sharp
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    fitted = picture.resize(size, Image.Resampling.LANCZOS)
    x, y = box.left + (box.width - size[0]) // 2, box.top + (box.height - size[1]) // 2
    draw.rectangle([x - pad, y - pad, x + size[0] + pad - 1, y + size[1] + pad - 1], fill=rgb(style.palette.surface))
    image.paste(fitted, (x, y), fitted)
    return image


# ---- code ---------------------------------------------------------------------------------


def _code_lines(visual: CodeVisual) -> list[list[tuple[object, str]]]:
    """The code as lines of (token type, text), tabs expanded."""
    try:
        lexer = get_lexer_by_name(visual.language) if visual.language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    lines: list[list[tuple[object, str]]] = [[]]
    for kind, text in lexer.get_tokens(visual.code.replace("\t", TAB)):
        for n, piece in enumerate(text.split("\n")):
            if n:
                lines.append([])
            if piece:
                lines[-1].append((kind, piece))
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _clip_line(tokens: list[tuple[object, str]], columns: int) -> list[tuple[object, str]]:
    """The tokens of a line cut to `columns` characters, an ellipsis marking the cut."""
    if sum(len(t) for _, t in tokens) <= columns:
        return tokens
    kept, used = [], 0
    for kind, text in tokens:
        room = columns - 1 - used
        if room <= 0:
            break
        kept.append((kind, text[:room]))
        used += len(text[:room])
    return [*kept, (None, ELLIPSIS)]


def code_card(request: ImageRequest, visual: CodeVisual) -> Image.Image:
    style = request.style
    unit = min(style.width, style.height)
    dark = _luminance(style.palette.background) < 0.5
    colours = get_style_by_name("monokai" if dark else "friendly")
    image, draw, writer, layout = _material_card(request)
    area = layout.content
    pad = round(unit * 0.03)
    inner = Box(area.left + pad, area.top + pad, area.right - pad, area.bottom - pad)
    lines = _code_lines(visual)
    columns = min(MAX_CODE_COLUMNS, max((sum(len(t) for _, t in line) for line in lines), default=1))
    advance = mono(100).getlength("M") / 100  # width of one column per pixel of font size
    size = min(
        round(unit * 0.05),
        int(inner.width / (max(columns, 24) * advance)),
        int(inner.height / (max(len(lines), 1) * 1.3)),
    )
    size = max(size, round(unit * 0.022), 8)
    line_height = round(size * 1.3)
    fits_columns = max(8, int(inner.width / (size * advance)))
    fits_rows = max(1, inner.height // line_height)
    if len(lines) > fits_rows:
        lines = [*lines[: fits_rows - 1], [(None, ELLIPSIS)]]
    default = rgb("#" + (colours.style_for_token(Token.Text)["color"] or ("f8f8f2" if dark else "202020")))
    ascent = mono(size).getmetrics()[0]
    bottom = min(area.bottom, inner.top + len(lines) * line_height + pad)  # the panel as tall as its code
    draw.rounded_rectangle(
        [area.left, area.top, area.right - 1, bottom - 1], radius=round(unit * 0.02), fill=rgb(colours.background_color)
    )
    y = inner.top
    for line in lines:
        x: float = inner.left
        for kind, text in _clip_line(line, fits_columns):
            colour = colours.style_for_token(kind)["color"] if kind is not None else None
            x = draw_code_text(draw, writer, text, x, y + ascent, size, rgb("#" + colour) if colour else default)
        y += line_height
    return image


# ---- table --------------------------------------------------------------------------------


def table_card(request: ImageRequest, visual: TableVisual) -> Image.Image:
    style, palette = request.style, request.style.palette
    unit = min(style.width, style.height)
    image, draw, writer, layout = _material_card(request)
    box = layout.content
    count = max(len(visual.header), *(len(r) for r in visual.rows)) if visual.rows else len(visual.header)
    min_size = max(9, round(unit * 0.022))
    shown_columns = max(2, box.width // (min_size * 6))  # a narrow frame shows the first columns, then '…'
    if count > shown_columns:
        cut = shown_columns - 1
        visual = TableVisual(
            header=[*(visual.header + [""] * count)[:cut], ELLIPSIS],
            rows=[[*(row + [""] * count)[:cut], ELLIPSIS] for row in visual.rows],
        )
        count = shown_columns
    header = (visual.header + [""] * count)[:count]
    rows = [(row + [""] * count)[:count] for row in visual.rows]
    size = round(unit * 0.06)
    while True:
        pad = max(3, round(size * 0.45))
        row_height = round(size * 1.32) + pad
        natural = [
            max(writer.length(cell, size, r == 0) for r, cell in enumerate([header[c], *(r[c] for r in rows)]))
            + 2 * pad
            for c in range(count)
        ]
        shown = max(1, (box.height - row_height) // row_height)
        if (sum(natural) <= box.width and shown >= len(rows)) or size <= min_size:
            break
        size = max(min_size, round(size * 0.9))
    if sum(natural) <= box.width:  # spare width shared out, so the table spans the card
        widths = [w + (box.width - sum(natural)) / count for w in natural]
    else:  # too wide at the smallest size: each column its share, never under a fair minimum
        fair = box.width / count / 2
        grown = [max(w, fair) for w in natural]
        widths = [w * box.width / sum(grown) for w in grown]
    if shown < len(rows):
        hidden = len(rows) - shown + 1
        rows = [*rows[: shown - 1], [f"{ELLIPSIS} +{hidden}", *[""] * (count - 1)]]
    edges = [box.left + sum(widths[:c]) for c in range(count + 1)]
    if writer.rtl:  # the first column on the right
        edges = [box.right - (e - box.left) for e in edges]
    for r, cells in enumerate([header, *rows]):
        top = box.top + r * row_height
        fill = palette.accent if r == 0 else (palette.surface if r % 2 else palette.background)
        colour = _on(fill) if r == 0 else rgb(palette.text)
        draw.rectangle([box.left, top, box.right - 1, top + row_height - 1], fill=rgb(fill))
        block = writer.block("x", size, r == 0, box.width, 1)
        for c, cell in enumerate(cells):
            left, right = sorted((edges[c], edges[c + 1]))
            text = writer.fit_line(cell, size, r == 0, int(right - left - 2 * pad)) if cell else ""
            if text:
                runs_y = top + (row_height - block.line_height) // 2
                writer.draw_line(
                    draw,
                    text,
                    runs_y,
                    block,
                    "#{:02x}{:02x}{:02x}".format(*colour),
                    round(left + pad),
                    round(right - pad),
                )
    bottom = box.top + (len(rows) + 1) * row_height
    draw.line([box.left, bottom, box.right - 1, bottom], fill=rgb(palette.accent), width=max(1, unit // 360))
    return image


# ---- formula ------------------------------------------------------------------------------


def _mathtext_image(line: str, size: float, colour: str) -> Image.Image:
    """One line of mathtext drawn by matplotlib (Computer Modern), transparent around it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    prop = FontProperties(size=size, math_fontfamily="cm")
    with MATHTEXT_LOCK:
        width, height, depth, *_ = MathTextParser("path").parse(line, dpi=72, prop=prop)
        figure = Figure(figsize=(max(width, 1) / 72, max(height, 1) / 72))
        FigureCanvasAgg(figure)
        figure.text(0, depth / max(height, 1), line, fontproperties=prop, color=colour)
        out = io.BytesIO()
        figure.savefig(out, dpi=72, format="png", transparent=True)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGBA")


def formula_card(request: ImageRequest, visual: FormulaVisual) -> Image.Image:
    style = request.style
    unit = min(style.width, style.height)
    image, draw, writer, layout = _material_card(request)
    box = layout.content
    lines = to_mathtext(visual.latex)
    if lines is not None:
        gap = min(round(unit * 0.03), box.height // (4 * len(lines)))
        room = box.height - gap * (len(lines) - 1)
        size = 100.0
        drawn = [_mathtext_image(line, size, style.palette.text) for line in lines]
        for _ in range(5):  # mathtext does not scale exactly linearly: measure again at the size chosen
            fit = min(box.width / max(d.width for d in drawn), room / sum(d.height for d in drawn))
            if 0.97 <= fit <= 1 or (fit > 1 and size >= unit * 0.16):
                break
            size = min(size * fit * 0.99, unit * 0.16)
            drawn = [_mathtext_image(line, size, style.palette.text) for line in lines]
        y = box.top + max(0, box.height - sum(d.height for d in drawn) - gap * (len(drawn) - 1)) // 2
        for picture in drawn:
            # Rounding at the final size can add a pixel or two: what would cross the box is cut off.
            if box.bottom - y <= 0:
                break
            picture = picture.crop((0, 0, min(picture.width, box.width), min(picture.height, box.bottom - y)))
            image.paste(picture, (box.left + (box.width - picture.width) // 2, y), picture)
            y += picture.height + gap
        return image
    text = readable(visual.latex)  # beyond mathtext: the formula as readable Unicode text
    size = round(unit * 0.07)
    while True:
        blocks = [writer.block(part, size, False, box.width, 4) for part in text.split("\n")]
        if sum(b.height for b in blocks) <= box.height or size <= unit * 0.03:
            break
        size = round(size * 0.9)
    y = box.top + (box.height - sum(b.height for b in blocks)) // 2
    for block in blocks:
        for line in block.lines:
            width = writer.length(line, block.size, False)
            left = box.left + round((box.width - width) / 2)
            writer.draw_line(draw, line, y, block, style.palette.text, left, left + round(width) + 1)
            y += block.line_height
    return image


# ---- the source ---------------------------------------------------------------------------


class NotesMaterial:
    """The scene's own figure, code, table or formula from the notes; NoPicture for any other scene."""

    name = "notes"

    def identity(self) -> str:
        return f"notes v{CARDS_VERSION}"

    def render(self, request: ImageRequest) -> bytes:
        return self.render_with_report(request).png

    def render_with_report(self, request: ImageRequest) -> ImageResult:
        started = time.perf_counter()
        visual = request.scene.visual
        if isinstance(visual, FigureVisual):
            image = figure_card(request, visual)
        elif isinstance(visual, CodeVisual):
            image = code_card(request, visual)
        elif isinstance(visual, TableVisual):
            image = table_card(request, visual)
        elif isinstance(visual, FormulaVisual):
            image = formula_card(request, visual)
        else:
            raise NoPicture
        web = isinstance(visual, FigureVisual) and visual.source.lower().startswith(("http://", "https://"))
        return ImageResult(
            png=_png(image),
            provider=self.name,
            attempts=0,
            visual_kind=visual.kind,
            source_url=visual.source if web else None,  # provenance: where a web figure came from
            latency_s=round(time.perf_counter() - started, 4),
        )

"""The last offline picture: a designed title-and-bullets slide per scene, drawn with Pillow.

Text is wrapped by measured width and shrunk until it fits its box (`text.py` shapes every
language), so nothing ever leaves the safe area; the bottom of the frame is kept free for
burned-in subtitles.
"""

from __future__ import annotations

import io

from PIL import ImageDraw

from notes_pipeline.domain.math_text import plain_math
from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.providers.images.text import Writer, background, rgb, safe_box

SLIDES_VERSION = "3"  # 3: inline LaTeX ($p(z)$) drawn as readable maths


def _kicker(title: str, index: int, count: int) -> str:
    """The small line above the heading: the title and where this scene is."""
    return f"{title}  ·  {index} / {count}"


class SlideRenderer:
    """Title + bullets slides in the video's locked palette, for 16:9, 9:16 and 1:1 frames."""

    name = "slides"
    needs = ()

    def identity(self) -> str:
        return f"slides v{SLIDES_VERSION}"

    def render(self, request: ImageRequest) -> bytes:
        style, scene = request.style, request.scene
        width, height = style.width, style.height
        palette = style.palette
        image = background(request)
        draw = ImageDraw.Draw(image)
        writer = Writer(request.language)

        unit = min(width, height)
        box = safe_box(width, height)
        rtl = writer.rtl

        kicker_size = max(12, round(unit * 0.03))
        kicker = _kicker(plain_math(request.title), scene.index, request.scene_count)
        kicker_block = writer.block(kicker, kicker_size, False, box.width, 1)

        bullets = [plain_math(b) for b in scene.bullets or [scene.narration.split(". ")[0]]]
        bullet_indent = round(unit * 0.05)
        heading_size, bullet_size = round(unit * 0.085), round(unit * 0.05)
        min_heading, min_bullet = round(unit * 0.045), round(unit * 0.03)
        available = box.bottom - box.top - kicker_block.height - round(unit * 0.04)
        bar_width = max(3, round(unit * 0.008))
        heading_indent = bar_width + round(unit * 0.02)
        while True:
            heading = writer.block(plain_math(scene.heading), heading_size, True, box.width - heading_indent, 3)
            items = [writer.block(b, bullet_size, False, box.width - bullet_indent, 3) for b in bullets]
            gap = round(bullet_size * 0.6)
            needed = heading.height + round(unit * 0.05) + sum(i.height + gap for i in items)
            if needed <= available or (heading_size <= min_heading and bullet_size <= min_bullet):
                break
            heading_size = max(min_heading, round(heading_size * 0.92))
            bullet_size = max(min_bullet, round(bullet_size * 0.92))
        while items and needed > available:  # still too tall at the smallest size: drop the last bullets
            dropped = items.pop()
            needed -= dropped.height + gap

        y = box.top
        for line in kicker_block.lines:
            writer.draw_line(draw, line, y, kicker_block, palette.muted, box.left, box.right)
            y += kicker_block.line_height
        y += round(unit * 0.04)
        bar_x = box.right - bar_width if rtl else box.left
        if heading.lines:
            draw.rectangle(
                [
                    bar_x,
                    y + round(heading.line_height * 0.12),
                    bar_x + bar_width,
                    y + heading.height - round(heading.line_height * 0.2),
                ],
                fill=rgb(palette.accent),
            )
        for line in heading.lines:
            writer.draw_line(
                draw,
                line,
                y,
                heading,
                palette.text,
                box.left + (0 if rtl else heading_indent),
                box.right - (heading_indent if rtl else 0),
            )
            y += heading.line_height
        y += round(unit * 0.05)
        for item in items:
            dot = round(item.line_height * 0.18)
            cy = y + item.line_height // 2
            cx = box.right - dot if rtl else box.left + dot
            draw.ellipse([cx - dot, cy - dot, cx + dot, cy + dot], fill=rgb(palette.accent))
            for line in item.lines:
                writer.draw_line(
                    draw,
                    line,
                    y,
                    item,
                    palette.text,
                    box.left + (0 if rtl else bullet_indent),
                    box.right - (bullet_indent if rtl else 0),
                )
                y += item.line_height
            y += gap

        out = io.BytesIO()
        image.save(out, "PNG", optimize=False, compress_level=3)
        return out.getvalue()

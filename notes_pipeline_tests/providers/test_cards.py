"""Cards for the notes' own material, checked on their decoded pixels: each fits 16:9, 9:16 and 1:1 inside the
safe area with the subtitle band free, and shows what it holds (the code's text, read back with Tesseract)."""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from notes_pipeline.domain.models import (
    CodeVisual,
    FigureVisual,
    FormulaVisual,
    ImageRequest,
    RenderOptions,
    Scene,
    TableVisual,
)
from notes_pipeline.domain.style import style_lock
from notes_pipeline.media.fonts import missing_glyphs
from notes_pipeline.providers.images.base import NoPicture
from notes_pipeline.providers.images.cards import NotesMaterial
from notes_pipeline.providers.images.layouts import material_layout
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.providers.images.text import background, rgb, safe_box

PICTURE_COLOUR = (200, 30, 160)
CODE = 'def hello(name):\n    """Say hi."""\n    return f"hi {name}"\n\nprint(hello("world"))'
VISUALS = {
    "figure": FigureVisual(source="img/stages.png", alt="The stages from notes to video"),
    "code": CodeVisual(code=CODE, language="python"),
    "table": TableVisual(
        header=["Setting", "Default", "Meaning"],
        rows=[["fps", "30", "frames per second"], ["resolution", "720", "the short side"]],
    ),
    "formula": FormulaVisual(latex=r"\mathbb{E}[X] = \int x\,p(x)\,dx"),
}
HINDI_TABLE = TableVisual(header=["सेटिंग", "मान"], rows=[["गति", "तीस फ़्रेम"], ["आकार", "सात सौ बीस"], ["भाषा", "हिन्दी"]])
URDU_TABLE = TableVisual(header=["ترتیب", "قدر"], rows=[["رفتار", "تیس"], ["سائز", "سات سو بیس"]])
tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed (`make ocr` installs Debian's tesseract-ocr)"
)


def picture_png(width: int = 400, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), PICTURE_COLOUR).save(out, "PNG")
    return out.getvalue()


def request_for(
    visual,
    aspect: str = "16:9",
    resolution: int = 720,
    *,
    language: str = "en",
    heading: str = "Material from the notes",
    figure: bytes | None = None,
) -> ImageRequest:
    width, height = RenderOptions(aspect_ratio=aspect, resolution=resolution).frame_size
    scene = Scene(index=2, heading=heading, narration="Words.", bullets=["A point"], visual=visual)
    return ImageRequest(
        scene=scene,
        title="Cards",
        scene_count=4,
        language=language,
        style=style_lock("cards|clean", "clean", width, height),
        figure=figure if figure is not None else picture_png(),
    )


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def ocr(png: bytes) -> str:
    return subprocess.run(
        ["tesseract", "stdin", "stdout", "--psm", "6"], input=png, capture_output=True, check=True, timeout=60
    ).stdout.decode()


@pytest.mark.parametrize("aspect, resolution", [("16:9", 720), ("9:16", 720), ("1:1", 480)])
@pytest.mark.parametrize("kind", list(VISUALS))
def test_each_card_fills_its_frame_inside_the_safe_area_and_leaves_the_subtitle_band_free(kind, aspect, resolution):
    request = request_for(VISUALS[kind], aspect, resolution)
    result = NotesMaterial().render_with_report(request)
    card, backdrop = pixels(result.png), np.asarray(background(request)).astype(int)
    width, height = request.style.width, request.style.height
    assert card.shape == (height, width, 3)
    assert (result.provider, result.visual_kind) == ("notes", kind)
    box = safe_box(width, height)
    outside = np.ones((height, width), bool)
    outside[box.top : box.bottom, box.left : box.right] = False  # margins and the subtitle band below the box
    assert np.array_equal(card[outside], backdrop[outside]), "something was drawn outside the safe area"
    inside = np.abs(card - backdrop).sum(axis=2)[box.top : box.bottom, box.left : box.right] > 60
    assert inside.mean() > 0.02  # and the card does show something


def test_a_figure_goes_beside_its_text_in_16_9_and_between_heading_and_caption_in_9_16():
    for aspect, beside in (("16:9", True), ("9:16", False), ("1:1", False)):
        request = request_for(VISUALS["figure"], aspect)
        card = pixels(NotesMaterial().render(request))
        ys, xs = np.nonzero(np.all(card == PICTURE_COLOUR, axis=2))
        width, height = request.style.width, request.style.height
        box = safe_box(width, height)
        assert len(xs) > 0.15 * box.width * box.height  # fitted: a large share of the safe area
        ink = np.abs(card - np.asarray(background(request)).astype(int)).sum(axis=2) > 60
        ink[ys.min() - 8 : ys.max() + 9, xs.min() - 8 : xs.max() + 9] = False  # the picture and its frame
        text_ys, text_xs = np.nonzero(ink)
        if beside:
            assert xs.max() < 0.7 * width and text_xs.min() > xs.max()  # words to the right of the picture
        else:
            assert text_ys.min() < ys.min() and text_ys.max() > ys.max()  # heading above, caption below


@tesseract
@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1"])
def test_the_code_card_shows_the_code_itself(aspect):
    text = ocr(NotesMaterial().render(request_for(VISUALS["code"], aspect)))
    assert "def hello(name)" in text.replace(" (", "(").replace(") :", "):")
    assert "print" in text and "hello" in text
    assert "A point" not in text  # not the slide's bullets


@tesseract
def test_a_formula_mathtext_cannot_draw_is_shown_as_readable_text_without_backslashes():
    request = request_for(FormulaVisual(latex=r"\xymatrix{A \ar[r] & B} + \frac{a}{b} = 3"))
    text = ocr(NotesMaterial().render(request))
    assert "xymatrix" in text and "\\" not in text and "$" not in text and "{" not in text


@tesseract
def test_slides_show_no_raw_latex():
    scene = Scene(
        index=1, heading=r"The density $p(z)$ of \(z\)", narration="Words.", bullets=[r"Maximise $\log p(x)$"]
    )
    request = request_for(None).model_copy(update={"scene": scene})
    text = ocr(SlideRenderer().render(request))
    assert "density p(z)" in text and "$" not in text and "\\" not in text


@pytest.mark.parametrize("table, language", [(HINDI_TABLE, "hi"), (URDU_TABLE, "ur")])
def test_tables_in_hindi_and_urdu_are_drawn_cell_by_cell_in_reading_order(table, language):
    assert not any(missing_glyphs(cell, language=language) for row in [table.header, *table.rows] for cell in row)
    request = request_for(table, "9:16", language=language, heading="तालिका" if language == "hi" else "جدول")
    card = pixels(NotesMaterial().render(request))
    palette = request.style.palette
    content = material_layout(request.style.width, request.style.height).content
    header_row = card[content.top + 2, content.left : content.right]
    assert (np.abs(header_row - rgb(palette.accent)).sum(axis=1) < 10).mean() > 0.5  # the header band
    # Each row has words in both of its columns; the first column is on the right in Urdu.
    fills = [rgb(palette.accent), rgb(palette.surface), rgb(palette.background)]
    middle = (content.left + content.right) // 2
    rows = 1 + len(table.rows)
    in_header = np.all(card[content.top : content.bottom, content.left + 1] == rgb(palette.accent), axis=1)
    row_height = int(np.argmin(in_header))  # the header band's height is the height of every row
    for r in range(rows):
        band = card[
            content.top + r * row_height + 3 : content.top + (r + 1) * row_height - 3, content.left : content.right
        ]
        ink = np.min([np.abs(band - fill).sum(axis=2) for fill in fills], axis=0) > 90
        left, right = ink[:, : middle - content.left].sum(), ink[:, middle - content.left :].sum()
        assert left > 20 and right > 20, f"row {r} lacks a cell's words"
    first = card[content.top + 3 : content.top + row_height - 3, content.left : content.right]
    first_ink = np.nonzero((np.abs(first - rgb(palette.accent)).sum(axis=2) > 90).any(axis=0))[0]
    if language == "ur":
        assert first_ink.max() > 0.9 * content.width  # the header's first cell is flush right


def test_a_scene_without_material_or_without_its_fetched_figure_is_passed_over():
    with pytest.raises(NoPicture):
        NotesMaterial().render(request_for(None))
    with pytest.raises(NoPicture):
        NotesMaterial().render(request_for(VISUALS["figure"]).model_copy(update={"figure": None}))


def tall_picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 4000), PICTURE_COLOUR).save(out, "PNG")
    return out.getvalue()


OVERSIZED = {
    "300 lines of code, a Hindi comment, an unknown language": CodeVisual(
        code="\n".join(
            f"x_{i} = compute(a_{i}, 'a string literal that goes on and on and on and on')  # {i} तीस"
            for i in range(300)
        ),
        language="no-such-language",
    ),
    "12 columns by 40 rows": TableVisual(
        header=[f"Column {c}" for c in range(12)],
        rows=[[f"cell {r}-{c} with words" for c in range(12)] for r in range(40)],
    ),
    "a 20-line aligned formula": FormulaVisual(
        latex=r"\begin{aligned}" + r" \\ ".join(f"a_{{{i}}} &= b_{{{i}}}" for i in range(20)) + r"\end{aligned}"
    ),
    "a 50x4000 picture with a long caption": FigureVisual(source="tall.png", alt="words " * 200),
}


@pytest.mark.parametrize("language", ["en", "ur"])
@pytest.mark.parametrize("aspect, resolution", [("16:9", 720), ("9:16", 480), ("1:1", 480)])
@pytest.mark.parametrize("what", list(OVERSIZED))
def test_oversized_material_is_shrunk_or_cut_never_drawn_outside_the_safe_area(what, aspect, resolution, language):
    request = request_for(
        OVERSIZED[what],
        aspect,
        resolution,
        language=language,
        heading=("A long heading " * 8)[:120],
        figure=tall_picture(),
    )
    card, backdrop = pixels(NotesMaterial().render(request)), np.asarray(background(request)).astype(int)
    box = safe_box(request.style.width, request.style.height)
    outside = np.ones(card.shape[:2], bool)
    outside[box.top : box.bottom, box.left : box.right] = False
    assert np.array_equal(card[outside], backdrop[outside])

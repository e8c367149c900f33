"""Offline visuals: which diagram a scene gets, that each is drawn inside the safe box at every aspect
ratio in any language, the icon lookup, and where the source sits in the offline chain."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from notes_pipeline.domain.models import ImageRequest, Scene
from notes_pipeline.domain.style import style_lock
from notes_pipeline.providers.config import Secrets, load_config
from notes_pipeline.providers.images.base import NoPicture
from notes_pipeline.providers.images.diagram_plans import Column, DiagramPlan, plan_diagram
from notes_pipeline.providers.images.diagrams import _icon_font, draw_diagram
from notes_pipeline.providers.images.icons import ICON_FONT, ICONS, icon_for_scene, icon_for_text, keyword_index
from notes_pipeline.providers.images.offline import OfflineVisuals
from notes_pipeline.providers.images.text import background, safe_box
from notes_pipeline.providers.registry import ProviderRegistry
from notes_pipeline_tests.media.tofu import tofu_boxes

SIZES = [(1280, 720), (480, 854), (720, 720)]

SCENES = {
    "steps": Scene(
        index=1,
        heading="How to brew pour-over coffee",
        narration="First heat the water, then pour.",
        bullets=[
            "Heat the water to 94 degrees",
            "Grind the beans medium-fine",
            "Pour slowly in circles",
            "Let it drip and enjoy",
        ],
    ),
    "cycle": Scene(
        index=2,
        heading="The training loop",
        narration="Training is a cycle that repeats.",
        bullets=["Predict on a batch", "Measure the loss", "Compute gradients", "Update the weights"],
    ),
    "comparison": Scene(
        index=3,
        heading="Python vs JavaScript",
        narration="Both are popular.",
        bullets=[
            "Python is great for data science",
            "JavaScript runs in every browser",
            "Python has simple syntax",
            "JavaScript powers the web",
        ],
    ),
    "key_figure": Scene(
        index=4,
        heading="Few maintainers",
        narration="Most projects rely on one person.",
        bullets=["75% of projects have a single maintainer", "Burnout is common"],
    ),
    "icon": Scene(
        index=5,
        heading="Security matters",
        narration="Use strong passwords and keep them private.",
        bullets=["Use strong passwords", "Enable two-factor login", "Never share your keys"],
    ),
}


def _request(scene: Scene, width: int = 1280, height: int = 720, language: str = "en") -> ImageRequest:
    return ImageRequest(
        scene=scene,
        title="Notes",
        scene_count=5,
        language=language,
        style=style_lock("offline visuals", "clean", width, height),
    )


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)


def _blank(plan: DiagramPlan) -> DiagramPlan:
    """The same plan with every word replaced by a space: what remains is the shapes."""
    return plan.model_copy(
        update={
            "heading": " ",
            "items": [" "] * len(plan.items),
            "caption": " " if plan.caption else None,
            "figure": " " if plan.figure else None,
            "columns": [
                Column(title=" " if c.title else None, icon=c.icon, items=[" "] * len(c.items)) for c in plan.columns
            ],
        }
    )


def _text_mask(plan: DiagramPlan, request: ImageRequest) -> np.ndarray:
    return np.abs(_pixels(draw_diagram(plan, request)) - _pixels(draw_diagram(_blank(plan), request))).sum(axis=2) > 30


# ---- which diagram fits ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SCENES))
def test_the_plan_follows_the_scenes_words(kind):
    plan = plan_diagram(SCENES[kind])
    assert plan is not None and plan.kind == kind
    assert plan.visual_kind == ("icon" if kind == "icon" else "diagram")


def test_plans_carry_what_their_kind_needs():
    comparison = plan_diagram(SCENES["comparison"])
    assert [c.title for c in comparison.columns] == ["Python", "JavaScript"]
    assert comparison.columns[0].items == ["Python is great for data science", "Python has simple syntax"]
    figure = plan_diagram(SCENES["key_figure"])
    assert figure.figure == "75%" and figure.fraction == pytest.approx(0.75)
    assert figure.caption == "75% of projects have a single maintainer"
    pros = plan_diagram(
        Scene(
            index=1,
            heading="Pros and cons of remote work",
            narration="x",
            bullets=["Benefit: no commute", "Drawback: isolation", "Advantage: flexible hours"],
        )
    )
    assert pros.kind == "comparison" and [c.icon for c in pros.columns] == ["thumb_up", "thumb_down"]
    assert pros.columns[1].items == ["Drawback: isolation"]
    year = plan_diagram(
        Scene(
            index=1,
            heading="Released in 1991",
            narration="Python came out in 1991.",
            bullets=["Guido started it over a holiday"],
        )
    )
    assert year.kind == "key_figure" and year.figure == "1991"
    numbered = plan_diagram(
        Scene(
            index=1, heading="Getting started", narration="x", bullets=["1. Install it", "2. Configure it", "3. Run it"]
        )
    )
    assert numbered.kind == "steps" and numbered.items == ["Install it", "Configure it", "Run it"]


def test_no_plan_for_a_scene_with_nothing_to_draw():
    assert plan_diagram(Scene(index=1, heading="…", narration=".", bullets=[])) is None
    # Words no icon is listed for and no diagram shape: the text card is drawn instead.
    assert plan_diagram(Scene(index=1, heading="Qwerty zxcv", narration="Blorp fnord.", bullets=[])) is None
    with pytest.raises(NoPicture):
        OfflineVisuals().render(_request(Scene(index=1, heading="…", narration=".")))


def test_hindi_and_urdu_scenes_get_plans_from_their_own_words():
    steps = Scene(
        index=1,
        heading="चाय बनाने के चरण",
        narration="पहले पानी उबालें। फिर चाय डालें।",
        bullets=["पानी उबालें", "चाय पत्ती डालें", "दूध मिलाएं"],
    )
    assert plan_diagram(steps).kind == "steps"
    versus = Scene(
        index=1, heading="چائے بمقابلہ کافی", narration="دونوں مشہور ہیں۔", bullets=["چائے ہلکی ہے", "کافی تیز ہے"]
    )
    plan = plan_diagram(versus)
    assert plan.kind == "comparison" and [c.title for c in plan.columns] == ["چائے", "کافی"]
    assert plan_diagram(Scene(index=1, heading="किताब पढ़ना", narration="रोज़ पढ़ें।")).icon == "menu_book"


# ---- drawing ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", list(SCENES))
def test_every_kind_is_drawn_inside_the_safe_box_at_every_aspect_ratio(kind, size):
    request = _request(SCENES[kind], *size)
    result = OfflineVisuals().render_with_report(request)
    assert result.provider == "visuals" and result.visual_kind == ("icon" if kind == "icon" else "diagram")
    assert result.source["diagram"] == kind
    picture = _pixels(result.png)
    assert picture.shape == (size[1], size[0], 3)
    drawn = np.abs(picture - np.asarray(background(request)).astype(np.int16)).sum(axis=2) > 24
    box = safe_box(*size)
    outside = drawn.copy()
    outside[box.top : box.bottom, box.left : box.right] = False
    assert not outside.any(), "something was drawn outside the safe box or in the subtitle band"
    assert drawn.sum() > 0.02 * size[0] * size[1]  # a real picture, not an empty backdrop
    text = _text_mask(plan_diagram(SCENES[kind]), request)
    assert text.sum() > 1500 and tofu_boxes(text) == 0


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_hindi_diagram_is_shaped_and_inside_the_box(size):
    scene = Scene(
        index=1,
        heading="जल चक्र",
        narration="यह चक्र दोहराया जाता है।",
        bullets=["पानी भाप बनता है", "बादल बनते हैं", "बारिश होती है", "नदियाँ समुद्र में जाती हैं"],
    )
    plan = plan_diagram(scene)
    assert plan.kind == "cycle"
    request = _request(scene, *size, language="hi")
    text = _text_mask(plan, request)
    ys, xs = np.nonzero(text)
    box = safe_box(*size)
    assert xs.size > 1500 and tofu_boxes(text) == 0
    # a glyph's side bearing may reach one pixel past the pen's position, as on slides
    assert xs.min() >= box.left - 1 and xs.max() <= box.right and ys.min() >= box.top and ys.max() < box.bottom


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_urdu_diagram_reads_right_to_left(size):
    scene = Scene(
        index=1,
        heading="کام کے مراحل",
        narration="پہلے منصوبہ بنائیں، پھر کام کریں۔",
        bullets=["منصوبہ بنائیں", "کام شروع کریں", "نتیجہ دیکھیں"],
    )
    plan = plan_diagram(scene)
    assert plan.kind == "steps"
    request = _request(scene, *size, language="ur")
    text = _text_mask(plan, request)
    box = safe_box(*size)
    ys, xs = np.nonzero(text)
    assert xs.size > 1500 and tofu_boxes(text) == 0
    assert xs.min() >= box.left - 1 and xs.max() <= box.right and ys.max() < box.bottom
    # The heading is set flush right: its ink ends at the box's right edge, far from its left edge.
    heading_rows = text[box.top : box.top + round(min(size) * 0.1)]
    columns = np.flatnonzero(heading_rows.any(axis=0))
    assert box.right - columns.max() < 0.03 * size[0] and columns.min() - box.left > 0.2 * box.width
    # The first step is on the right (side by side) or flush right at the top (stacked).
    first_blank = plan.model_copy(update={"items": [" ", *plan.items[1:]]})
    first = np.abs(_pixels(draw_diagram(plan, request)) - _pixels(draw_diagram(first_blank, request))).sum(axis=2) > 30
    ys, xs = np.nonzero(first)
    if size[0] > size[1] * 1.2:
        assert xs.min() > (box.left + box.right) / 2
    else:  # stacked: the numbered discs run down the right edge
        accent = np.array(Image.new("RGB", (1, 1), request.style.palette.accent).getpixel((0, 0)), dtype=np.int16)
        discs = np.abs(_pixels(draw_diagram(plan, request)) - accent).sum(axis=2) < 12
        columns = np.flatnonzero(discs.any(axis=0))
        assert columns.size and columns.min() > box.right - 0.15 * box.width


# ---- icons --------------------------------------------------------------------------------------------------------


def test_every_listed_icon_is_in_the_bundled_font_and_draws_ink():
    cmap = TTFont(ICON_FONT).getBestCmap()
    assert len(ICONS) >= 150 and len(keyword_index()) >= 1000
    for name, (codepoint, _) in ICONS.items():
        assert codepoint in cmap, name
    image = Image.new("L", (64, 64))
    ImageDraw.Draw(image).text((32, 32), chr(ICONS["school"][0]), font=_icon_font(48), fill=255, anchor="mm")
    assert np.asarray(image).astype(bool).sum() > 300
    assert (ICON_FONT.parent / "LICENSE-Apache-2.0.txt").exists()


@pytest.mark.parametrize(
    ("text", "icon"),
    [
        ("Our pupils learn fast", "school"),  # synonym
        ("Brewing espresso", "local_cafe"),
        ("Choose strong passwords", "lock"),  # plural of a listed word
        ("Debugging crashes", "bug_report"),  # -ing / -es inflections
        ("Machine learning in practice", "model_training"),  # a two-word phrase beats its words
        ("Licensing and copyright", "vpn_key"),
        ("Diversity and inclusion", "groups"),
        ("किताब", "menu_book"),
        ("کتاب", "menu_book"),
    ],
)
def test_icon_lookup_by_keywords_and_synonyms(text, icon):
    assert icon_for_text(text).name == icon


def test_the_heading_outweighs_a_passing_word_in_the_narration():
    scene = Scene(
        index=1,
        heading="Coffee grading",
        narration="Graders work in a lab with a timer and a pen.",
        bullets=["Beans are sorted by size"],
    )
    assert icon_for_scene(scene).name == "local_cafe"
    assert icon_for_text("qwerty zxcv") is None


# ---- the chain ------------------------------------------------------------------------------------------------------


def test_offline_chain_order_is_notes_then_visuals_then_slides(monkeypatch):
    for var in ("CLOUDFLARE_API_TOKEN", "TOGETHER_API_KEY", "HF_TOKEN", "GOOGLE_CSE_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    chain = ProviderRegistry(load_config(), Secrets.from_env({})).image_source()
    request = _request(SCENES["steps"])
    # the notes' own material first: this scene has none, so it is passed over quietly
    assert [s.name for s in chain.sources_for(request)] == ["notes", "visuals", "slides"]
    served = chain.render_with_report(request)
    assert (served.provider, served.visual_kind, served.fallbacks) == ("visuals", "diagram", [])
    card = chain.render_with_report(_request(Scene(index=1, heading="…", narration=".")))
    assert (card.provider, card.visual_kind, card.fallbacks) == ("slides", "card", [])
    assert "visuals v" in chain.identity()

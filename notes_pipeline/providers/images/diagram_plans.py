"""Which diagram fits a scene, decided from its words alone (no drawing here: see diagrams.py).

The order of the checks is the order of how specific a sign is: two things set against each
other ("X vs Y", pros and cons) make a comparison; cycle words with three or more parts make a
cycle; ordered parts (numbered bullets, "first… then…", "steps", "process") make steps; a
percentage, or a number in the heading, makes a key figure; otherwise, when the scene's words
call for an icon, an icon beside the scene's points. A scene with none of these gets no plan,
and the text card is drawn instead.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from notes_pipeline.domain.models import Scene
from notes_pipeline.providers.images.icons import ICONS, Icon, icon_for_scene, words_of

DiagramKind = Literal["comparison", "cycle", "steps", "key_figure", "icon"]
MAX_ITEMS = 5
MAX_ITEM_CHARS = 90

_VERSUS = re.compile(r"\s+(?:vs\.?|versus|बनाम|بمقابلہ)\s+", re.I)
_BETWEEN = re.compile(r"\bdifferences?\s+between\s+(.+?)\s+and\s+(.+?)(?:[.,;:?!]|$)", re.I)
_PROS_CONS = re.compile(
    r"\b(pros\s+and\s+cons|advantages\s+and\s+disadvantages|benefits\s+and\s+drawbacks|"
    r"strengths\s+and\s+weaknesses)\b",
    re.I,
)
_PRO_WORDS = {
    "pro",
    "pros",
    "advantage",
    "advantages",
    "benefit",
    "benefits",
    "strength",
    "strengths",
    "good",
    "better",
    "faster",
    "easier",
    "cheaper",
    "helps",
    "positive",
    "gain",
    "gains",
    "upside",
}
_CON_WORDS = {
    "con",
    "cons",
    "disadvantage",
    "disadvantages",
    "drawback",
    "drawbacks",
    "weakness",
    "weaknesses",
    "bad",
    "worse",
    "slower",
    "harder",
    "costly",
    "expensive",
    "risk",
    "risks",
    "negative",
    "downside",
    "but",
    "however",
}
_CYCLE_WORDS = {
    "cycle",
    "cycles",
    "cyclic",
    "cyclical",
    "loop",
    "loops",
    "iterate",
    "iterates",
    "iteration",
    "iterations",
    "iterative",
    "repeat",
    "repeats",
    "repeated",
    "recurring",
    "circular",
    "feedback",
    "lifecycle",
    "चक्र",
    "दोहराएं",
    "چکر",
    "دہرائیں",
}
_STEP_WORDS = {
    "step",
    "steps",
    "process",
    "procedure",
    "workflow",
    "pipeline",
    "stages",
    "phases",
    "sequence",
    "how-to",
    "recipe",
    "instructions",
    "चरण",
    "प्रक्रिया",
    "مرحلہ",
    "مراحل",
    "طریقہ",
}
_ORDER_WORDS = {
    "first",
    "firstly",
    "second",
    "secondly",
    "then",
    "next",
    "after",
    "afterwards",
    "finally",
    "lastly",
    "पहले",
    "फिर",
    "अंत",
    "پہلے",
    "پھر",
    "آخر",
}
_NUMBERED = re.compile(r"^\s*(?:\(?\d+[.)]|step\s+\d+:?|\(?[a-e]\))\s+", re.I)  # not "e.g."
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)\s?(%|٪|percent\b|per\s+cent\b|प्रतिशत|فیصد)", re.I)
# A number worth a picture: at least two digits, or with a decimal point or thousands separator; not part of a
# word (v2, HTTP/2, x86) and not a leading list number.
_NUMBER = re.compile(r"(?<![\w/.])(\d{1,3}(?:,\d{3})+|\d+\.\d+|\d{2,})(?![\w/])")
_SENTENCE_END = re.compile(r"(?<=[.!?।۔])\s+")


class Column(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str | None = Field(None, description="What this side is; None for pros/cons, shown by an icon.")
    icon: str | None = Field(None, description="A Material icon name standing for the side (thumbs up/down).")
    items: list[str] = Field(default_factory=list)


class DiagramPlan(BaseModel):
    """What to draw for a scene: the kind, the heading and the parts the kind needs."""

    model_config = ConfigDict(frozen=True)

    kind: DiagramKind
    heading: str
    items: list[str] = Field(default_factory=list, description="Steps, the cycle's stages or the icon's points.")
    columns: list[Column] = Field(default_factory=list, description="A comparison's two sides, left first.")
    figure: str | None = Field(None, description="A key figure as written, e.g. '75%' or '1,200'.")
    fraction: float | None = Field(None, ge=0, le=1, description="A percentage's share, drawn as a ring.")
    caption: str | None = None
    icon: str | None = Field(None, description="Material icon name (icons.ICONS).")

    @property
    def visual_kind(self) -> Literal["diagram", "icon"]:
        return "icon" if self.kind == "icon" else "diagram"


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def _short(text: str) -> str:
    """An item as shown: its list number removed, cut at a word near MAX_ITEM_CHARS (the drawing wraps it)."""
    text = _NUMBERED.sub("", text).strip().rstrip(".;:,")
    if len(text) <= MAX_ITEM_CHARS:
        return text
    cut = text[:MAX_ITEM_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(".;:,") + "…"


def scene_items(scene: Scene) -> list[str]:
    """The scene's parts: its bullets, or else the sentences of its narration."""
    parts = scene.bullets or sentences(scene.narration)
    return [s for s in (_short(p) for p in parts) if s][:MAX_ITEMS]


def _text(scene: Scene) -> str:
    return " ".join([scene.heading, *scene.bullets, scene.narration])


def _comparison(scene: Scene, items: list[str]) -> DiagramPlan | None:
    heading_sides = _VERSUS.split(scene.heading)
    sides: list[str] | None = None
    if len(heading_sides) == 2 and all(s.strip() for s in heading_sides):
        sides = [s.strip(" :") for s in heading_sides]
    elif found := _BETWEEN.search(scene.heading) or _BETWEEN.search(scene.narration[:300]):
        sides = [found.group(1).strip(), found.group(2).strip()]
    elif sum(bool(_VERSUS.search(item)) for item in items) >= 2:
        return _split_pairs(scene, items)
    pros_cons = sides is None and bool(_PROS_CONS.search(f"{scene.heading} {' '.join(scene.bullets)}"))
    if sides is None and not pros_cons:
        return None
    if len(items) < 2:
        return None
    left: list[str] = []
    right: list[str] = []
    for item in items:
        words = set(words_of(item))
        if pros_cons:
            lean = len(words & _PRO_WORDS) - len(words & _CON_WORDS)
        else:
            lean = len(words & set(words_of(sides[0]))) - len(words & set(words_of(sides[1])))  # type: ignore[index]
        if lean > 0 or (lean == 0 and len(left) <= len(right)):
            left.append(item)
        else:
            right.append(item)
    if pros_cons:
        columns = [Column(icon="thumb_up", items=left), Column(icon="thumb_down", items=right)]
    else:
        columns = [Column(title=sides[0], items=left), Column(title=sides[1], items=right)]  # type: ignore[index]
    return DiagramPlan(kind="comparison", heading=scene.heading, columns=columns)


def _split_pairs(scene: Scene, items: list[str]) -> DiagramPlan:
    """Bullets that each say "X vs Y": X on the left, Y on the right."""
    left, right = [], []
    for item in items:
        parts = _VERSUS.split(item, maxsplit=1)
        if len(parts) == 2:
            left.append(parts[0].strip())
            right.append(parts[1].strip())
    return DiagramPlan(kind="comparison", heading=scene.heading, columns=[Column(items=left), Column(items=right)])


def _key_figure(scene: Scene) -> DiagramPlan | None:
    places = [scene.heading, *scene.bullets, *sentences(scene.narration)[:2]]
    for place in places:
        if found := _PERCENT.search(place):
            value = float(found.group(1).replace(",", "."))
            figure = f"{found.group(1)}%"
            caption = place if place != scene.heading else (scene.bullets or sentences(scene.narration) or [""])[0]
            return DiagramPlan(
                kind="key_figure",
                heading=scene.heading,
                figure=figure,
                fraction=min(1.0, value / 100) if value <= 100 else None,
                caption=_short(caption),
            )
    if found := _NUMBER.search(scene.heading):
        caption = (
            next((p for p in places[1:] if found.group(1) in p), None)
            or (scene.bullets or sentences(scene.narration))[0]
        )
        return DiagramPlan(kind="key_figure", heading=scene.heading, figure=found.group(1), caption=_short(caption))
    return None


def plan_diagram(scene: Scene) -> DiagramPlan | None:
    """The diagram that fits the scene, or None when nothing does (the text card is then drawn)."""
    items = scene_items(scene)
    if not scene.heading.strip() or not items:
        return None
    if plan := _comparison(scene, items):
        return plan
    words = set(words_of(_text(scene)))
    if words & _CYCLE_WORDS and len(items) >= 3:
        return DiagramPlan(kind="cycle", heading=scene.heading, items=items[:6])
    numbered = scene.bullets and sum(bool(_NUMBERED.match(b)) for b in scene.bullets) >= 2
    ordered = len(words & _ORDER_WORDS) >= 2 or set(words_of(scene.heading)) & _STEP_WORDS
    if len(items) >= 3 and (numbered or ordered):
        return DiagramPlan(kind="steps", heading=scene.heading, items=items)
    if plan := _key_figure(scene):
        return plan
    icon: Icon | None = icon_for_scene(scene)
    if icon is not None:
        return DiagramPlan(kind="icon", heading=scene.heading, items=items[:3], icon=icon.name)
    return None


def icon_codepoint(name: str) -> str:
    return chr(ICONS[name][0])

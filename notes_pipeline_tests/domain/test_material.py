"""The notes' own material: kept as data in notes order, never narrated, put on the scenes that talk about it."""

from __future__ import annotations

import hashlib

import pytest

from notes_pipeline.domain.material import attach_material
from notes_pipeline.domain.math_text import plain_math, readable, to_mathtext
from notes_pipeline.domain.models import (
    CodeVisual,
    FigureVisual,
    FormulaVisual,
    NotesDocument,
    Scene,
    Script,
    TableVisual,
)
from notes_pipeline.domain.notes_text import parse_notes
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.stages.script import script_markdown

NOTES = """# Video pipelines

A video pipeline turns written notes into a narrated explainer video for learners.

## The stages

The pipeline has several stages that run one after another for every document.

![The stages from notes to video](img/stages.png)

[![Build](https://img.shields.io/badge/build-passing-green.svg)](https://ci.example.test)

## Calling it

The entry point is a small function that greets whoever calls it by name.

```python
def hello(name):
    return f"hi {name}"
```

## Settings

Each setting has a name and a default value that most people never change.

| Setting | Default $x^2$ |
|---|---|
| `fps` | 30 |
| resolution | 720 |

## The energy

The energy of a body at rest is its mass times the speed of light squared.

$$
E = mc^2
$$

## Only a picture

![An architecture sketch](arch.png)
"""


def document(text: str = NOTES, name: str = "pipelines.md") -> NotesDocument:
    return NotesDocument(
        doc_id="pipelines-0123456789",
        source_name=name,
        text=text,
        language="en",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )


def test_each_section_keeps_its_material_in_order_and_never_says_it():
    sections = {s.heading: s for s in parse_notes(NOTES).sections}
    stages = FigureVisual(source="img/stages.png", alt="The stages from notes to video")
    assert sections["The stages"].visuals == [stages]
    assert sections["Calling it"].visuals == [
        CodeVisual(code='def hello(name):\n    return f"hi {name}"', language="python")
    ]
    assert sections["Settings"].visuals == [
        TableVisual(header=["Setting", "Default x²"], rows=[["fps", "30"], ["resolution", "720"]])
    ]
    # The silent section's picture joins the section before it, after that section's own formula.
    sketch = FigureVisual(source="arch.png", alt="An architecture sketch")
    assert sections["The energy"].visuals == [FormulaVisual(latex="E = mc^2"), sketch]
    said = " ".join(b.text for s in sections.values() for b in s.blocks)
    assert "mc" not in said and "hello" not in said and "stages.png" not in said and "\ue000" not in said


def test_badges_and_vector_images_are_not_figures():
    text = (
        "Some words about the project and what it does for people.\n\n"
        "![ci](https://ci.example.test/x.svg?branch=main) ![badge](https://img.shields.io/pypi/v/x) "
        "![logo](logo.svg)\n"
    )
    assert [v for s in parse_notes(text).sections for v in s.visuals] == []


def test_the_local_writer_scenes_get_the_material_of_their_sections():
    doc = document()
    script = attach_material(LocalScriptWriter().write(doc), doc)
    kinds = {s.heading: s.visual.kind for s in script.scenes if s.visual}
    assert kinds == {"The stages": "figure", "Calling it": "code", "Settings": "table", "The energy": "formula"}
    assert all("hello" not in s.narration and "mc^2" not in s.narration for s in script.scenes)
    # Scenes without material are left as they were: their JSON has no 'visual' key.
    assert "visual" not in script.scenes[0].model_dump()
    preview = script_markdown(script)  # what the Dagster UI shows of the script
    assert "*Shows the notes' code (python)*" in preview and "*Shows the notes' figure img/stages.png*" in preview


def test_an_llm_script_with_other_headings_gets_material_by_what_its_narration_says():
    scenes = [
        Scene(index=1, heading="Welcome", narration="Welcome to a video about pipelines for notes."),
        Scene(
            index=2,
            heading="How it flows",
            narration="The pipeline runs several stages, one after another, for every document.",
        ),
        Scene(
            index=3,
            heading="Greeting code",
            narration="A small function greets whoever calls it by name, which is the entry point.",
        ),
        Scene(index=4, heading="Goodbye", narration="That is all for today, thank you."),
    ]
    script = Script(title="Pipelines", summary="s", language="en", scenes=scenes, writer="gemini:test")
    placed = attach_material(script, document())
    assert [s.visual.kind if s.visual else None for s in placed.scenes] == [None, "figure", "code", None]


def test_plain_text_notes_and_prompts_have_no_material():
    doc = document(name="pipelines.txt")
    script = LocalScriptWriter().write(document())
    assert attach_material(script, doc) is script


def test_formulas_mathtext_draws_are_kept_as_mathtext_one_per_line():
    assert to_mathtext(r"\begin{aligned} a &= b + c \\ d &= \dfrac{1}{2} \end{aligned}") == [
        "$a = b + c$",
        r"$d = \frac{1}{2}$",
    ]
    assert to_mathtext(r"\text{loss}(\theta) = \sum_i (y_i - \hat{y}_i)^2") == [
        r"$\mathrm{loss}(\theta) = \sum_i (y_i - \hat{y}_i)^2$"
    ]


@pytest.mark.parametrize(
    "latex, shown",
    [
        (r"\xymatrix{A \ar[r] & B} \le \frac{a+b}{2}", "xymatrix A ar [r] B ≤ (a+b)/2"),
        (r"\mathbb{E}[X] = \int x\,p(x)\,dx", "𝔼[X] = ∫ x p(x) dx"),
        (r"\sqrt{x^2 + y_1} \neq \alpha", "√(x² + y₁) ≠ α"),
    ],
)
def test_what_mathtext_cannot_draw_reads_as_text_without_backslashes(latex, shown):
    text = readable(latex)
    assert text == shown
    assert "\\" not in text and "$" not in text and "{" not in text


def test_slides_show_inline_formulas_as_readable_maths():
    assert plain_math("The density $p(z)$ of $z_1^2$ costs $5 and $6") == "The density p(z) of z₁² costs $5 and $6"

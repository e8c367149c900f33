"""The public-figure policy: who is marked, what it allows, and that old scripts keep their hashes."""

from __future__ import annotations

import pytest

from notes_pipeline.domain.documents import parse_document
from notes_pipeline.domain.models import Scene
from notes_pipeline.domain.policy import allows_ai_imagery, mentions_real_people, policy_for
from notes_pipeline.providers.llm.local import LocalScriptWriter


@pytest.mark.parametrize(
    "text",
    [
        "Marie Curie was born in Warsaw in 1867.",
        "Isaac Newton wrote the Principia, and he changed physics.",
        "Dr. Jonas Salk tested the vaccine on volunteers.",
        "The physicist Albert Einstein explained the photoelectric effect.",
    ],
)
def test_named_people_are_marked(text: str) -> None:
    assert mentions_real_people(text)


@pytest.mark.parametrize(
    "text",
    [
        "Solar panels turn light into electricity.",
        "Photosynthesis happens in the chloroplasts of leaves.",
        "The Pacific Ocean is the largest ocean on Earth.",  # a capitalised place, but no person-ish word
        "He said the water boils at 100 degrees.",  # a person-ish word, but no name
    ],
)
def test_ordinary_sentences_are_not(text: str) -> None:
    assert not mentions_real_people(text)


def test_policy_by_scene() -> None:
    plain = Scene(index=1, heading="Panels", narration="x", image_prompt="a panel")
    person = plain.model_copy(update={"real_people": True})
    searched = plain.model_copy(update={"search_query": "Mount St Helens 1980"})
    assert allows_ai_imagery(plain) and policy_for(plain) == "standard"
    assert not allows_ai_imagery(person) and policy_for(person) == "public-figure"
    assert not allows_ai_imagery(searched) and policy_for(searched) == "public-figure"


def test_unmarked_scenes_dump_as_before_so_hashes_hold() -> None:
    scene = Scene(index=1, heading="Panels", narration="x", image_prompt="a panel")
    assert "real_people" not in scene.model_dump(mode="json")
    assert scene.model_copy(update={"real_people": True}).model_dump(mode="json")["real_people"] is True


def test_the_offline_writer_marks_the_scene_about_a_person() -> None:
    notes = (
        b"# Radioactivity\n\n## Discovery\nMarie Curie was born in Warsaw and she discovered polonium "
        b"and radium with her husband.\n\n## Decay\nUnstable nuclei decay and give off radiation. "
        b"The rate of decay is measured by the half-life.\n"
    )
    script = LocalScriptWriter().write(parse_document("radio-1", "radio.md", notes, max_bytes=100_000))
    marked = {s.heading: s.real_people for s in script.scenes}
    about_curie = [s for s in script.scenes if "Curie" in s.narration and s.index != 1]
    assert about_curie and all(s.real_people for s in about_curie), marked
    assert not any(s.real_people for s in script.scenes if "Curie" not in s.narration), marked

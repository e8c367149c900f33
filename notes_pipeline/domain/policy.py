"""The public-figure policy: scenes about real, named people never get AI-made faces or clips.

The script writer marks such scenes (`Scene.real_people`); a scene with a web search query is
about a real subject too. For them the image chain keeps only sources that show real material
(the notes' own figures, web search and stock pictures with attribution, offline visuals, the
text card) and drops every source whose `ai_generated` attribute is True. The offline writer
has no model to ask, so `mentions_real_people` is a deliberately small heuristic: a run of two
or more capitalised words (a full name, optionally with a title) in a sentence that also has
a person-ish word ("born", "said", "he", "president", ...).
"""

from __future__ import annotations

import re
from typing import Literal

from notes_pipeline.domain.models import Scene

PolicyName = Literal["standard", "public-figure"]

# A title before a name ("Dr. Ada Lovelace") or a full name of 2-4 capitalised words ("Marie Curie").
_TITLE = r"(?:Dr|Mr|Mrs|Ms|Prof|Sir|Dame|President|King|Queen|Saint|St)\.?\s+"
_NAME_WORD = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_NAME = re.compile(rf"(?:{_TITLE}{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}|{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}})")
_TITLED = re.compile(rf"\b{_TITLE}{_NAME_WORD}")
_PERSON_CONTEXT = re.compile(
    r"\b(?:he|she|his|her|him|born|died|said|says|wrote|invented|discovered|founded|married|biography|"
    r"president|minister|scientist|physicist|chemist|mathematician|author|writer|artist|painter|singer|actor|"
    r"actress|politician|leader|emperor|inventor|philosopher|poet)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def mentions_real_people(text: str) -> bool:
    """True when a sentence names someone: a titled name, or a full name beside a person-ish word.

    A full name at the very start of a sentence counts only with its second word capitalised too,
    so "Solar panels turn light..." is not a name, while "Marie Curie was born..." is.
    """
    if _TITLED.search(text):  # before splitting: "Dr." would end a sentence
        return True
    for sentence in _SENTENCE.split(text):
        if _PERSON_CONTEXT.search(sentence) and _NAME.search(sentence):
            return True
    return False


def allows_ai_imagery(scene: Scene) -> bool:
    """Whether an AI image generator or video model may draw this scene."""
    return not (scene.real_people or scene.search_query)


def policy_for(scene: Scene) -> PolicyName:
    """The policy a scene's picture was chosen under, as provenance records it."""
    return "standard" if allows_ai_imagery(scene) else "public-figure"

"""What kind of video a prompt asks for (an ad, an explainer with a quiz, a tribute), what to tell the model, and
how to check that the answer is one.

A request is short ("coffee cup ad", "end with a 3-question quiz"); the kind decides the script's
shape, so it is detected from the request's own words, the model is told the shape in plain rules,
and the answer is checked against that shape like any other rule: a quiz without questions, an ad
without a call to action or a tribute that sells something goes back to the model with the exact
problem (the shared repair loop in structured.py), and after three answers to the next writer.
"""

from __future__ import annotations

import re
from enum import StrEnum

from notes_pipeline.domain.models import Script


class ScriptKind(StrEnum):
    AD = "ad"
    QUIZ = "quiz"  # an explainer whose questions and answers are scenes
    TRIBUTE = "tribute"


# Checked in this order: "an explainer ... end with a quiz" and "a tribute with a short quiz" are quizzes.
_KIND_WORDS = {
    ScriptKind.QUIZ: re.compile(
        r"\b(?:quiz(?:zes)?|trivia|test (?:yourself|your knowledge)|\d+[- ]questions?|"
        r"questions? and answers?|q ?& ?a)\b|प्रश्नोत्तरी|क्विज़?|کوئز",
        re.IGNORECASE,
    ),
    ScriptKind.TRIBUTE: re.compile(
        r"\b(?:tribute|in (?:loving )?memory of|memorial|obituary|eulogy|remembering|"
        r"honou?ring|celebrat(?:e|es|ing) the life)\b|श्रद्धांजलि|خراج تحسین",
        re.IGNORECASE,
    ),
    ScriptKind.AD: re.compile(
        r"\b(?:ads?|advert(?:isement)?s?|commercials?|promos?|promotional|sales pitch|"
        r"marketing (?:video|spot)|spot for)\b|विज्ञापन|اشتہار",
        re.IGNORECASE,
    ),
}

INSTRUCTIONS = {
    ScriptKind.AD: [
        "This is an ad. Scene 1 is the hook: one short line (a question or a striking claim) that makes a viewer stay.",
        "The middle scenes give the benefits to the viewer (what it does for them), one per scene, concrete.",
        "The last scene is the call to action: tell the viewer what to do next (try it, order, visit, download, "
        "sign up, ...), in the imperative.",
    ],
    ScriptKind.QUIZ: [
        "This is an explainer that ends with a quiz. First explain the topic in a few scenes.",
        "Then each quiz question is its own scene: its narration asks one question ending in '?', and the next "
        "scene gives the answer with a one-sentence reason. Headings 'Question 1', 'Answer 1', and so on.",
        "Ask as many questions as the request says (three when it does not say), each answered by what the "
        "explainer scenes taught.",
    ],
    ScriptKind.TRIBUTE: [
        "This is a tribute. Warm and respectful: who they are or were, what they did, and why it mattered to "
        "others, with real facts only.",
        "The last scene honours their legacy (what is remembered, carried on or owed to them). Nothing is sold: "
        "no offers, prices or calls to buy.",
    ],
}

_QUESTION_COUNT = re.compile(r"\b(\d+|one|two|three|four|five|six)[- ](?:question|q)\b", re.IGNORECASE)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_CALL_TO_ACTION = re.compile(
    r"\b(?:try|buy|order|visit|get|grab|call|join|sign up|subscribe|download|book|shop|find|pick up|start|"
    r"discover|taste|brew|pour|claim|register|reserve|follow|install|ask for|look for|head to|come (?:in|to|by))\b"
    r"|\b(?:today|now|this week)\b[.!]",
    re.IGNORECASE,
)
_SELLING = re.compile(
    r"\b(?:buy now|order now|discount|\d+% off|sale ends|limited offer|promo code|free shipping)\b", re.IGNORECASE
)
_LEGACY = re.compile(
    r"\b(?:legacy|remember(?:ed|s)?|honou?r(?:ed|s)?|tribute|memory|inspired|inspires|"
    r"carr(?:y|ies|ied) on|owe|thank(?:s| you)?|lives on|celebrat\w*)\b",
    re.IGNORECASE,
)


def detect_kind(request: str) -> ScriptKind | None:
    """The kind of script a prompt asks for, from its own words; None for any other video (a plain explainer)."""
    for kind, words in _KIND_WORDS.items():
        if words.search(request):
            return kind
    return None


def questions_asked(request: str) -> int:
    """How many quiz questions the request wants ("a 3-question quiz"); three when it does not say."""
    match = _QUESTION_COUNT.search(request)
    if not match:
        return 3
    word = match.group(1).lower()
    return min(6, int(word) if word.isdigit() else _NUMBER_WORDS[word])


def instructions(kind: ScriptKind | None, request: str) -> list[str]:
    """The kind's rules for the request to the model ([] for a plain explainer)."""
    if kind is None:
        return []
    rules = list(INSTRUCTIONS[kind])
    if kind is ScriptKind.QUIZ:
        rules[2] = f"Ask {questions_asked(request)} questions, each answered by what the explainer scenes taught."
    return rules


def _quiz_problems(script: Script, wanted: int) -> list[str]:
    scenes = script.scenes
    asked = [
        i
        for i, s in enumerate(scenes)
        if s.narration.rstrip().endswith("?")
        or (s.narration.count("?") and s.heading.lower().startswith(("question", "quiz")))
    ]
    answered = [i for i in asked if i + 1 < len(scenes) and "?" not in scenes[i + 1].narration]
    problems = []
    if len(answered) < min(wanted, 2):
        problems.append(
            f"a quiz script needs {wanted} questions, each a scene whose narration asks one question "
            f"ending in '?' followed by a scene with its answer; found {len(answered)}"
        )
    if asked and asked[0] == 0:
        problems.append("the quiz starts before anything is explained: explain the topic in the first scenes")
    return problems


def kind_problems(kind: ScriptKind | None, script: Script, request: str) -> list[str]:
    """Why `script` is not the kind of video the request asked for ([] when it is, or when no kind was asked)."""
    if kind is None or not script.scenes:
        return []
    if kind is ScriptKind.QUIZ:
        return _quiz_problems(script, questions_asked(request))
    narration = " ".join(s.narration for s in script.scenes)
    if kind is ScriptKind.AD:
        problems = []
        if len(script.scenes) < 3:
            problems.append("an ad needs at least three scenes: a hook, the benefits and a call to action")
        first = re.split(r"(?<=[.!?])\s", script.scenes[0].narration.strip())[0]
        if len(first.split()) > 16:
            problems.append(
                "an ad opens with a hook: make the first line of scene 1 short (under 16 words), "
                "a question or a striking claim"
            )
        if not _CALL_TO_ACTION.search(script.scenes[-1].narration):
            problems.append(
                "an ad ends with a call to action: the last scene must tell the viewer what to do next "
                "(try, order, visit, sign up, ...)"
            )
        return problems
    problems = []
    if _SELLING.search(narration):
        problems.append("a tribute sells nothing: remove offers, prices and calls to buy")
    if not _LEGACY.search(" ".join(s.narration for s in script.scenes[-2:])):
        problems.append("a tribute closes by honouring the person's legacy (what is remembered or carried on)")
    return problems

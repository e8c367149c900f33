"""The script as Gemini is asked to write it, and the way back to the domain `Script`.

A separate model from `domain.models.Script` on purpose: Gemini's response schema takes a
subset of JSON Schema (no patterns, no cross-field rules), and fields such as `index`,
`language` and `writer` are ours to fill, not the model's. Everything the schema cannot
say is checked after parsing, and each problem is worded so it can be sent back to the
model in a repair request.
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, Field, ValidationError

from notes_pipeline.domain.models import Script
from notes_pipeline.domain.script_validation import describe_validation_error


class GeminiScene(BaseModel):
    heading: str = Field(description="On-screen heading, at most 8 words.")
    narration: str = Field(description="What the narrator says in this scene: complete spoken sentences.")
    bullets: list[str] = Field(description="Up to 4 on-screen points of at most 8 words each.")
    image_prompt: str | None = Field(
        None, description="English prompt for an illustration; null when search_query is set."
    )
    search_query: str | None = Field(
        None, description="English web image search query, only for real people, places or events; else null."
    )
    visual_query: str | None = Field(
        None, description="2-5 English words to search stock photo and video libraries for this scene's picture."
    )
    real_people: bool = Field(
        False, description="True when the scene is about real, named people (no AI-drawn faces for them)."
    )


class GeminiScript(BaseModel):
    title: str = Field(description="Title of the video.")
    summary: str = Field(description="One or two sentences on what the viewer learns.")
    objectives: list[str] = Field(description="2-4 learning objectives (or key messages).")
    scenes: list[GeminiScene] = Field(description="3 to 15 scenes in the order they are shown.")


class AnswerError(ValueError):
    """The answer could not become a Script; `problems` are sentences the model can act on."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def extract_json(text: str) -> str:
    """The JSON object in an answer that may wrap it in a code fence or a sentence (grounded answers)."""
    fenced = _FENCE.search(text)
    candidate = fenced.group(1) if fenced else text
    start, end = candidate.find("{"), candidate.rfind("}")
    return candidate[start : end + 1] if start != -1 and end > start else candidate.strip()


def parse_answer(text: str | None, *, finish_reason: str | None = None) -> GeminiScript:
    """Gemini's text as a GeminiScript, or AnswerError saying what is wrong with it."""
    if not text or not text.strip():
        raise AnswerError([f"the answer was empty (finish reason {finish_reason or 'unknown'})"])
    cut_off = finish_reason == "MAX_TOKENS"
    try:
        data = json.loads(extract_json(text))
    except json.JSONDecodeError as err:
        why = (
            "it was cut off before the end: write shorter narration" if cut_off else f"{err.msg} at character {err.pos}"
        )
        raise AnswerError([f"the answer is not valid JSON ({why})"]) from None
    try:
        return GeminiScript.model_validate(data)
    except ValidationError as err:
        raise AnswerError(
            ["the answer does not match the schema: " + p for p in describe_validation_error(err)]
        ) from None


def to_script(draft: GeminiScript, *, language: str, writer: str) -> Script:
    """Number the scenes and fill our own fields; AnswerError when the shape rules fail (e.g. 2 scenes)."""

    def clean(value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None

    try:
        return Script.model_validate(
            {
                "title": draft.title.strip(),
                "summary": draft.summary.strip(),
                "objectives": [o.strip() for o in draft.objectives if o.strip()],
                "language": language,
                "writer": writer,
                "scenes": [
                    {
                        "index": i,
                        "heading": s.heading.strip(),
                        "narration": s.narration.strip(),
                        "bullets": [b.strip() for b in s.bullets if b.strip()],
                        "image_prompt": None if clean(s.search_query) else clean(s.image_prompt),
                        "search_query": clean(s.search_query),
                        "real_people": bool(s.real_people),
                        **({"visual_query": q[:120]} if (q := clean(s.visual_query)) else {}),
                    }
                    for i, s in enumerate(draft.scenes, 1)
                ],
            }
        )
    except ValidationError as err:
        raise AnswerError(describe_validation_error(err)) from None

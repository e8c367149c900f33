"""Gemini's generateContent wire format for the StubServer: answers as the real API shapes them.

    with StubServer(gemini_handler(script_json(...))) as stub:
        stub.script(gemini_reply("{not json"), gemini_reply(good))   # per request, in order
        client = genai.Client(api_key=..., http_options=HttpOptions(base_url=stub.url))

The SDK posts to /v1/models/<model>:generateContent or /v1beta/...; both are served.
"""

from __future__ import annotations

import json
import re
from typing import Any

from notes_pipeline_tests.providers.stubs.server import Recorded, Reply

GENERATE = re.compile(r"^/v1(?:beta)?/models/(?P<model>[^/:]+):generateContent$")


def gemini_reply(text: str, *, finish: str = "STOP", prompt_tokens: int = 120, output_tokens: int = 80) -> Reply:
    return Reply.json(
        {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": finish, "index": 0}
            ],
            "usageMetadata": {
                "promptTokenCount": prompt_tokens,
                "candidatesTokenCount": output_tokens,
                "totalTokenCount": prompt_tokens + output_tokens,
            },
            "modelVersion": "stub",
        }
    )


def script_json(
    title: str,
    scenes: list[tuple[str, str]],
    *,
    summary: str = "",
    objectives: list[str] | None = None,
    search: dict[int, str] | None = None,
) -> str:
    """A script answer: (heading, narration) per scene; `search` gives scene n (1-based) a search query."""
    search = search or {}
    return json.dumps(
        {
            "title": title,
            "summary": summary or scenes[0][1],
            "objectives": objectives or [h for h, _ in scenes[:3]],
            "scenes": [
                {
                    "heading": h,
                    "narration": n,
                    "bullets": [h],
                    "image_prompt": None if i in search else f"illustration of {h.lower()}",
                    "search_query": search.get(i),
                }
                for i, (h, n) in enumerate(scenes, 1)
            ],
        },
        ensure_ascii=False,
    )


def gemini_handler(default_text: str) -> Any:
    """Answers every generateContent with `default_text`; anything else is a 404 like the real API."""

    def handle(request: Recorded) -> Reply:
        if request.method == "POST" and GENERATE.match(request.route):
            return gemini_reply(default_text)
        return Reply.error(404, f"no route {request.route}")

    return handle


def texts_of(request: Recorded) -> list[str]:
    """The text of every turn the SDK sent, in order (user, model, user for a repair)."""
    return [part.get("text", "") for turn in request.json()["contents"] for part in turn["parts"]]

"""Ollama's /api/chat and OpenAI's /v1/chat/completions wire formats for the StubServer."""

from __future__ import annotations

from typing import Any

from notes_pipeline_tests.providers.stubs.server import Recorded, Reply


def ollama_reply(text: str, *, done_reason: str = "stop") -> Reply:
    return Reply.json(
        {
            "model": "stub",
            "created_at": "2026-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": text},
            "done": True,
            "done_reason": done_reason,
            "prompt_eval_count": 210,
            "eval_count": 95,
        }
    )


def openai_reply(text: str, *, finish_reason: str = "stop") -> Reply:
    return Reply.json(
        {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "model": "stub",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason}
            ],
            "usage": {"prompt_tokens": 200, "completion_tokens": 90, "total_tokens": 290},
        }
    )


def chat_handler(default_text: str) -> Any:
    """Answers /api/chat as Ollama and /v1/chat/completions as an OpenAI-compatible server, with `default_text`."""

    def handle(request: Recorded) -> Reply:
        if request.method == "POST" and request.route == "/api/chat":
            return ollama_reply(default_text)
        if request.method == "POST" and request.route == "/v1/chat/completions":
            return openai_reply(default_text)
        return Reply.error(404, f"no route {request.route}")

    return handle


def messages_of(request: Recorded) -> list[dict[str, str]]:
    return request.json()["messages"]

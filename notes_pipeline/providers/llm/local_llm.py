"""A local LLM as a script writer: Ollama's chat API, or any OpenAI-compatible server.

Ollama (`POST {host}/api/chat`, the script's JSON Schema in `format`) and the servers that
speak OpenAI's `POST {base}/chat/completions` with `response_format` json_schema (LM Studio,
vLLM, llama.cpp's server) write scripts as Gemini does, through the same loop of validation,
repair and regeneration (`structured.py`) and the same HTTP policy. The address comes from
the environment (OLLAMA_HOST, OPENAI_BASE_URL), the model from providers.yaml.
"""

from __future__ import annotations

import time
from typing import Any

from notes_pipeline.domain.models import NotesDocument
from notes_pipeline.providers.config import HttpConfig, LocalLLMConfig
from notes_pipeline.providers.http.client import HttpClient, HttpResponse
from notes_pipeline.providers.http.errors import UnexpectedContentError
from notes_pipeline.providers.http.retry import Sleep
from notes_pipeline.providers.llm.gemini_schema import GeminiScript
from notes_pipeline.providers.llm.prompts import SYSTEM_INSTRUCTION, Plan
from notes_pipeline.providers.llm.structured import (
    MAX_OUTPUT_TOKENS,
    ModelAnswer,
    ModelChoice,
    StructuredScriptWriter,
    Turn,
)

SCRIPT_SCHEMA = GeminiScript.model_json_schema()
# Finish reasons that mean "cut off at the token limit", in Gemini's word (what parse_answer reads).
_CUT_OFF = {"length": "MAX_TOKENS"}


def _messages(turns: list[Turn]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM_INSTRUCTION},
        *({"role": "assistant" if role == "model" else "user", "content": text} for role, text in turns),
    ]


class _ChatWriter(StructuredScriptWriter):
    """What the two local APIs share: one model from the config, one HTTP client, no routing."""

    def __init__(
        self,
        config: LocalLLMConfig,
        *,
        base_url: str,
        api_key: str | None = None,
        http: HttpConfig | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.config = config
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self._secrets = tuple(s for s in (api_key,) if s)
        timeouts = (http or HttpConfig()).model_copy(update={"read_timeout_s": config.timeout_s})
        self.client = HttpClient(self.name, timeouts, secrets=self._secrets, sleep=sleep)
        self.temperature, self.regenerate_temperature = config.temperature, config.regenerate_temperature

    def choose(self, document: NotesDocument, plan: Plan) -> ModelChoice:
        return ModelChoice(self.config.model, "the configured local model")

    def _post(self, path: str, body: dict[str, Any]) -> HttpResponse:
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        return self.client.request(
            "POST", f"{self.base_url}{path}", json=body, headers=headers, expect=("application/json",)
        )

    def _malformed(self, response: HttpResponse, why: str) -> UnexpectedContentError:
        return UnexpectedContentError(
            f"{self.name}: the answer is not a chat completion ({why})",
            provider=self.name,
            status=response.status,
            attempts=response.attempts,
        )


class OllamaScriptWriter(_ChatWriter):
    name = "ollama"
    needs = (("ollama_host",),)

    def generate(self, choice: ModelChoice, turns: list[Turn], *, temperature: float) -> tuple[ModelAnswer, int]:
        response = self._post(
            "/api/chat",
            {
                "model": choice.model,
                "messages": _messages(turns),
                "stream": False,
                "format": SCRIPT_SCHEMA,
                "options": {
                    "temperature": temperature,
                    "num_predict": MAX_OUTPUT_TOKENS,
                    **({"num_ctx": self.config.context_tokens} if self.config.context_tokens else {}),
                },
            },
        )
        answer = response.json()
        message = answer.get("message") if isinstance(answer, dict) else None
        if not isinstance(message, dict):
            raise self._malformed(response, "no message")
        reason = answer.get("done_reason")
        return ModelAnswer(
            text=message.get("content"),
            finish_reason=_CUT_OFF.get(reason, reason),
            prompt_tokens=answer.get("prompt_eval_count"),
            output_tokens=answer.get("eval_count"),
        ), response.attempts


class OpenAICompatibleScriptWriter(_ChatWriter):
    name = "openai_compatible"
    needs = (("openai_base_url",),)

    def generate(self, choice: ModelChoice, turns: list[Turn], *, temperature: float) -> tuple[ModelAnswer, int]:
        response = self._post(
            "/chat/completions",
            {
                "model": choice.model,
                "messages": _messages(turns),
                "temperature": temperature,
                "max_tokens": MAX_OUTPUT_TOKENS,
                "response_format": {"type": "json_schema", "json_schema": {"name": "script", "schema": SCRIPT_SCHEMA}},
            },
        )
        answer = response.json()
        choices = answer.get("choices") if isinstance(answer, dict) else None
        first = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else None
        if first is None or not isinstance(first.get("message"), dict):
            raise self._malformed(response, "no choices[0].message")
        usage = answer.get("usage") if isinstance(answer.get("usage"), dict) else {}
        reason = first.get("finish_reason")
        return ModelAnswer(
            text=first["message"].get("content"),
            finish_reason=_CUT_OFF.get(reason, reason),
            prompt_tokens=usage.get("prompt_tokens"),
            output_tokens=usage.get("completion_tokens"),
        ), response.attempts

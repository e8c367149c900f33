"""Gemini (google-genai) as a script writer: structured JSON, validated, repaired, regenerated.

The loop (generate, repair, regenerate, every attempt recorded) is `structured.py`'s; here
is what is Gemini's own: which model writes (fast, strong or grounded, see routing.py) and
one generateContent call through the SDK under the shared HTTP policy. The SDK's
`response.parsed` is not used: it is silently None on malformed or off-schema JSON.
"""

from __future__ import annotations

import random
import time

from google import genai
from google.genai import types

from notes_pipeline.domain.models import NotesDocument
from notes_pipeline.providers.config import GeminiConfig, HttpConfig
from notes_pipeline.providers.google_errors import genai_call, genai_http_options
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.retry import Clock, Sleep
from notes_pipeline.providers.llm.gemini_schema import GeminiScript
from notes_pipeline.providers.llm.prompts import SYSTEM_INSTRUCTION, Plan
from notes_pipeline.providers.llm.routing import Route, route
from notes_pipeline.providers.llm.structured import (
    MAX_OUTPUT_TOKENS,
    ModelAnswer,
    ModelChoice,
    StructuredScriptWriter,
    Turn,
)


def _content(turn: Turn) -> types.Content:
    role, text = turn
    return types.Content(role=role, parts=[types.Part(text=text)])


class GeminiScriptWriter(StructuredScriptWriter):
    name = "gemini"
    needs = (("gemini_api_key",),)

    def __init__(
        self,
        config: GeminiConfig,
        *,
        api_key: str,
        http: HttpConfig | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._client = genai.Client(
            api_key=api_key, http_options=genai_http_options(base_url=config.base_url, timeout_s=config.timeout_s)
        )
        # The SDK sends the request; the shared policy decides on retries, waits and the breaker.
        self._policy = HttpClient("gemini", http, secrets=[api_key], sleep=sleep, clock=clock, rng=rng)
        self._secrets = (api_key,)
        self.temperature, self.regenerate_temperature = config.temperature, config.regenerate_temperature

    # ---- one model call under the policy -------------------------------------------------
    def generate(self, choice: ModelChoice, turns: list[Turn], *, temperature: float) -> tuple[ModelAnswer, int]:
        model, grounded, contents = choice.model, choice.grounded, [_content(t) for t in turns]
        settings = dict(
            system_instruction=SYSTEM_INSTRUCTION, temperature=temperature, max_output_tokens=MAX_OUTPUT_TOKENS
        )
        if grounded:
            # Search grounding and a response schema do not combine: the schema is in the prompt instead.
            config = types.GenerateContentConfig(**settings, tools=[types.Tool(google_search=types.GoogleSearch())])
        else:
            config = types.GenerateContentConfig(
                **settings, response_mime_type="application/json", response_schema=GeminiScript
            )

        def attempt() -> ModelAnswer:
            response = genai_call(
                lambda: self._client.models.generate_content(model=model, contents=contents, config=config)
            )
            candidate = response.candidates[0] if response.candidates else None
            usage = response.usage_metadata
            return ModelAnswer(
                text=response.text if candidate else None,
                finish_reason=str(candidate.finish_reason.value) if candidate and candidate.finish_reason else None,
                prompt_tokens=usage.prompt_token_count if usage else None,
                output_tokens=usage.candidates_token_count if usage else None,
            )

        answer, report = self._policy.call(f"generateContent {model}", attempt)
        return answer, report.attempts

    # ---- the writer --------------------------------------------------------------------
    def plan(self, document: NotesDocument) -> tuple[Plan, Route]:
        plan = self.target_plan(document)
        return plan, route(document, self.config, translates=plan.translates)

    def choose(self, document: NotesDocument, plan: Plan) -> ModelChoice:
        chosen = route(document, self.config, translates=plan.translates)
        return ModelChoice(chosen.model, chosen.reason, grounded=chosen.grounded)

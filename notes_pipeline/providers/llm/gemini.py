"""Gemini (google-genai) as a script writer: structured JSON, validated, repaired, regenerated.

One document takes at most three model answers: a first try against the response schema,
a repair request that sends the model its own answer and the exact problems, and a fresh
regeneration at a lower temperature with the broken rules stated up front. Each answer is
parsed and validated explicitly (the SDK's `response.parsed` is silently None on malformed
or off-schema JSON). If none passes, ScriptWriterError carries every attempt to the next
writer in the chain (the local writer). Transport failures (429, 5xx, timeouts) are retried
under the shared HTTP policy (`providers/http.py`: backoff, Retry-After, circuit breaker)
and, once it gives up, end this writer's turn at once: a repair cannot help a server that
is down.
"""

from __future__ import annotations

import importlib
import logging
import random
import time
from dataclasses import dataclass

from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from notes_pipeline.domain.language import detect_language
from notes_pipeline.domain.models import NotesDocument, Script, ScriptAttempt
from notes_pipeline.domain.notes_text import parse_notes
from notes_pipeline.domain.script_validation import validate_script
from notes_pipeline.providers.config import GeminiConfig, HttpConfig
from notes_pipeline.providers.http import (
    BREAKER_STATUSES,
    Clock,
    Failure,
    HttpClient,
    HttpError,
    Sleep,
    parse_retry_after,
    redact,
)
from notes_pipeline.providers.llm.base import ScriptWriterError, WrittenScript
from notes_pipeline.providers.llm.gemini_schema import AnswerError, GeminiScript, parse_answer, to_script
from notes_pipeline.providers.llm.local import default_target_seconds
from notes_pipeline.providers.llm.prompts import (
    SYSTEM_INSTRUCTION,
    Plan,
    plan_for,
    regenerate_note,
    repair_text,
    request_text,
)
from notes_pipeline.providers.llm.routing import Route, route

log = logging.getLogger(__name__)

PROMPT_SECONDS = 60.0  # a prompt without a target duration becomes a one-minute video
MAX_OUTPUT_TOKENS = 8192


def _transport_errors() -> tuple[type[BaseException], ...]:
    """The HTTP library's own errors, which the SDK lets through unwrapped (timeouts, refused connections)."""
    found: list[type[BaseException]] = [TimeoutError, ConnectionError]
    for module in ("httpx2", "httpx"):  # google-genai uses one of them, depending on its version
        try:
            found.append(importlib.import_module(module).TransportError)
        except (ImportError, AttributeError):
            pass
    return tuple(found)


_TRANSPORT_ERRORS = _transport_errors()


@dataclass
class _Answer:
    text: str | None
    finish_reason: str | None
    prompt_tokens: int | None
    output_tokens: int | None


def _user(text: str) -> types.Content:
    return types.Content(role="user", parts=[types.Part(text=text)])


def _model(text: str) -> types.Content:
    return types.Content(role="model", parts=[types.Part(text=text)])


class GeminiScriptWriter:
    name = "gemini"

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
            api_key=api_key,
            http_options=types.HttpOptions(base_url=config.base_url, timeout=int(config.timeout_s * 1000)),
        )
        # The SDK sends the request; the shared policy decides on retries, waits and the breaker.
        self._policy = HttpClient("gemini", http, secrets=[api_key], sleep=sleep, clock=clock, rng=rng)
        self._secrets = (api_key,)

    # ---- one model call under the policy -------------------------------------------------
    def _generate(self, model: str, contents: list[types.Content], *, temperature: float,
                  grounded: bool) -> tuple[_Answer, int]:
        settings = dict(system_instruction=SYSTEM_INSTRUCTION, temperature=temperature,
                        max_output_tokens=MAX_OUTPUT_TOKENS)
        if grounded:
            # Search grounding and a response schema do not combine: the schema is in the prompt instead.
            config = types.GenerateContentConfig(**settings, tools=[types.Tool(google_search=types.GoogleSearch())])
        else:
            config = types.GenerateContentConfig(**settings, response_mime_type="application/json",
                                                 response_schema=GeminiScript)

        def attempt() -> _Answer:
            try:
                response = self._client.models.generate_content(model=model, contents=contents, config=config)
            except genai_errors.APIError as err:
                raise self._failure(err) from None
            except _TRANSPORT_ERRORS as err:
                raise Failure(f"failed in transport ({type(err).__name__})", retryable=True) from None
            candidate = response.candidates[0] if response.candidates else None
            usage = response.usage_metadata
            return _Answer(
                text=response.text if candidate else None,
                finish_reason=str(candidate.finish_reason.value) if candidate and candidate.finish_reason else None,
                prompt_tokens=usage.prompt_token_count if usage else None,
                output_tokens=usage.candidates_token_count if usage else None,
            )

        answer, report = self._policy.call(f"generateContent {model}", attempt)
        return answer, report.attempts

    @staticmethod
    def _failure(err: genai_errors.APIError) -> Failure:
        code = int(err.code or 0)
        headers = getattr(err.response, "headers", None) or {}
        reason = f"answered {code} {err.status or ''}".strip()
        if code == 429 or code >= 500:
            return Failure(reason, retryable=True, status=code, retry_after_s=parse_retry_after(headers.get("retry-after")))
        return Failure(reason, retryable=False, status=code, counts_for_breaker=code in BREAKER_STATUSES)

    # ---- the writer --------------------------------------------------------------------
    def plan(self, document: NotesDocument) -> tuple[Plan, Route]:
        source_language = detect_language(document.text)
        if document.options.target_duration_s:
            seconds = document.options.target_duration_s
        elif document.kind == "prompt":
            seconds = PROMPT_SECONDS
        else:
            outline = parse_notes(document.text, markdown=not document.source_name.lower().endswith(".txt"))
            seconds = default_target_seconds(outline.word_count, document.options.words_per_minute)
        plan = plan_for(document, source_language=source_language, target_seconds=seconds)
        return plan, route(document, self.config, translates=plan.translates)

    def write(self, document: NotesDocument) -> Script:
        return self.write_recorded(document).script

    def write_recorded(self, document: NotesDocument) -> WrittenScript:
        plan, chosen = self.plan(document)
        log.info("gemini: %s for %s (%s)", chosen.model, document.doc_id, chosen.reason)
        request = request_text(document, plan, schema_in_prompt=chosen.grounded)
        attempts: list[ScriptAttempt] = []

        def run(step: str, contents: list[types.Content], temperature: float) -> tuple[Script | None, _Answer | None, list[str]]:
            started = time.perf_counter()
            try:
                answer, calls = self._generate(chosen.model, contents, temperature=temperature,
                                               grounded=chosen.grounded)
            except HttpError as err:
                attempts.append(ScriptAttempt(writer=self.name, model=chosen.model, step=step, outcome="error",
                                              latency_s=round(time.perf_counter() - started, 4), calls=err.attempts,
                                              problems=[redact(str(err), self._secrets)]))
                raise ScriptWriterError(f"gemini gave up at the {step} step: {redact(str(err), self._secrets)}",
                                        attempts) from None
            script, problems = self._check(answer, document, plan, chosen)
            attempts.append(ScriptAttempt(
                writer=self.name, model=chosen.model, step=step, outcome="ok" if script else "invalid",
                latency_s=round(time.perf_counter() - started, 4), calls=calls,
                prompt_tokens=answer.prompt_tokens, output_tokens=answer.output_tokens, problems=problems))
            return script, answer, problems

        script, answer, problems = run("generate", [_user(request)], self.config.temperature)
        if script:
            return WrittenScript(script, attempts)
        if answer and answer.text:
            script, _, repair_problems = run(
                "repair", [_user(request), _model(answer.text), _user(repair_text(problems))], self.config.temperature)
            if script:
                return WrittenScript(script, attempts)
            problems = repair_problems
        script, _, problems = run("regenerate", [_user(request + regenerate_note(problems))],
                                  self.config.regenerate_temperature)
        if script:
            return WrittenScript(script, attempts)
        raise ScriptWriterError(f"gemini wrote no valid script in {len(attempts)} answers; last problems: "
                                + "; ".join(problems[:5]), attempts)

    def _check(self, answer: _Answer, document: NotesDocument, plan: Plan, chosen: Route) -> tuple[Script | None, list[str]]:
        try:
            script = to_script(parse_answer(answer.text, finish_reason=answer.finish_reason),
                               language=plan.language, writer=f"{self.name}:{chosen.model}")
        except AnswerError as err:
            return None, err.problems
        problems = validate_script(
            script, document.text, words_per_minute=document.options.words_per_minute, generated=True,
            source_language=plan.source_language, is_prompt=document.kind == "prompt",
            target_words=plan.target_words if plan.length_required else None)
        return (None, problems) if problems else (script, [])

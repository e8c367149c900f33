"""The loop every LLM script writer shares: generate, validate, repair, regenerate, record each try.

One document takes at most three model answers: a first try against the response schema,
a repair request that sends the model its own answer and the exact problems, and a fresh
regeneration at a lower temperature with the broken rules stated up front. Each answer is
parsed and validated explicitly (a prompt injection the model obeyed is one more problem).
If none passes, ScriptWriterError carries every attempt to the next writer in the chain.
Transport failures are retried under the shared HTTP policy (`providers/http/`) and, once
it gives up, end this writer's turn at once: a repair cannot help a server that is down.
A subclass only says which model to use and how one call goes over the wire.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Literal

from notes_pipeline.domain.language import detect_language
from notes_pipeline.domain.models import NotesDocument, Script, ScriptAttempt
from notes_pipeline.domain.notes_text import parse_notes
from notes_pipeline.domain.script_validation import validate_script
from notes_pipeline.domain.speaking_rate import espeak_rate
from notes_pipeline.domain.speech import addressed_to_model
from notes_pipeline.providers.http.errors import HttpError, redact
from notes_pipeline.providers.llm.base import ScriptWriterError, WrittenScript
from notes_pipeline.providers.llm.gemini_schema import AnswerError, parse_answer, to_script
from notes_pipeline.providers.llm.local import LENGTH_TOLERANCE, default_target
from notes_pipeline.providers.llm.prompts import Plan, plan_for, regenerate_note, repair_text, request_text
from notes_pipeline.providers.llm.script_kinds import detect_kind, kind_problems

log = logging.getLogger(__name__)

PROMPT_SECONDS = 60.0  # a prompt without a target duration becomes a one-minute video
RATE_SAMPLE_WORDS = 40  # notes shorter than this say too little about how fast they will be spoken
MAX_OUTPUT_TOKENS = 8192

Turn = tuple[Literal["user", "model"], str]


@dataclass
class ModelAnswer:
    text: str | None
    finish_reason: str | None
    prompt_tokens: int | None
    output_tokens: int | None


@dataclass(frozen=True)
class ModelChoice:
    """Which model answers, why, and whether it may search (the schema then travels in the prompt)."""

    model: str
    reason: str
    grounded: bool = False


class StructuredScriptWriter:
    """Base of the LLM writers; subclasses set `name`, the temperatures and `_secrets`, and implement two calls."""

    name: str
    temperature: float
    regenerate_temperature: float
    _secrets: tuple[str, ...] = ()

    def choose(self, document: NotesDocument, plan: Plan) -> ModelChoice:
        raise NotImplementedError

    def generate(self, choice: ModelChoice, turns: list[Turn], *, temperature: float) -> tuple[ModelAnswer, int]:
        """One answer (and the HTTP attempts it took) under the shared policy; HttpError when it gave up."""
        raise NotImplementedError

    def target_plan(self, document: NotesDocument) -> Plan:
        """Length from the options, else a minute for a prompt, else from the notes' length as the narrator says them.

        The words asked for follow the narrator's real rate on the notes' own text (numbers,
        abbreviations and long words are said slower than a nominal words per minute).
        """
        source_language = detect_language(document.text)
        wpm, said = None, ""
        if document.kind != "prompt":
            outline = parse_notes(document.text, markdown=not document.source_name.lower().endswith(".txt"))
            said = " ".join(t for section in outline.sections for t in section.sentences(source_language))
            model = espeak_rate(source_language)
            if len(said.split()) >= RATE_SAMPLE_WORDS and source_language == document.language:
                wpm = max(90.0, min(200.0, model.words_per_minute(said, source_language)))
        if document.options.target_duration_s:
            seconds = document.options.target_duration_s
        elif document.kind == "prompt":
            seconds = PROMPT_SECONDS
        else:
            seconds = default_target(
                espeak_rate(source_language).speech_seconds(said, source_language) if said.strip() else 0.0
            )
        return plan_for(document, source_language=source_language, target_seconds=seconds, words_per_minute=wpm)

    def write(self, document: NotesDocument) -> Script:
        return self.write_recorded(document).script

    def write_recorded(self, document: NotesDocument) -> WrittenScript:
        plan = self.target_plan(document)
        chosen = self.choose(document, plan)
        log.info("%s: %s for %s (%s)", self.name, chosen.model, document.doc_id, chosen.reason)
        request = request_text(document, plan, schema_in_prompt=chosen.grounded)
        attempts: list[ScriptAttempt] = []

        def run(
            step: str, turns: list[Turn], temperature: float
        ) -> tuple[Script | None, ModelAnswer | None, list[str]]:
            started = time.perf_counter()
            try:
                answer, calls = self.generate(chosen, turns, temperature=temperature)
            except HttpError as err:
                reason = redact(str(err), self._secrets)
                attempts.append(
                    ScriptAttempt(
                        writer=self.name,
                        model=chosen.model,
                        step=step,
                        outcome="error",
                        latency_s=round(time.perf_counter() - started, 4),
                        calls=err.attempts,
                        problems=[reason],
                    )
                )
                raise ScriptWriterError(f"{self.name} gave up at the {step} step: {reason}", attempts) from None
            script, problems = self._check(answer, document, plan, chosen)
            attempts.append(
                ScriptAttempt(
                    writer=self.name,
                    model=chosen.model,
                    step=step,
                    outcome="ok" if script else "invalid",
                    latency_s=round(time.perf_counter() - started, 4),
                    calls=calls,
                    prompt_tokens=answer.prompt_tokens,
                    output_tokens=answer.output_tokens,
                    problems=problems,
                )
            )
            return script, answer, problems

        script, answer, problems = run("generate", [("user", request)], self.temperature)
        if script:
            return WrittenScript(script, attempts)
        if answer and answer.text:
            script, _, repair_problems = run(
                "repair", [("user", request), ("model", answer.text), ("user", repair_text(problems))], self.temperature
            )
            if script:
                return WrittenScript(script, attempts)
            problems = repair_problems
        script, _, problems = run(
            "regenerate", [("user", request + regenerate_note(problems))], self.regenerate_temperature
        )
        if script:
            return WrittenScript(script, attempts)
        raise ScriptWriterError(
            f"{self.name} wrote no valid script in {len(attempts)} answers; last problems: " + "; ".join(problems[:5]),
            attempts,
        )

    def _check(
        self, answer: ModelAnswer, document: NotesDocument, plan: Plan, chosen: ModelChoice
    ) -> tuple[Script | None, list[str]]:
        try:
            script = to_script(
                parse_answer(answer.text, finish_reason=answer.finish_reason),
                language=plan.language,
                writer=f"{self.name}:{chosen.model}",
            )
        except AnswerError as err:
            return None, err.problems
        material = _asked(document) if document.kind == "prompt" else document.text
        problems = validate_script(
            script,
            material,
            words_per_minute=document.options.words_per_minute,
            generated=True,
            source_language=plan.source_language,
            is_prompt=document.kind == "prompt",
            target_words=plan.target_words if plan.length_required else None,
        )
        if document.kind == "prompt":  # the kind of video asked for: a quiz has its questions, an ad its call
            problems += kind_problems(detect_kind(document.text), script, document.text)
        if plan.length_required and not problems:
            problems = _spoken_length_problems(script, plan)
        return (None, problems) if problems else (script, [])


def _asked(document: NotesDocument) -> str:
    """A request without the sentences it addresses to the model: an injection is not a subject to cover."""
    sentences = re.split(r"(?<=[.!?])\s+", document.text)
    return " ".join(s for s in sentences if not addressed_to_model(s)) or document.text


def _spoken_length_problems(script: Script, plan: Plan) -> list[str]:
    """A script of the right word count can still take too long to say (numbers, abbreviations): time it.

    Timed as the offline narrator (eSpeak NG) says it, the only voice whose pace is measured here.
    """
    model = espeak_rate(script.language)
    seconds = sum(model.clip_seconds(s.narration, script.language) for s in script.scenes)
    if abs(seconds / plan.target_seconds - 1) <= LENGTH_TOLERANCE:
        return []
    words = round(script.word_count * plan.target_seconds / seconds)
    return [
        f"the narration takes about {seconds:.0f} seconds to say; it must take about {plan.target_seconds:.0f} "
        f"(about {words} words of this kind)"
    ]

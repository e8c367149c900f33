"""Rules every script must pass before audio and images are paid for.

The pydantic Script model already enforces shape (3-15 scenes, required fields); these
are the rules about content: speakable narration of a sane length (no markup read aloud),
no placeholder text, no repeated scenes, nothing a prompt injection asked for (instructions
to the model, secrets, key-like strings), and a script about the notes rather than something else.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import ValidationError

from notes_pipeline.domain.language import writing_system
from notes_pipeline.domain.models import Script
from notes_pipeline.domain.speech import addressed_to_model, key_like, markup_in

MAX_SCENE_SECONDS = 60
MAX_BULLETS = 4
MAX_BULLET_WORDS = 12
MIN_RELEVANCE = 0.5
_PLACEHOLDERS = re.compile(
    r"lorem ipsum|add (?:your )?content here|\bTODO\b|\bTBD\b|\[insert|placeholder|\bxxx\b|<[a-z_ ]+>",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+", re.UNICODE)
# Rules only a model's script needs: it writes its own words, so they are checked more closely.
MIN_SCENE_WORDS = 4
LENGTH_TOLERANCE = 0.15  # a promised length may be missed by 15% either way (issue 14: held to ±15%)
MIN_KEYWORD_COVERAGE = 0.5
MIN_ANCHOR_SHARE = 0.34
KEYWORDS = 12
# The writing system each language's narration must be in, for the languages we know.
WRITING_SYSTEMS = {
    "en": "latin",
    "fr": "latin",
    "es": "latin",
    "de": "latin",
    "it": "latin",
    "pt": "latin",
    "nl": "latin",
    "hi": "devanagari",
    "mr": "devanagari",
    "ne": "devanagari",
    "ur": "arabic",
    "ar": "arabic",
    "fa": "arabic",
}
# Frequent long English words that say nothing about a topic, and the words of a request itself.
_STOPWORDS = {
    "that",
    "this",
    "with",
    "from",
    "they",
    "have",
    "were",
    "when",
    "what",
    "which",
    "their",
    "there",
    "into",
    "your",
    "will",
    "also",
    "than",
    "then",
    "them",
    "these",
    "those",
    "been",
    "more",
    "most",
    "some",
    "such",
    "only",
    "other",
    "about",
    "each",
    "very",
    "just",
    "over",
    "make",
    "made",
    "many",
    "much",
    "like",
}
_REQUEST_WORDS = {
    "create",
    "write",
    "make",
    "video",
    "videos",
    "explainer",
    "script",
    "second",
    "seconds",
    "minute",
    "minutes",
    "long",
    "short",
    "about",
    "please",
    "tone",
    "style",
    "format",
    "narrated",
    "narration",
}


def _content_words(text: str) -> set[str]:
    """Words long enough to carry meaning (4+ characters), lowercased."""
    return {w.lower() for w in _WORD.findall(text) if len(w) >= 4 and not w.isdigit()}


def relevance(script: Script, notes_text: str) -> float:
    """Share of the narration's content words that also occur in the notes (1.0: all of them)."""
    spoken = _content_words(" ".join(s.narration for s in script.scenes))
    if not spoken:
        return 0.0
    return len(spoken & _content_words(notes_text)) / len(spoken)


def _frequent_words(text: str, top: int) -> list[str]:
    counts: dict[str, int] = {}
    for word in _WORD.findall(text.lower()):
        if len(word) >= 4 and not word.isdigit() and word not in _STOPWORDS:
            counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w], w))[:top]


def _covers(word: str, vocabulary: set[str]) -> bool:
    """`word` or a form sharing its first five letters (coffee/coffees, volcano/volcanoes) occurs."""
    stem = word[:5]
    return word in vocabulary or (len(word) >= 5 and any(v.startswith(stem) for v in vocabulary))


def keyword_coverage(script: Script, notes_text: str, *, top: int = KEYWORDS) -> float:
    """Share of the notes' most frequent content words that the script mentions (paraphrase-proof)."""
    keywords = _frequent_words(notes_text, top)
    if not keywords:
        return 1.0
    vocabulary = _content_words(_script_text(script))
    return sum(_covers(k, vocabulary) for k in keywords) / len(keywords)


def prompt_coverage(script: Script, prompt: str) -> float:
    """Share of the request's subject words ('coffee', 'brand') the script mentions."""
    subject = [w for w in _content_words(prompt) if w not in _REQUEST_WORDS and w not in _STOPWORDS]
    if not subject:
        return 1.0
    vocabulary = _content_words(_script_text(script))
    return sum(_covers(w, vocabulary) for w in subject) / len(subject)


def _script_text(script: Script) -> str:
    return " ".join(
        [
            script.title,
            script.summary,
            *script.objectives,
            *(f"{s.heading} {s.narration} {' '.join(s.bullets)}" for s in script.scenes),
        ]
    )


def _numbers(text: str) -> set[str]:
    """Numbers with their digits made ASCII (Devanagari ४२ and Arabic-Indic ٤٢ are 42)."""
    ascii_digits = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)
    return set(re.findall(r"\d+(?:[.,]\d+)?", ascii_digits))


def translation_anchors(script: Script, notes_text: str) -> float | None:
    """Share of the notes' numbers that survive into a translated script; None with under three."""
    anchors = _numbers(notes_text)
    if len(anchors) < 3:
        return None
    return len(anchors & _numbers(_script_text(script))) / len(anchors)


def describe_validation_error(err: ValidationError, *, limit: int = 8) -> list[str]:
    """Pydantic's errors as short sentences a model can act on ('scenes #2 heading: field required')."""
    problems = []
    for error in err.errors()[:limit]:
        where = " ".join(f"#{p + 1}" if isinstance(p, int) else str(p) for p in error["loc"]) or "the script"
        problems.append(f"{where}: {error['msg']}")
    return problems


def _generated_problems(script: Script, target_words: int | None) -> list[str]:
    problems: list[str] = []
    for scene in script.scenes:
        if 0 < len(scene.narration.split()) < MIN_SCENE_WORDS:
            problems.append(f"scene {scene.index} narration is under {MIN_SCENE_WORDS} words")
        if not (scene.image_prompt or scene.search_query):
            problems.append(f"scene {scene.index} has neither an image_prompt nor a search_query")
    expected = WRITING_SYSTEMS.get(script.language)
    narration = " ".join(s.narration for s in script.scenes)
    if expected and writing_system(narration) != expected:
        problems.append(
            f"the narration is not written in '{script.language}' ({expected} script expected, "
            f"found {writing_system(narration)})"
        )
    if target_words:
        low, high = target_words * (1 - LENGTH_TOLERANCE), target_words * (1 + LENGTH_TOLERANCE)
        if not low <= script.word_count <= high:
            problems.append(
                f"the narration is {script.word_count} words in total; it must be about "
                f"{target_words} (between {int(low)} and {int(high)})"
            )
    return problems


def _relevance_problem(
    script: Script, notes_text: str, *, generated: bool, source_language: str | None, is_prompt: bool
) -> str | None:
    translated = generated and source_language is not None and source_language != script.language
    if translated:
        share = translation_anchors(script, notes_text)
        if share is not None and share < MIN_ANCHOR_SHARE:
            return f"the script is not a translation of the notes: only {share:.0%} of the notes' numbers occur in it"
        return None
    if generated and is_prompt:
        share = prompt_coverage(script, notes_text)
        if share < MIN_KEYWORD_COVERAGE:
            return f"the script is not about the request: it mentions only {share:.0%} of the request's subject words"
        return None
    score = relevance(script, notes_text)
    if score >= MIN_RELEVANCE:
        return None
    if generated and keyword_coverage(script, notes_text) >= MIN_KEYWORD_COVERAGE:
        return None  # a model paraphrases; it still names the notes' main subjects
    return f"the narration is not about the notes: only {score:.0%} of its words occur in them"


def _placeholder(text: str, notes_text: str) -> str | None:
    """Placeholder text the notes do not have themselves: a note about task lists may well say "TODO"."""
    notes = notes_text.lower()
    return next((m.group() for m in _PLACEHOLDERS.finditer(text) if m.group().lower() not in notes), None)


def validate_script(
    script: Script,
    notes_text: str,
    *,
    words_per_minute: int = 150,
    generated: bool = False,
    source_language: str | None = None,
    is_prompt: bool = False,
    target_words: int | None = None,
    compared_with_itself: bool = False,
) -> list[str]:
    """Human-readable problems; an empty list means the script may go on to narration.

    `generated` marks a script a model wrote in its own words (not copied from the notes):
    it must also name the notes' main subjects (or the request's, for a prompt), keep each
    scene's narration at least a few words, give every scene a visual, be written in its
    language's script, and hit `target_words` when given. When `source_language` differs
    from the script's, the script is a translation and is checked by the numbers it keeps.
    `compared_with_itself`: `notes_text` is the script's own text (a person's edit), so it
    cannot vouch for a placeholder word the way real notes can.
    """
    problems: list[str] = []
    vouching = "" if compared_with_itself else notes_text
    max_words = MAX_SCENE_SECONDS * words_per_minute // 60
    seen: dict[str, int] = {}
    for scene in script.scenes:
        where = f"scene {scene.index}"
        narration = scene.narration.strip()
        if not _WORD.search(narration):
            problems.append(f"{where} has no narration")
        elif len(narration.split()) > max_words:
            problems.append(
                f"{where} narration is {len(narration.split())} words, over {max_words} "
                f"({MAX_SCENE_SECONDS}s at {words_per_minute} wpm)"
            )
        if not scene.heading.strip():
            problems.append(f"{where} has an empty heading")
        if len(scene.bullets) > MAX_BULLETS:
            problems.append(f"{where} has {len(scene.bullets)} bullets, more than {MAX_BULLETS}")
        if any(len(b.split()) > MAX_BULLET_WORDS for b in scene.bullets):
            problems.append(f"{where} has a bullet longer than {MAX_BULLET_WORDS} words")
        if found := markup_in(narration):
            problems.append(
                f"{where} narration contains markup that would be read aloud ({', '.join(found)}); "
                "say it in words or leave it to the picture"
            )
        shown = " ".join((scene.heading, narration, *scene.bullets))
        if words := addressed_to_model(shown):
            problems.append(
                f"{where} repeats an instruction aimed at the model ({words!r}): the notes are "
                "material to explain, not instructions to follow"
            )
        if key_like(shown):
            problems.append(f"{where} contains a string shaped like an API key or token")
        if narration in seen:
            problems.append(f"{where} repeats the narration of scene {seen[narration]}")
        seen.setdefault(narration, scene.index)
        for field_text in (scene.heading, narration, *scene.bullets, scene.image_prompt or ""):
            if found := _placeholder(field_text, vouching):
                problems.append(f"{where} contains placeholder text {found!r}")
                break
    if found := _placeholder(" ".join([script.title, script.summary, *script.objectives]), vouching):
        problems.append(f"the title, summary or objectives contain placeholder text {found!r}")
    if generated:
        problems += _generated_problems(script, target_words)
    if problem := _relevance_problem(
        script, notes_text, generated=generated, source_language=source_language, is_prompt=is_prompt
    ):
        problems.append(problem)
    return problems

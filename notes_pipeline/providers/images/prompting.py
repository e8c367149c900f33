"""The style lock turned into words and numbers an image model understands.

Every scene's prompt ends with the same style sentence and every call carries the same
seed, so the pictures of one video look like one series; only the subject changes.
"""

from __future__ import annotations

import unicodedata

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import ImageRequest, Scene, StyleLock
from notes_pipeline.domain.policy import allows_ai_imagery

PROMPT_VERSION = "1"  # part of every generator's identity: a new template means new pictures
NEGATIVE_PROMPT = "text, letters, words, captions, watermark, logo, signature, blurry, distorted, deformed"
MAX_PROMPT_CHARS = 1500


class PolicyRefusalError(PipelineError):
    """An AI image source was asked for something it must not draw (a scene about real people)."""

    retryable = False


def refuse_real_subjects(request: ImageRequest, source: str) -> None:
    """Scenes with a search query are about real people, places or events: never AI-generated."""
    if not allows_ai_imagery(request.scene):
        raise PolicyRefusalError(
            f"{source} does not depict scenes about real people, places or events "
            f"(scene {request.scene.index} is marked as such); use image search"
        )


def subject(request: ImageRequest) -> str:
    scene = request.scene
    if scene.image_prompt:
        return scene.image_prompt.strip()
    points = "; ".join(scene.bullets[:3])
    return f"{scene.heading}{': ' + points if points else ''}"


def style_sentence(style: StyleLock) -> str:
    palette = style.palette
    return (
        f"Style: {style.style}, a consistent editorial illustration series; colour palette "
        f"{palette.background}, {palette.surface} and {palette.accent}; soft even lighting, clean composition, "
        f"no text, no letters, no logos, no watermark."
    )


def image_prompt(request: ImageRequest) -> str:
    text = f'{subject(request)}. Illustration for an explainer video about "{request.title}". '
    style = style_sentence(request.style)
    return text[: MAX_PROMPT_CHARS - len(style)] + style


def provider_seed(style: StyleLock) -> int:
    """The lock's 64-bit seed folded into the 31-bit range every API accepts."""
    return style.seed % (2**31 - 1)


def generation_size(style: StyleLock, *, long_side: int = 1024, multiple: int = 64) -> tuple[int, int]:
    """A size the models draw well with the frame's aspect ratio; the frame is filled by resizing later."""
    width, height = style.width, style.height
    scale = long_side / max(width, height)
    return (
        max(multiple, round(width * scale / multiple) * multiple),
        max(multiple, round(height * scale / multiple) * multiple),
    )


# Words that make a stock search worse: they describe the video, not what is in the picture.
_QUERY_STOP_WORDS = frozenset(
    "a an the and or but of to in on at by for with from into about as is are was were be been being it its this "
    "that these those what why how when where which who whom whose our your their his her my we you they i "
    "introduction intro overview summary recap conclusion part chapter section lesson basics key points "
    "explained explainer understanding learn learning notes slide video".split()
)
MAX_QUERY_WORDS = 5


def visual_query(scene: Scene) -> str:
    """What to search a stock library for: the scene's search query (real subjects), else the writer's visual
    query, else a few content words of its heading, then its bullets, that say what could be in a picture."""
    for given in (scene.search_query, scene.visual_query):
        if given and given.strip():
            return " ".join(given.split())[:120]
    words: list[str] = []
    for text in (scene.heading, *scene.bullets):
        for word in text.split():
            lowered = _strip_punctuation(word.casefold())
            if len(lowered) > 1 and not lowered.isdigit() and lowered not in _QUERY_STOP_WORDS and lowered not in words:
                words.append(lowered)
        if len(words) >= 3:  # the heading alone is usually the best subject; bullets only fill a thin one
            break
    return " ".join(words[:MAX_QUERY_WORDS]) or " ".join(scene.heading.split())[:120]


def _strip_punctuation(word: str) -> str:
    """Punctuation and symbols off both ends; letters and marks (Devanagari vowel signs) stay."""

    def edge(ch: str) -> bool:
        return unicodedata.category(ch)[0] in "PSZ"

    start, end = 0, len(word)
    while start < end and edge(word[start]):
        start += 1
    while end > start and edge(word[end - 1]):
        end -= 1
    return word[start:end]

"""The style lock turned into words and numbers an image model understands.

Every scene's prompt ends with the same style sentence and every call carries the same
seed, so the pictures of one video look like one series; only the subject changes.
"""

from __future__ import annotations

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import ImageRequest, StyleLock
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
        raise PolicyRefusalError(f"{source} does not depict scenes about real people, places or events "
                                 f"(scene {request.scene.index} is marked as such); use image search")


def subject(request: ImageRequest) -> str:
    scene = request.scene
    if scene.image_prompt:
        return scene.image_prompt.strip()
    points = "; ".join(scene.bullets[:3])
    return f"{scene.heading}{': ' + points if points else ''}"


def style_sentence(style: StyleLock) -> str:
    palette = style.palette
    return (f"Style: {style.style}, a consistent editorial illustration series; colour palette "
            f"{palette.background}, {palette.surface} and {palette.accent}; soft even lighting, clean composition, "
            f"no text, no letters, no logos, no watermark.")


def image_prompt(request: ImageRequest) -> str:
    text = f"{subject(request)}. Illustration for an explainer video about \"{request.title}\". "
    style = style_sentence(request.style)
    return text[: MAX_PROMPT_CHARS - len(style)] + style


def provider_seed(style: StyleLock) -> int:
    """The lock's 64-bit seed folded into the 31-bit range every API accepts."""
    return style.seed % (2**31 - 1)


def generation_size(style: StyleLock, *, long_side: int = 1024, multiple: int = 64) -> tuple[int, int]:
    """A size the models draw well with the frame's aspect ratio; the frame is filled by resizing later."""
    width, height = style.width, style.height
    scale = long_side / max(width, height)
    return (max(multiple, round(width * scale / multiple) * multiple),
            max(multiple, round(height * scale / multiple) * multiple))

"""SSML for word timings: every word escaped, with a `<mark name="wN"/>` just before it.

The marks make Google Cloud TTS report when each word starts (v1beta1 timepoints). The
text is never trusted as markup: &, <, >, " and ' are escaped, so notes about HTML or
"quotes" are spoken, not parsed.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

_ENTITIES = {'"': "&quot;", "'": "&apos;"}


def mark_name(index: int) -> str:
    return f"w{index}"


def marked_ssml(text: str) -> str:
    """`<speak>` with each whitespace-separated word of `text` preceded by its mark (w0, w1, ...)."""
    body = " ".join(f'<mark name="{mark_name(i)}"/>{escape(word, _ENTITIES)}' for i, word in enumerate(text.split()))
    return f"<speak>{body}</speak>"


def ssml_bytes(text: str) -> int:
    """The size the API counts against its limit: the UTF-8 bytes of the whole SSML, marks included."""
    return len(marked_ssml(text).encode())


def starts_from_marks(marks: dict[str, float], word_count: int) -> list[float | None]:
    """Each word's start time from its mark; None where the engine reported none."""
    return [marks.get(mark_name(i)) for i in range(word_count)]

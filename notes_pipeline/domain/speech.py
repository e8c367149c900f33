"""What may be spoken: the one place that turns notes' machinery into words or silence.

Notes carry code, LaTeX, template tags, kramdown attributes, citations, wikilinks and
navigation that a voice must never read ("dollar dollar backslash begin aligned"). This
module removes them from the source before it is parsed, marks sentences that cannot be
said without them, and detects any that slipped through, so every writer and the script
validator apply the same list.
"""

from __future__ import annotations

import re

from notes_pipeline.domain.spoken_formula import spoken_code, spoken_formula, without_echoed_symbols

# Put where a formula or code sat inside a sentence: that sentence is shown, never read.
UNSPEAKABLE = "\ufffc"

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[^\n]*\n.*?(?:^\1?\2[`~]*[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_DISPLAY_MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\begin\{([a-zA-Z*]+)\}.*?\\end\{\1\}", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?!\s|\d)([^$\n]{1,200}?)(?<![\s\\])\$(?!\w)|\\\((.+?)\\\)")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)[^\n]+?(?<!`)\1(?!`)")
_TEMPLATE_LINE = re.compile(r"^[ \t]*(?:\{%.*?%\}|\{\{.*?\}\})[ \t]*$", re.MULTILINE)
_TEMPLATE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
_ATTRIBUTES = re.compile(r"\{:[^}\n]*\}|\{[#.][\w .#=\"'-]*\}")
_FOOTNOTE_DEFINITION = re.compile(r"^\[\^[^\]\n]+\]:.*(?:\n(?: {2,}|\t).*)*", re.MULTILINE)
_CITATION = re.compile(
    r"\s?\[(?:\^[^\]\n]+|\d+(?:\s*[,–-]\s*\d+)*|citation needed|clarification needed|"
    r"according to whom\?|who\?|when\?|by whom\?|dubious[^\]]*)\]",
    re.IGNORECASE,
)
# An issue reference left as an unresolved reference link: "([#1037][])" in release notes.
_ISSUE_REFERENCE = re.compile(r"\s?\(\[#?\d+\]\[\]\)|\s?\[#?\d+\]\[\]")
_WIKILINK = re.compile(r"!?\[\[([^\]|#\n]*)(?:#[^\]|\n]*)?(?:\|([^\]\n]+))?\]\]")
# A callout's marker, nested quotes too; its title ("> [!note] Notes") is kept as a sentence of its own.
_CALLOUT = re.compile(r"^((?:[ \t]*>)+[ \t]*)\[![\w-]+\][+-]?[ \t]*([^\n]*?)[ \t]*$", re.MULTILINE)
_TAG = re.compile(r"(?<![\w&/#\]\)\\])#[A-Za-z][\w/-]*")
_RST_LINK = re.compile(r"`([^`<]+?)\s*<[^>`]+>`__?")
_SIMPLE_FORMULA = re.compile(r"^(?:[A-Za-z]|\d+(?:[.,]\d+)?)$")

# Section headings whose content is navigation or apparatus, never narration.
APPARATUS_HEADING = re.compile(
    r"^(?:table of contents|contents|toc|index|references?|bibliography|sources|citations|works cited|"
    r"see also|further reading|external links|links|useful links|resources|footnotes|notes and references|"
    r"read (?:this|it) in (?:other|another) languages?|other languages|translations|languages|"
    r"acknowledge?ments|credits|license|licence|copyright|contributors|authors|maintainers)\s*:?$",
    re.IGNORECASE,
)
_OTHER_LANGUAGES = re.compile(
    r"read (?:this|it|the docs)? ?in (?:other|another) languages?|other languages:|"
    r"अन्य भाषाओं में पढ़ें|زبانوں میں پڑھیں",
    re.IGNORECASE,
)

# The machinery the detector reports, by name (the corpus measures the same list).
MARKUP = {
    "dollar sign": re.compile(r"\$(?!\d)"),
    "backslash command": re.compile(r"\\[A-Za-z]+"),
    "backtick": re.compile(r"`"),
    "template tag": re.compile(r"\{\{|\{%|%\}|\}\}"),
    "kramdown attribute": re.compile(r"\{:"),
    "citation mark": re.compile(r"\[(?:\d+|\^[^\]]+|citation needed)\]", re.IGNORECASE),
    "URL": re.compile(r"(?:https?|ftp)://|www\.\w", re.IGNORECASE),
    "HTML tag": re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>"),
    "table pipe": re.compile(r"\|"),
    "callout marker": re.compile(r"\[![\w-]+\]"),
    "unspeakable mark": re.compile(UNSPEAKABLE),
}

# Sentences addressed to a model rather than to a listener: instructions, requests for secrets.
_TO_MODEL = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:previous|prior|above|earlier|all|any|your|the)\b.{0,20}"
    r"\b(?:instructions?|prompts?|rules|guidelines)\b|"
    r"\b(?:reveal|print|read out|output|repeat|show|leak|tell (?:me|us)|give (?:me|us)|share|send)\b.{0,50}"
    r"\b(?:system prompt|instructions|api[ _-]?keys?|secrets?|passwords?|credentials|tokens?|"
    r"environment variables?)\b|"
    r"\bmy (?:system prompt|instructions|api[ _-]?keys?)\b|"
    r"\b(?:you are now|from now on,? you|pretend (?:to be|you are))\b|"
    r"\bas an (?:ai|language model)\b|\b(?:dear|attention|note to) (?:ai|llm|model|assistant|chatgpt|gemini)\b|"
    r"\b(?:ai|llm|language model|assistant|chatbot),? (?:must|should|will|please)\b",
    re.IGNORECASE,
)
# Sentences about the document rather than its subject ("These notes follow ...").
_ABOUT_THE_NOTES = re.compile(
    r"^(?:these|the following|this|my|our) (?:notes|document|post|page|article|readme|guide|write-?up|chapter)\b"
    r"(?! is about\b)",
    re.IGNORECASE,
)
_KEY_LIKE = re.compile(
    r"\bAIza[\w-]{20,}|\bsk-[\w-]{16,}|\b(?:ghp|gho|ghs|github_pat|xox[abpr]|hf)_[\w-]{16,}|\bAKIA[0-9A-Z]{16}\b|"
    r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{32,}\b"
)


def _outside_fences(text: str, transform) -> str:
    """Apply `transform` to the text between fenced code blocks; the blocks stay as they are."""
    parts, last = [], 0
    for match in _FENCE.finditer(text):
        parts += [transform(text[last : match.start()]), match.group()]
        last = match.end()
    parts.append(transform(text[last:]))
    return "".join(parts)


# Public names for the parser, which keeps display formulas (as visuals) before speech drops them.
DISPLAY_MATH = _DISPLAY_MATH
INLINE_MATH = _INLINE_MATH


def outside_fences(text: str, transform) -> str:
    return _outside_fences(text, transform)


def _inline_formula(match: re.Match) -> str:
    """A variable or a number is said as it is, a short formula in words ("x squared"); longer ones the slide shows."""
    body = (match.group(1) or match.group(2) or "").strip()
    if _SIMPLE_FORMULA.match(body):
        return body
    return spoken_formula(body) or UNSPEAKABLE


def _wikilink(match: re.Match) -> str:
    if match.group().startswith("!"):
        return ""  # an embedded file or picture
    return (match.group(2) or match.group(1)).strip()


def _callout(match: re.Match) -> str:
    title = match.group(2)
    return match.group(1) + (title + "." if title and title[-1].isalnum() else title)


def _outside_code_spans(text: str, transform) -> str:
    """Apply `transform` between inline code spans: `$x^2$` in code is code, said (or not) as code."""
    parts, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        parts += [transform(text[last : match.start()]), match.group()]
        last = match.end()
    parts.append(transform(text[last:]))
    return "".join(parts)


def _speech_source(text: str) -> str:
    text = without_echoed_symbols(text)
    text = _DISPLAY_MATH.sub("\n\n", text)
    text = _outside_code_spans(text, lambda part: _INLINE_MATH.sub(_inline_formula, part))
    text = _TEMPLATE_LINE.sub("", text)
    text = _TEMPLATE.sub(UNSPEAKABLE, text)
    text = _ATTRIBUTES.sub("", text)
    text = _FOOTNOTE_DEFINITION.sub("", text)
    text = _CITATION.sub("", text)
    text = _ISSUE_REFERENCE.sub("", text)
    text = _WIKILINK.sub(_wikilink, text)
    text = _CALLOUT.sub(_callout, text)
    text = _RST_LINK.sub(r"\1", text)
    return _TAG.sub("", text)


def speech_source(text: str) -> str:
    """Notes with formulas, template tags, attributes, citations and tags removed or marked, code kept.

    Fenced code is left for the parser (it counts and shows code blocks); everything else
    that a voice cannot read becomes nothing, its plain words, or UNSPEAKABLE.
    """
    return _outside_fences(text, _speech_source)


def inline_code_words(code: str, *, modifies_next: bool = False) -> str:
    """Inline code said as words when it is words (`git`, `pip install`) or short enough to say in words.

    A name, a few symbols or a short formula is said in words (`$$` "two dollar signs",
    `setup.py` "setup dot py", `$x^2$` "x squared"), so the sentence that explains it is kept.
    Other code is left out: silently when it sits between a determiner and a noun ("the
    `Plugin.Latex({...})` call ..." still reads), else it marks its sentence unspeakable.
    """
    if re.fullmatch(r"[A-Za-z][A-Za-z -]{0,30}", code):
        return code
    if quoted := re.fullmatch(r"""(['"])([\w][\w ,.!?'-]{0,60})\1""", code):
        return f'"{quoted.group(2)}"'  # a string literal of words is said as a quotation
    if said := spoken_code(code):
        return said
    return "" if modifies_next else UNSPEAKABLE


def is_other_languages_line(text: str) -> bool:
    return bool(_OTHER_LANGUAGES.search(text))


def speakable(sentence: str) -> bool:
    """A sentence a narrator may read: no formula or code, no instruction aimed at a model, not about the notes."""
    return (
        UNSPEAKABLE not in sentence
        and not addressed_to_model(sentence)
        and not markup_in(sentence)
        and not _ABOUT_THE_NOTES.match(sentence)
    )


def markup_in(text: str) -> list[str]:
    """Names of the markup a voice would read aloud in `text` ('dollar sign', 'URL', ...); [] when clean."""
    return [name for name, pattern in MARKUP.items() if pattern.search(text)]


def addressed_to_model(text: str) -> str | None:
    """The words of `text` that speak to a model (instructions, requests for secrets), or None."""
    match = _TO_MODEL.search(text)
    return match.group() if match else None


def key_like(text: str) -> str | None:
    """A string shaped like an API key or token, or None."""
    match = _KEY_LIKE.search(text)
    return match.group() if match else None

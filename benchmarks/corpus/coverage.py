"""Coverage: how much of what each section of the notes is about reaches the narration.

Each section (the text under one markdown heading, or the whole note when it has none) is a
document for TF-IDF within the note; its top terms are the words most particular to it. Coverage
is the share of those terms that occur in the narration, averaged over the sections that have
terms. Only what may be spoken counts: code, URLs, HTML, front matter and LaTeX are removed first,
and so is what issue 14 says is never narrated — apparatus sections (contents, references, further
reading, licence, languages: `domain.speech.APPARATUS_HEADING`), "read in other languages" lines,
lines that are only a link, sentences built around a template tag, images' alt text, RST directives
and interactive sessions, and a plain-text note's metadata header (its Summary stays). A writer
cannot be credited for reading those out, nor blamed for leaving them out.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from notes_pipeline.domain.speech import APPARATUS_HEADING, is_other_languages_line

TOP_TERMS = 5
# Letters of any script with their combining marks (Devanagari vowel signs are marks, not letters).
_WORD = re.compile(r"[^\W\d_][\w\u0300-\u036f\u0900-\u097f\u0600-\u06ff\u200c\u200d]*")
_FRONT_MATTER = re.compile(r"\A(?:---|\+\+\+)\r?\n.*?\r?\n(?:---|\+\+\+)\r?\n", re.S)
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
_NOISE = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$|https?://\S+|<[^>\n]+>|`[^`\n]*`|\{\{.*?\}\}|\{%.*?%\}", re.S)
_HEADING = re.compile(r"^#{1,6}\s+\S.*$", re.M)
_TEMPLATE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?।۔])\s+")
# A line that is only a link: a list of pointers (`- [Guide](url)`, `[[Other note]]`, a bare URL).
_LINK_ONLY = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\[\[[^\]]*\]\]|\[[^\]]*\]\([^)]*\)|https?://\S+)"
    r"\s*(?:[*_]*\([^)\n]{0,30}\)[*_]*)?\s*$"
)  # "- [Guide](url) *(in English)*"
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")  # alt text describes a picture that is shown, not said
# reStructuredText machinery: a directive with its indented options, an interactive session with its output.
_RST_DIRECTIVE = re.compile(r"^\.\. .*(?:\n[ \t]+\S.*)*", re.M)
_SESSION = re.compile(r"^[ \t]*>>> .*(?:\n(?![ \t]*\n).*)*", re.M)
_HEADER_FIELD = re.compile(r"^([A-Z][A-Za-z-]*):[ \t]+(\S.*)$")
# Words too common to say what a section is about, in the note languages we see most.
STOPWORDS = frozenset(
    """
a an the and or but if then else of to in on at by for with from as is are was were be been being it its this
that these those there here he she they we you i me my our your their his her them us not no yes so do does did
done has have had will would can could should may might must shall than too very also just only into over under
about after before between through while where when what which who whom whose why how all any each more most
other some such own same both few many much one two three first new use used using see like
का के की को में है हैं और से पर भी यह वह एक इस उस लिए जो कि तो था थे थी नहीं हो कर
""".split()
)


def _without_header(text: str) -> str:
    """A plain-text note's RFC 822 header (a package's metadata) reduced to its Summary and Title."""
    first, _, rest = text.lstrip("\n").partition("\n\n")
    fields = [m for line in first.splitlines() if (m := _HEADER_FIELD.match(line))]
    if len(fields) < 3 or len(fields) < 0.6 * len(first.splitlines()):
        return text
    kept = [value for key, value in (m.groups() for m in fields) if key.lower() in ("summary", "title")]
    return "\n".join(kept) + "\n\n" + rest


def _speakable_lines(text: str) -> str:
    kept, apparatus = [], False
    for line in text.split("\n"):
        if _HEADING.match(line):
            apparatus = bool(APPARATUS_HEADING.match(line.lstrip("#").strip().strip("*_ ")))
        if apparatus or is_other_languages_line(line) or _LINK_ONLY.match(line):
            continue
        if _TEMPLATE.search(line):
            line = " ".join(s for s in _SENTENCE_END.split(line) if not _TEMPLATE.search(s))
        kept.append(line)
    return "\n".join(kept)


def _prose(notes: str) -> str:
    text = _without_header(_FRONT_MATTER.sub("", notes.replace("\r\n", "\n")))
    text = _SESSION.sub(" ", _RST_DIRECTIVE.sub(" ", _IMAGE.sub(" ", _FENCE.sub(" ", text))))
    return _NOISE.sub(" ", _speakable_lines(text))


def terms(text: str) -> list[str]:
    """Lower-cased words of two or more letters, stop words left out."""
    return [w for w in (m.group().lower() for m in _WORD.finditer(text)) if len(w) > 1 and w not in STOPWORDS]


def sections(notes: str) -> list[str]:
    """The note's prose split at its headings (each heading stays with its section)."""
    text = _prose(notes)
    starts = [m.start() for m in _HEADING.finditer(text)]
    if not starts:
        return [text]
    bounds = ([0] if starts[0] > 0 else []) + starts + [len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if terms(text[a:b])]


def top_terms(notes: str, k: int = TOP_TERMS) -> list[list[str]]:
    """Each section's `k` terms with the highest TF-IDF (sections as documents), ties by first use."""
    counted = [Counter(terms(s)) for s in sections(notes)]
    frequency = Counter(t for c in counted for t in c)
    n = len(counted)
    tops = []
    for c in counted:
        order = {t: i for i, t in enumerate(c)}
        score = {t: (tf / sum(c.values())) * (math.log((1 + n) / (1 + frequency[t])) + 1) for t, tf in c.items()}
        tops.append(sorted(score, key=lambda t: (-score[t], order[t]))[:k])
    return [t for t in tops if t]


def coverage(notes: str, narration: str, k: int = TOP_TERMS) -> float | None:
    """Mean over sections of the share of their top terms heard in `narration`; None: no terms at all."""
    heard = set(terms(narration))
    tops = top_terms(notes, k)
    if not tops:
        return None
    return sum(sum(t in heard for t in top) / len(top) for top in tops) / len(tops)

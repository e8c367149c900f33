"""Notes as structure: sections of speakable sentences and list items, minus what is not said aloud.

Code blocks, URLs, images, HTML and markdown syntax are dropped; a table becomes one
spoken line that says what it compares; emoji are removed (no voice reads them well and
no shipped font draws them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from notes_pipeline.domain.chunking import ends_sentence, split_sentences

_URL = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
_PICTOGRAPHS = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\u2b00-\u2bff\ufe0f\u200d\u20e3]"
)
_MARKUP_LEFTOVERS = re.compile(r"(?<!\w)[#*_~`>|]+|[#*_~`>|]+(?!\w)")
_TXT_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")


@dataclass
class Block:
    """One speakable piece in notes order: a sentence of a paragraph, or a list item."""

    text: str
    is_item: bool = False


@dataclass
class Section:
    heading: str | None
    blocks: list[Block] = field(default_factory=list)

    @property
    def items(self) -> list[str]:
        return [b.text for b in self.blocks if b.is_item]

    def sentences(self, language: str = "en") -> list[str]:
        """Everything to narrate, list items turned into sentences."""
        return [b.text if not b.is_item else as_sentence(b.text, language) for b in self.blocks]

    @property
    def word_count(self) -> int:
        return sum(len(b.text.split()) for b in self.blocks)


@dataclass
class Outline:
    title: str | None
    sections: list[Section]
    code_blocks: int = 0

    @property
    def word_count(self) -> int:
        return sum(s.word_count for s in self.sections)


def clean_spoken(text: str) -> str:
    """Plain words for a voice and a slide: no URLs, emoji, stray markup or doubled spaces."""
    text = _URL.sub("", text)
    text = _PICTOGRAPHS.sub("", text)
    text = _MARKUP_LEFTOVERS.sub("", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r"\s+([.,;:!?।॥۔،؟])", r"\1", " ".join(text.split()))
    return text.strip(" -–—:;,")


def _is_closed(text: str) -> bool:
    """Ends a sentence, or introduces what follows (a colon): either way, add no full stop."""
    return ends_sentence(text) or text.endswith(":")


_FULL_STOP = {"hi": "।", "mr": "।", "ne": "।", "ur": "۔"}


def as_sentence(text: str, language: str = "en") -> str:
    """`text` ending in its language's full stop (a list item read aloud as a sentence)."""
    return text if _is_closed(text) else text.rstrip(",;") + _FULL_STOP.get(language, ".")


def _inline_text(token: Token) -> str:
    """The readable text of an inline token: link text kept, code kept as words, images dropped."""
    parts: list[str] = []
    skip_depth = 0
    for child in token.children or []:
        if child.type == "image":
            continue
        if child.type in ("html_inline",):
            continue
        if child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type in ("text", "code_inline") and not skip_depth:
            parts.append(child.content)
    return clean_spoken("".join(parts))


def _table_line(tokens: list[Token], start: int) -> tuple[str, int]:
    """'A table compares A, B and C across N rows.' and the index after the table."""
    headers, rows, i = [], 0, start
    in_head = False
    while tokens[i].type != "table_close":
        kind = tokens[i].type
        if kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open" and not in_head:
            rows += 1
        elif kind == "inline" and in_head:
            headers.append(_inline_text(tokens[i]))
        i += 1
    headers = [h for h in headers if h]
    if not headers:
        return "", i
    listed = headers[0] if len(headers) == 1 else ", ".join(headers[:-1]) + " and " + headers[-1]
    return f"A table compares {listed} across {rows} rows.", i


def _markdown_outline(text: str) -> Outline:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    outline = Outline(title=None, sections=[Section(heading=None)])
    list_depth = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            heading = _inline_text(tokens[i + 1])
            if token.tag == "h1" and outline.title is None and not any(s.blocks for s in outline.sections):
                outline.title = heading or None
            elif heading:
                outline.sections.append(Section(heading=heading))
            i += 3
            continue
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type in ("fence", "code_block"):
            outline.code_blocks += 1
        elif token.type == "table_open":
            line, i = _table_line(tokens, i)
            if line:
                outline.sections[-1].blocks.append(Block(line))
        elif token.type == "inline":
            content = _inline_text(token)
            if content and list_depth:
                outline.sections[-1].blocks.append(Block(content, is_item=True))
            elif content:
                outline.sections[-1].blocks.extend(Block(s) for s in split_sentences(content))
        i += 1
    return outline


def _looks_like_heading(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 8 and len(line) <= 60 and not _is_closed(line) and not _TXT_BULLET.match(line)


def _add_prose(section: Section, lines: list[str]) -> None:
    """Append the sentences of the collected prose lines, then forget them."""
    section.blocks.extend(Block(s) for s in split_sentences(clean_spoken(" ".join(lines))))
    lines.clear()


def _text_outline(text: str) -> Outline:
    """Plain text: blank lines separate paragraphs; a short unpunctuated first line is a heading."""
    outline = Outline(title=None, sections=[Section(heading=None)])
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]
    for n, paragraph in enumerate(paragraphs):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        if _looks_like_heading(lines[0]) and (len(lines) > 1 or n + 1 < len(paragraphs)):
            heading = clean_spoken(lines.pop(0))
            if n == 0 and outline.title is None and not lines:
                outline.title = heading
            else:
                outline.sections.append(Section(heading=heading))
        prose: list[str] = []
        for line in lines:
            if _TXT_BULLET.match(line):
                _add_prose(outline.sections[-1], prose)
                item = clean_spoken(_TXT_BULLET.sub("", line))
                if item:
                    outline.sections[-1].blocks.append(Block(item, is_item=True))
            else:
                prose.append(line)
        _add_prose(outline.sections[-1], prose)
    return outline


def parse_notes(text: str, *, markdown: bool = True) -> Outline:
    """Sections with something to say, in order (empty ones dropped)."""
    outline = _markdown_outline(text) if markdown else _text_outline(text)
    outline.sections = [s for s in outline.sections if s.blocks]
    return outline

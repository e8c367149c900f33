"""Notes as structure: sections of speakable sentences and list items, minus what is not said aloud.

What may be spoken is decided in `speech.py`; here code blocks, URLs, images, HTML,
navigation (tables of contents, language and reference lists) and markdown syntax are
dropped, a table becomes one line that says what it sets out, and emoji are removed (no
voice reads them well and no shipped font draws them).

What is dropped from speech is not lost: in markdown each section keeps its figures, code
blocks, tables and display formulas as data (`Section.visuals`, in notes order), which
`material.py` puts on the scenes that talk about them. Narration never reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from notes_pipeline.domain.chunking import ends_sentence, split_sentences
from notes_pipeline.domain.math_text import readable
from notes_pipeline.domain.models import CodeVisual, FigureVisual, FormulaVisual, TableVisual
from notes_pipeline.domain.speech import (
    APPARATUS_HEADING,
    DISPLAY_MATH,
    INLINE_MATH,
    UNSPEAKABLE,
    inline_code_words,
    is_other_languages_line,
    outside_fences,
    speakable,
    speech_source,
)

Visual = FigureVisual | CodeVisual | TableVisual | FormulaVisual

_BROKEN_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_URL = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
# A URL the sentence needs ("Please see https://… for more"): without it the sentence would not read.
_BEFORE_OBJECT = re.compile(r"\b(?:see|at|visit|from|via|check|read|on|to)\s+$", re.IGNORECASE)
_PICTOGRAPHS = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\u2b00-\u2bff\ufe0f\u200d\u20e3]"
)
_MARKUP_LEFTOVERS = re.compile(r"(?<!\w)[#*_~`>|]+|[#*_~`>|]+(?!\w)")
_TXT_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)]|\(\d+\)|\(?[a-z]\))\s+")
_LABELLED = re.compile(r"^\w[\w -]{0,30}: \w")  # "Aliases: example", a label and its value
_ASIDE = re.compile(r"^\([^()]*\)[.!?।۔]?$")  # a sentence that is only a bracketed aside: '(translations).'
_HEADER_FIELD = re.compile(r"^([A-Z][A-Za-z-]*):[ \t]+(\S.*)$")
# "the `setup.py` script": code between a determiner and a noun only names the noun.
_DETERMINER_END = re.compile(r"\b(?:the|a|an|this|that|these|those|your|our|its|their|each|every)\s+$", re.IGNORECASE)
# A sentence that only points at the code after it ("use it as follows:", "run:").
_LEAD_IN = re.compile(
    r"(?:as follows|the following|below|like this|like so|\brun|\btype|\buse|\bexample|"
    r"\bcommand|\bthis|\bwith)\s*:$",
    re.IGNORECASE,
)
_CODE_LINE = re.compile(
    r"^\s*(?:def|class|import|from \S+ import|return|print\(|async def|await|>>>|\$ )|"
    r"[={}]\s*$|\w\(\S*\)|\w\.\w+\(|\s=\s"
)
_RST_COMMENT = re.compile(r"^\s*\.\.(?:\s|$)")
_UNDERLINE = re.compile(r"^(?:=+|-+)$")
# A display formula stands in the text as this mark (its own paragraph) until the parser files it as a visual.
_FORMULA_MARK = re.compile("\ue000(\\d+)\ue001")
# An inline formula in a table row stands as this mark, so the drawn table shows it as mathematics.
_CELL_MATH_MARK = re.compile("\ue002(\\d+)\ue003")
# Pictures that are not the notes' material: badges, and vector images no offline renderer decodes.
_NOT_A_FIGURE = re.compile(r"^data:|[.?&=]svg\b|badge|shields\.io|travis-ci|codecov|/status/", re.IGNORECASE)
MAX_TABLE_ROWS = 40
_NAVIGATION_SHARE = 0.6  # a paragraph mostly made of links is navigation (language lists, badges, ToC)


@dataclass
class Block:
    """One speakable piece in notes order: a sentence of a paragraph, or a list item."""

    text: str
    is_item: bool = False


# Where a clause that only says how, or gives an example, begins: "... rendering by replacing `A` with `B`."
_MEANS_CLAUSE = re.compile(r",?\s+(?:by|using|via|such as|like|e\.g\.|for example|for instance)\s", re.IGNORECASE)
# Code that closes the sentence after a colon: "pass it to the plugin: `Plugin.X({...})`", an example the slide shows.
_CLOSING_EXAMPLE = re.compile(f":\\s*{UNSPEAKABLE}[\\s.;]*$")
_PURPOSE_CLAUSE = re.compile(r"To [^,]{3,80}?,\s+(?=[a-z])")  # "To ensure … supports it, check …"
_MIN_SALVAGED_WORDS = 5


def _without_code_clause(sentence: str) -> str:
    """A sentence whose code sits only in a closing example or in a clause that says how or what for, said
    without it.

    "Pass it to the plugin: `Plugin.X({…})`" ends with an example; "You can configure Quartz to use MathJax
    rendering by replacing `…` with `…`." keeps what it says and loses only the how, which the slide shows;
    "To ensure {% … %} supports it, check the version." keeps its main clause. Anything else holding code
    stays unspeakable.
    """
    first = sentence.find(UNSPEAKABLE)
    if first < 0:
        return sentence
    if (example := _CLOSING_EXAMPLE.search(sentence)) and example.start() < first:
        kept = sentence[: example.start()].rstrip()
        if len(kept.split()) >= _MIN_SALVAGED_WORDS and not _LEAD_IN.search(kept + ":"):
            return kept + "."
    if (purpose := _PURPOSE_CLAUSE.match(sentence)) and UNSPEAKABLE not in sentence[purpose.end() :]:
        main = sentence[purpose.end() :]
        if len(main.split()) >= _MIN_SALVAGED_WORDS:
            return main[0].upper() + main[1:]
    cuts = [m.start() for m in _MEANS_CLAUSE.finditer(sentence, 0, first)]
    if not cuts:
        return sentence
    kept = sentence[: cuts[-1]].rstrip(" ,;:")
    if len(kept.split()) < _MIN_SALVAGED_WORDS or _DETERMINER_END.search(kept + " "):
        return sentence
    return kept + "."


@dataclass
class Section:
    heading: str | None
    blocks: list[Block] = field(default_factory=list)
    apparatus: bool = False  # a table of contents, reference or language list: never narrated
    visuals: list[Visual] = field(default_factory=list)  # figures, code, tables, formulas: shown, never read

    def add_sentences(self, text: str) -> None:
        """The speakable sentences of a paragraph, in order.

        Left out: a sentence holding a formula or code, a bracketed aside, and a fragment of one or
        two words without a full stop ('or', 'For example:'), which only introduces what follows
        (a label with its value, "Aliases: example", is kept).
        """
        sentences = (_without_code_clause(s) for s in split_sentences(text))
        self.blocks.extend(
            Block(s)
            for s in sentences
            if speakable(s) and not _ASIDE.match(s) and (ends_sentence(s) or len(s.split()) >= 3 or _LABELLED.match(s))
        )

    def add_item(self, text: str) -> None:
        text = _without_code_clause(text)
        if text and speakable(text):
            self.blocks.append(Block(text, is_item=True))

    @property
    def items(self) -> list[str]:
        return [b.text for b in self.blocks if b.is_item]

    def sentences(self, language: str = "en") -> list[str]:
        """Everything to narrate, each ending in its language's full stop (list items and lead-ins too)."""
        return [as_sentence(b.text.rstrip(":"), language) for b in self.blocks]

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


_CLOSERS = {")": "(", "]": "["}


def _url_gap(match: re.Match) -> str:
    """What a URL leaves behind: the punctuation after it (and a closing bracket it did not open), or
    UNSPEAKABLE where the sentence needs it ("Please see https://… for more")."""
    url, tail = match.group(), ""
    while url and (
        url[-1] in ".,;:!?'\"" or (url[-1] in _CLOSERS and url.count(url[-1]) > url.count(_CLOSERS[url[-1]]))
    ):
        url, tail = url[:-1], url[-1] + tail
    needed = _BEFORE_OBJECT.search(match.string, max(0, match.start() - 12), match.start())
    return (UNSPEAKABLE if needed else "") + tail


def clean_spoken(text: str) -> str:
    """Plain words for a voice and a slide: no URLs, emoji, stray markup or doubled spaces.

    A URL that is the object of its sentence marks the sentence unspeakable instead of leaving a hole.
    """
    text = _URL.sub(_url_gap, text)
    text = _PICTOGRAPHS.sub("", text)
    text = _MARKUP_LEFTOVERS.sub("", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r"\s+([.,;:!?।॥۔،؟])", r"\1", " ".join(text.split()))
    return text.strip(" -–—;,").lstrip(":").strip()


def _is_closed(text: str) -> bool:
    """Ends a sentence, or introduces what follows (a colon): either way, add no full stop."""
    return ends_sentence(text) or text.endswith(":")


_FULL_STOP = {"hi": "।", "mr": "।", "ne": "।", "ur": "۔"}


def as_sentence(text: str, language: str = "en") -> str:
    """`text` ending in its language's full stop (a list item read aloud as a sentence)."""
    return text if _is_closed(text) else text.rstrip(",;") + _FULL_STOP.get(language, ".")


def _inline_text(token: Token) -> str:
    """The readable text of an inline token: link text kept, code said only when it is words, images dropped.

    A line that is mostly links (a table of contents, a language list, a row of badges) is navigation: "".
    """
    parts: list[str] = []
    link_words = links = 0
    in_link = False
    children = token.children or []
    for n, child in enumerate(children):
        if child.type == "link_open":
            in_link, links = True, links + 1
        elif child.type == "link_close":
            in_link = False
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type in ("text", "code_inline"):
            if child.type == "text":
                words = child.content
            else:
                before = children[n - 1].content if n else ""
                after = children[n + 1].content if n + 1 < len(children) else ""
                modifier = bool(_DETERMINER_END.search(before) and re.match(r"\s+\w", after))
                words = inline_code_words(child.content, modifies_next=modifier)
            link_words += len(words.split()) if in_link else 0
            for broken in _BROKEN_LINK.finditer(words):  # '[text](url with spaces)' is still a link
                links, link_words = links + 1, link_words + len(broken.group(1).split())
            parts.append(_BROKEN_LINK.sub(r"\1", words))
    raw = _CELL_MATH_MARK.sub("", _FORMULA_MARK.sub("", "".join(parts)))
    text = clean_spoken(raw)
    total = len(text.split()) or 1
    if links and link_words >= total * _NAVIGATION_SHARE:
        return ""
    if (links or _URL.search(raw)) and total <= 3:
        return ""  # 'More reading: https://…' is a pointer, not a sentence
    return "" if is_other_languages_line(text) else text


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
    headers = list(dict.fromkeys(h for h in headers if h and UNSPEAKABLE not in h))
    if len(headers) < 2:
        return "", i
    listed = ", ".join(headers[:-1]) + " and " + headers[-1]
    return f"A table sets out {listed}.", i


def _cell_text(token: Token, cell_math: list[str]) -> str:
    """What a table cell shows: its text and code as written, formulas as readable maths, no markup."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    text = _CELL_MATH_MARK.sub(lambda m: readable(cell_math[int(m.group(1))]).replace("\n", " "), "".join(parts))
    return " ".join(_PICTOGRAPHS.sub("", text).replace(UNSPEAKABLE, "…").split())


def _table_visual(tokens: list[Token], start: int, cell_math: list[str]) -> TableVisual | None:
    """The table from `table_open` at `start` as data: its header and (at most MAX_TABLE_ROWS) rows."""
    header: list[str] = []
    rows: list[list[str]] = []
    in_head = False
    i = start
    while tokens[i].type != "table_close":
        kind = tokens[i].type
        if kind in ("thead_open", "thead_close"):
            in_head = kind == "thead_open"
        elif kind == "tr_open" and not in_head:
            rows.append([])
        elif kind == "inline":
            (header if in_head else rows[-1]).append(_cell_text(tokens[i], cell_math))
        i += 1
    rows = [row for row in rows if any(row)][:MAX_TABLE_ROWS]
    return TableVisual(header=header, rows=rows) if header and (rows or any(header)) else None


def _inline_visuals(token: Token, formulas: list[str]) -> list[Visual]:
    """The figures and display formulas in an inline token, in order (badges and vector images left out)."""
    found: list[Visual] = []
    for child in token.children or []:
        if child.type == "image":
            source = str(child.attrs.get("src") or "").strip()
            if source and not _NOT_A_FIGURE.search(source):
                found.append(FigureVisual(source=source, alt=clean_spoken(child.content.replace(UNSPEAKABLE, ""))))
        elif child.type == "text":
            found += [
                FormulaVisual(latex=formulas[int(m.group(1))])
                for m in _FORMULA_MARK.finditer(child.content)
                if formulas[int(m.group(1))].strip()
            ]
    return found


def _mark_formulas(text: str) -> tuple[str, list[str], list[str]]:
    """Display formulas out of the text, each a mark in a paragraph of its own; inline formulas of table rows
    too, as marks in their cells. Code blocks are left as they are."""
    formulas: list[str] = []
    cell_math: list[str] = []

    def display(match: re.Match) -> str:
        whole = match.group()
        body = whole if whole.startswith("\\begin") else whole[2:-2]
        formulas.append(body.strip())
        return f"\n\n\ue000{len(formulas) - 1}\ue001\n\n"

    def in_cell(match: re.Match) -> str:
        cell_math.append(match.group(1) or match.group(2))
        return f"\ue002{len(cell_math) - 1}\ue003"

    def mark(part: str) -> str:
        part = DISPLAY_MATH.sub(display, part)
        lines = part.split("\n")
        return "\n".join(INLINE_MATH.sub(in_cell, line) if line.lstrip().startswith("|") else line for line in lines)

    return outside_fences(text, mark), formulas, cell_math


def _markdown_outline(text: str, formulas: list[str] | None = None, cell_math: list[str] | None = None) -> Outline:
    formulas, cell_math = formulas or [], cell_math or []
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    outline = Outline(title=None, sections=[Section(heading=None)])
    list_depth = 0
    tables: set[str] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            heading = _inline_text(tokens[i + 1]).replace(UNSPEAKABLE, "").strip().rstrip(":")
            if token.tag == "h1" and outline.title is None and not any(s.blocks for s in outline.sections):
                outline.title = heading or None
            elif heading:
                outline.sections.append(Section(heading=heading, apparatus=bool(APPARATUS_HEADING.match(heading))))
            i += 3
            continue
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type in ("fence", "code_block"):
            outline.code_blocks += 1
            if token.content.strip():
                language = token.info.split()[0] if token.type == "fence" and token.info.strip() else None
                outline.sections[-1].visuals.append(CodeVisual(code=token.content.rstrip(), language=language))
            blocks = outline.sections[-1].blocks
            if blocks and _LEAD_IN.search(blocks[-1].text) and not blocks[-1].is_item:
                blocks.pop()  # 'use the option as follows:' introduces code that is shown, not said
        elif token.type == "table_open":
            if table := _table_visual(tokens, i, cell_math):
                outline.sections[-1].visuals.append(table)
            line, i = _table_line(tokens, i)
            if line and line not in tables:  # one line per kind of table, not one per copy of it
                tables.add(line)
                outline.sections[-1].blocks.append(Block(line))
        elif token.type == "inline":
            outline.sections[-1].visuals += _inline_visuals(token, formulas)
            content = _inline_text(token)
            if content and list_depth:
                outline.sections[-1].add_item(content)
            elif content:
                outline.sections[-1].add_sentences(content)
        i += 1
    return outline


def _looks_like_heading(line: str, underlined: bool) -> bool:
    """Underlined, ALL CAPS, or short, capitalised and unpunctuated; never an example line or a list item.

    Example lines ('(2) the abbreviations etc. and jr', 'or') start in lower case or with a
    bracket, so they stay prose.
    """
    words = line.split()
    if not 0 < len(words) <= 10 or len(line) > 70 or _TXT_BULLET.match(line):
        return False
    if underlined:
        return True
    if len(line) >= 3 and line.upper() == line and line.lower() != line:  # ALL CAPS
        return not line.endswith((".", ",", ";"))
    first = line[0]
    capitalised = first.isupper() or (first.isalpha() and first.lower() == first.upper())  # scripts without case
    return len(words) <= 8 and capitalised and not _is_closed(line) and not line.endswith((",", ";"))


def _add_prose(section: Section, lines: list[str]) -> None:
    """Append the sentences of the collected prose lines, then forget them."""
    section.add_sentences(clean_spoken(" ".join(lines)))
    lines.clear()


def _paragraph_heading(lines: list[str], more_follows: bool) -> str | None:
    """The heading that opens a paragraph (removing its lines), or None."""
    underlined = len(lines) > 1 and bool(_UNDERLINE.match(lines[1]))
    if not _looks_like_heading(lines[0], underlined) or not (underlined or len(lines) > 1 or more_follows):
        return None
    heading = clean_spoken(lines.pop(0)).rstrip(":")
    if underlined:
        lines.pop(0)
    return heading or None


def _header_fields(paragraph: str) -> dict[str, str]:
    """'Key: value' lines of a header block, lowercased keys; {} unless most lines are such fields."""
    lines = [line for line in paragraph.splitlines() if not line.startswith((" ", "\t"))]
    matches = [m for line in lines if (m := _HEADER_FIELD.match(line))]
    if len(matches) < 3 or len(matches) < 0.6 * len(lines):
        return {}
    return {k.lower(): v.strip() for k, v in reversed([m.groups() for m in matches])}  # the first of each key


def _text_outline(text: str, title: str | None = None) -> Outline:
    """Plain text: blank lines separate paragraphs; underlined, ALL-CAPS or short capitalised lines head sections."""
    outline = Outline(title=title, sections=[Section(heading=None)])
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]
    for n, paragraph in enumerate(paragraphs):
        if _RST_COMMENT.match(paragraph):
            continue  # an RST directive or comment with its indented options
        lines = [line.strip() for line in paragraph.splitlines() if line.strip() and not _RST_COMMENT.match(line)]
        if not lines:
            continue
        heading = _paragraph_heading(lines, n + 1 < len(paragraphs))
        if heading:
            if outline.title is None and not lines and not any(s.blocks for s in outline.sections):
                outline.title = heading
            else:
                outline.sections.append(Section(heading=heading, apparatus=bool(APPARATUS_HEADING.match(heading))))
        prose: list[str] = []
        for line in lines:
            if _CODE_LINE.search(line):
                continue  # a line of code in plain text (an example, a quickstart): shown, never read
            if _TXT_BULLET.match(line):
                _add_prose(outline.sections[-1], prose)
                outline.sections[-1].add_item(clean_spoken(_TXT_BULLET.sub("", line)))
            else:
                prose.append(line)
        _add_prose(outline.sections[-1], prose)
    return outline


def parse_notes(text: str, *, markdown: bool = True) -> Outline:
    """Sections with something to say, in order (empty ones and navigation dropped).

    Plain text that opens with an RFC 822 header (a PEP, a package's metadata) is titled by
    its Title or Name field, and read as markdown when its Description-Content-Type says so.
    """
    title = None
    if not markdown:
        first, _, rest = text.lstrip().replace("\r\n", "\n").partition("\n\n")
        if fields := _header_fields(first):
            text, title = rest, clean_spoken(fields.get("title") or fields.get("name") or "") or None
            markdown = "markdown" in fields.get("description-content-type", "")
    if markdown:
        marked, formulas, cell_math = _mark_formulas(text)
        outline = _markdown_outline(speech_source(marked), formulas, cell_math)
    else:
        outline = _text_outline(speech_source(text), title)
    outline.title = title or outline.title
    outline.sections = _keep_material([s for s in outline.sections if not s.apparatus])
    return outline


def _keep_material(sections: list[Section]) -> list[Section]:
    """The sections with something to say; a silent section's visuals (a heading over only a figure) join
    the section before it, or the first one after it."""
    kept: list[Section] = []
    waiting: list[Visual] = []
    for section in sections:
        if section.blocks:
            section.visuals[:0] = waiting
            waiting = []
            kept.append(section)
        elif kept:
            kept[-1].visuals += section.visuals
        else:
            waiting += section.visuals
    return kept

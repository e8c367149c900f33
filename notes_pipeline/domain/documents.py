"""From raw bytes to a NotesDocument, with an error a person can act on for every bad file."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import tomllib
import unicodedata
from pathlib import PurePosixPath
from typing import Any

import yaml
from pydantic import ValidationError

from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.language import SUPPORTED_LANGUAGES, detect_language, language_code
from notes_pipeline.domain.models import NotesDocument, RenderOptions

NOTES_SUFFIXES = (".md", ".markdown", ".txt", ".prompt", ".json")
PROMPT_SUFFIX = ".prompt"  # a request ("Create a 30-sec ad for a coffee brand") rather than notes
JSON_PROMPT_SUFFIX = ".json"  # the same request for programs: {"prompt": "...", "tone": "playful", ...}
HASH_CHARS = 10
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_TOML_FRONT_MATTER = re.compile(r"\A\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)", re.DOTALL)
# Unicode's control characters (category Cc) other than the line and page breaks and tabs text is made of.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Magic numbers of files people rename by mistake, so the error can say what the file really is.
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or a .docx/.xlsx file)",
    b"\x1f\x8b": "a gzip archive",
    b"GIF8": "a GIF image",
    b"\x7fELF": "a program (ELF binary)",
}


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def is_notes_file(name: str) -> bool:
    return _suffix(name) in NOTES_SUFFIXES


def slugify(name: str, *, max_length: int = 40) -> str:
    """A lowercase ASCII slug of a file's stem ('Photo Synthesis (v2).md' -> 'photo-synthesis-v2')."""
    stem = PurePosixPath(name).name
    for suffix in NOTES_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "notes"


def document_id(source_name: str, sha256_hex: str) -> str:
    """Partition key: readable slug plus a short content hash, so an edit is a new partition."""
    return f"{slugify(source_name)}-{sha256_hex[:HASH_CHARS]}"


def _describe_size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def _bom_encoding(data: bytes) -> str:
    """The codec a byte order mark names (Notepad and Word write UTF-16 with one), else UTF-8."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8-sig"


def decode_notes(data: bytes, *, max_bytes: int) -> str:
    """Bytes to text (UTF-8, or UTF-8/16/32 with a byte order mark), refusing what is not notes and saying why."""
    if len(data) > max_bytes:
        raise BadInputError(
            f"the file is {_describe_size(len(data))}, over the limit of {_describe_size(max_bytes)} "
            "(setting max_notes_bytes); split the notes into several documents"
        )
    if not data.strip():
        raise BadInputError("the file is empty: there are no notes to turn into a video")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise BadInputError(f"this is not a text file: it looks like {what}; save the notes as .md or .txt")
    encoding = _bom_encoding(data)
    if encoding == "utf-8-sig" and b"\x00" in data[:8192]:
        raise BadInputError("this is not a text file: it contains NUL bytes (binary data renamed to a notes name?)")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        bad = data[err.start : err.start + 1].hex()
        name = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
        raise BadInputError(
            f"the file is not valid {name}: byte 0x{bad} at offset {err.start} cannot be decoded; "
            "save it with UTF-8 encoding"
        ) from None
    controls = len(_CONTROLS.findall(text))
    if controls > max(8, len(text) // 100):
        raise BadInputError(f"this is not a text file: {controls} control characters in {len(text)} characters")
    return text


def text_preview(data: bytes) -> str:
    """The start of a file as text, never raising: enough to read its front matter without validating it."""
    return data[:65536].decode(_bom_encoding(data), errors="replace")


def _json_safe(value: Any) -> Any:
    """Front matter values as JSON can hold them (YAML and TOML dates become their text)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _tags(value: Any) -> list[str]:
    """Tags as tools write them: a list, or one string separated by commas or spaces ('jekyll, update')."""
    items = value if isinstance(value, list) else re.split(r"[,\s]+", str(value))
    return [str(item).strip() for item in items if str(item).strip()]


def _problems(err: ValidationError) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg'].removeprefix('Value error, ')}"
        for e in err.errors()
    ]


def _read_front_matter(raw: object, where: str) -> tuple[RenderOptions, dict[str, Any]]:
    """Options from the keys the pipeline owns (strictly); the rest as NotesDocument's title,
    description, tags and front_matter.

    Another tool's key (title, author, date, layout, ...) is data, kept; only a near miss of an
    owned key ('resolutoin') is an error, because the person meant an option and would
    otherwise silently not get it.
    """
    if not isinstance(raw, dict):
        raise BadInputError(f"the {where} must be a mapping of option: value")
    owned = set(RenderOptions.model_fields)
    options: dict[str, Any] = {}
    facts: dict[str, Any] = {"title": None, "description": None, "tags": [], "front_matter": {}}
    problems: list[str] = []
    for key, value in raw.items():
        name = str(key)
        if name in owned:
            options[name] = value
        elif name in ("title", "description", "summary") and value is not None:
            field = "title" if name == "title" else "description"
            if facts[field] is None:
                facts[field] = str(value).strip() or None
            else:
                facts["front_matter"][name] = _json_safe(value)
        elif name == "tags" and value is not None:
            facts["tags"] = _tags(value)
        elif near := difflib.get_close_matches(re.sub(r"[-\s]+", "_", name.lower()), owned, n=1, cutoff=0.8):
            problems.append(f"{name}: unknown option; did you mean `{near[0]}`?")
        else:
            facts["front_matter"][name] = _json_safe(value)
    lang = language_code(str(raw["lang"])) if isinstance(raw.get("lang"), str) else None
    if "language" not in options and lang in SUPPORTED_LANGUAGES:
        options["language"] = lang
    try:
        validated = RenderOptions.model_validate(options)
    except ValidationError as err:
        problems += _problems(err)
    if problems:
        raise BadInputError(f"invalid options in the {where}: {'; '.join(problems)}")
    return validated, facts


def _front_matter_block(text: str) -> tuple[object, str]:
    """(what a leading YAML '---' or TOML '+++' block holds, or None without one; the text after it)."""
    for pattern, syntax in ((_FRONT_MATTER, "YAML"), (_TOML_FRONT_MATTER, "TOML")):
        match = pattern.match(text)
        if match:
            try:
                raw = yaml.safe_load(match.group(1)) if syntax == "YAML" else tomllib.loads(match.group(1))
            except (yaml.YAMLError, tomllib.TOMLDecodeError) as err:
                raise BadInputError(f"the front matter is not valid {syntax}: {err}") from None
            return ({} if raw is None else raw), text[match.end() :]
    return None, text


def split_front_matter(text: str) -> tuple[RenderOptions, dict[str, Any], str]:
    """Options and facts from a leading YAML ('---') or TOML ('+++', Hugo) block, and the notes after it."""
    raw, body = _front_matter_block(text)
    if raw is None:
        return RenderOptions(), {}, text
    options, facts = _read_front_matter(raw, "front matter")
    return options, facts, body


def split_json_prompt(text: str) -> tuple[RenderOptions, dict[str, Any], str]:
    """A .json prompt file: the request under "prompt", every other key as in front matter."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise BadInputError(
            f"the prompt file is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
        ) from None
    if not isinstance(raw, dict):
        raise BadInputError('the prompt file must be a JSON object such as {"prompt": "…", "review": true}')
    prompt = raw.pop("prompt", None)
    if not isinstance(prompt, str) or not prompt.strip():
        raise BadInputError('the prompt file has no "prompt": put the request in it as text')
    options, facts = _read_front_matter(raw, "prompt file")
    return options, facts, prompt


def options_mapping(text: str) -> dict | None:
    """The raw options a document names (front matter or a JSON prompt), without validating them."""
    try:
        raw = _front_matter_block(text)[0]
        if raw is None and text.lstrip().startswith("{"):
            raw = json.loads(text)
    except (BadInputError, json.JSONDecodeError):
        return None
    return raw if isinstance(raw, dict) else None


def read_notes(source_name: str, data: bytes, *, max_bytes: int) -> tuple[RenderOptions, dict[str, Any], str]:
    """(options, facts for NotesDocument, the notes): everything but the language, which costs a pass over
    all the text; the inbox sensor calls this to say at registration why a run would fail."""
    text = decode_notes(data, max_bytes=max_bytes)
    split = split_json_prompt if _suffix(source_name) == JSON_PROMPT_SUFFIX else split_front_matter
    options, facts, body = split(text)
    if not body.strip():
        raise BadInputError("the file has front matter but no notes after it")
    return options, facts, body


def parse_document(doc_id: str, source_name: str, data: bytes, *, max_bytes: int) -> NotesDocument:
    options, facts, body = read_notes(source_name, data, max_bytes=max_bytes)
    return NotesDocument(
        doc_id=doc_id,
        source_name=source_name,
        content_hash=content_hash(data),
        text=body,
        language=options.language or detect_language(body),
        options=options,
        kind="prompt" if _suffix(source_name) in (PROMPT_SUFFIX, JSON_PROMPT_SUFFIX) else "notes",
        **facts,
    )

"""From raw bytes to a NotesDocument, with an error a person can act on for every bad file."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePosixPath

import yaml
from pydantic import ValidationError

from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.language import detect_language
from notes_pipeline.domain.models import NotesDocument, RenderOptions

NOTES_SUFFIXES = (".md", ".markdown", ".txt", ".prompt")
PROMPT_SUFFIX = ".prompt"  # a request ("Create a 30-sec ad for a coffee brand") rather than notes
HASH_CHARS = 10
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
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


def is_notes_file(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in NOTES_SUFFIXES


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


def decode_notes(data: bytes, *, max_bytes: int) -> str:
    """Bytes to text, refusing what is not UTF-8 notes and saying why."""
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
    if b"\x00" in data[:8192]:
        raise BadInputError("this is not a text file: it contains NUL bytes (binary data renamed to a notes name?)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        bad = data[err.start : err.start + 1].hex()
        raise BadInputError(
            f"the file is not valid UTF-8: byte 0x{bad} at offset {err.start} cannot be decoded; "
            "save it with UTF-8 encoding"
        ) from None
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(8, len(text) // 100):
        raise BadInputError(f"this is not a text file: {controls} control characters in {len(text)} characters")
    return text


def split_front_matter(text: str) -> tuple[RenderOptions, str]:
    """Options from a leading YAML block ('---' ... '---'), and the notes after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return RenderOptions(), text
    try:
        raw = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as err:
        raise BadInputError(f"the front matter is not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise BadInputError("the front matter must be a mapping of option: value")
    try:
        options = RenderOptions.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in err.errors()
        )
        raise BadInputError(f"invalid options in the front matter: {problems}") from None
    return options, text[match.end() :]


def parse_document(doc_id: str, source_name: str, data: bytes, *, max_bytes: int) -> NotesDocument:
    text = decode_notes(data, max_bytes=max_bytes)
    options, body = split_front_matter(text)
    if not body.strip():
        raise BadInputError("the file has front matter but no notes after it")
    return NotesDocument(
        doc_id=doc_id,
        source_name=source_name,
        content_hash=content_hash(data),
        text=body,
        language=options.language or detect_language(body),
        options=options,
        kind="prompt" if PurePosixPath(source_name).suffix.lower() == PROMPT_SUFFIX else "notes",
    )

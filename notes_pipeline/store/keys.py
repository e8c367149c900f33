"""Where every object lives in the bucket: one place, so the layout is readable and stable.

inbox/<name>                                  what people drop in
projects/<doc_id>/source.json                 registration record (name, hash, size)
projects/<doc_id>/source/<name>               the notes as registered (immutable copy)
projects/<doc_id>/script.json                 the working copy: what a person edits
projects/<doc_id>/script.v<N>.json            every version, kept (never rewritten)
projects/<doc_id>/uploads/<sha256>.png        pictures a person supplied for scenes
projects/<doc_id>/candidates/<sha256>.{png,mp4,json}   with review: pictures (clips) found per scene
                                              for `edit --pick`, with what they are (provider, licence)
projects/<doc_id>/scenes/<nn>/{audio.wav,words.json,image.png}
projects/<doc_id>/scenes/<nn>/clip.mp4       a muted background clip, when the scene has one (image.png: its poster)
projects/<doc_id>/variants/<variant>/{script.v<N>.json,scenes/<nn>/...}   other languages/formats
projects/<doc_id>/renders/<render_id>/{video.mp4,subtitles.srt,subtitles.vtt,
                                       thumbnail.jpg,provenance.json}
projects/<doc_id>/manifests/<asset>.json      the assets' values
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

INBOX_PREFIX = "inbox/"
PROJECTS_PREFIX = "projects/"
MAX_KEY_LENGTH = 1024
MAX_COPY_NAME_BYTES = 240  # a local folder entry holds 255 bytes
_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_VARIANT = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


class InvalidKeyError(ValueError):
    pass


def validate_key(key: str) -> str:
    """Refuse keys that could escape the bucket or its folder: '..', absolute paths, control chars.

    The length bound is S3's: 1,024 bytes of UTF-8 (a key that is not valid UTF-8, such as
    an undecodable local file name, cannot be stored there and is refused too).
    """
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidKeyError(f"object key {key!r} is not valid UTF-8") from None
    if not key or size > MAX_KEY_LENGTH:
        raise InvalidKeyError(f"object key must be 1-{MAX_KEY_LENGTH} bytes of UTF-8, got {size}")
    if key.startswith("/") or "\\" in key or "\x00" in key:
        raise InvalidKeyError(f"object key {key!r} is absolute or contains a backslash/NUL")
    if any(ord(ch) < 32 for ch in key):
        raise InvalidKeyError(f"object key {key!r} contains control characters")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts[:-1]) or parts[-1] in (".", ".."):
        raise InvalidKeyError(f"object key {key!r} has an empty, '.' or '..' segment")
    return key


def validate_doc_id(doc_id: str) -> str:
    if not _DOC_ID.match(doc_id):
        raise InvalidKeyError(f"document id {doc_id!r} is not a lowercase slug")
    return doc_id


def project_prefix(doc_id: str) -> str:
    return f"{PROJECTS_PREFIX}{validate_doc_id(doc_id)}/"


def source_record(doc_id: str) -> str:
    return project_prefix(doc_id) + "source.json"


def source_copy(doc_id: str, source_name: str) -> str:
    # Only the last path segment: the copy never recreates inbox sub-folders or '..'.
    name = PurePosixPath(source_name).name or "notes"
    if len(name.encode()) > MAX_COPY_NAME_BYTES:  # an S3 name of ~1,000 bytes would not fit below the project
        suffix = PurePosixPath(name).suffix[:16]
        name = name.encode()[: MAX_COPY_NAME_BYTES - len(suffix.encode())].decode(errors="ignore") + suffix
    return validate_key(project_prefix(doc_id) + "source/" + name)


def script(doc_id: str) -> str:
    return project_prefix(doc_id) + "script.json"


def script_version(doc_id: str, version: int) -> str:
    return project_prefix(doc_id) + f"script.v{int(version)}.json"


def upload(doc_id: str, sha256_hex: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256_hex):
        raise InvalidKeyError(f"uploads are named by their sha256, got {sha256_hex!r}")
    return project_prefix(doc_id) + f"uploads/{sha256_hex}.png"


CANDIDATE_EXTENSIONS = ("png", "mp4", "json")


def candidate(doc_id: str, sha256_hex: str, extension: str) -> str:
    """A picture found for a scene and kept for review: the still (png), its clip (mp4), what it is (json)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256_hex) or extension not in CANDIDATE_EXTENSIONS:
        raise InvalidKeyError(
            f"candidates are named by their sha256 and one of {CANDIDATE_EXTENSIONS}, got {sha256_hex!r}.{extension}"
        )
    return project_prefix(doc_id) + f"candidates/{sha256_hex}.{extension}"


def candidate_record(image_key: str) -> str | None:
    """The json beside a candidate's still, or None when the key is not a candidate's (e.g. an upload)."""
    match = re.fullmatch(r"(projects/[a-z0-9][a-z0-9-]{0,79}/candidates/[0-9a-f]{64})\.png", image_key)
    return f"{match.group(1)}.json" if match else None


def variant_prefix(doc_id: str, variant: str) -> str:
    if not _VARIANT.match(variant):
        raise InvalidKeyError(f"render variant {variant!r} is not a lowercase slug")
    return project_prefix(doc_id) + f"variants/{variant}/"


def variant_script(doc_id: str, variant: str, version: int) -> str:
    return variant_prefix(doc_id, variant) + f"script.v{int(version)}.json"


def scene_prefix(doc_id: str, scene_index: int, variant: str | None = None) -> str:
    """A variant's scene media live apart, so renders of two variants never overwrite each other's clips."""
    base = variant_prefix(doc_id, variant) if variant else project_prefix(doc_id)
    return base + f"scenes/{scene_index:02d}/"


def scene_audio(doc_id: str, scene_index: int, variant: str | None = None) -> str:
    return scene_prefix(doc_id, scene_index, variant) + "audio.wav"


def scene_words(doc_id: str, scene_index: int, variant: str | None = None) -> str:
    return scene_prefix(doc_id, scene_index, variant) + "words.json"


def scene_image(doc_id: str, scene_index: int, variant: str | None = None) -> str:
    return scene_prefix(doc_id, scene_index, variant) + "image.png"


def scene_clip(doc_id: str, scene_index: int, variant: str | None = None) -> str:
    """A scene's background clip (muted MP4); its image.png is then the clip's poster frame."""
    return scene_prefix(doc_id, scene_index, variant) + "clip.mp4"


def render_prefix(doc_id: str, render_id: str) -> str:
    return project_prefix(doc_id) + f"renders/{render_id}/"


def render_file(doc_id: str, render_id: str, name: str) -> str:
    return validate_key(render_prefix(doc_id, render_id) + name)


def manifest(doc_id: str, asset_name: str) -> str:
    return project_prefix(doc_id) + f"manifests/{asset_name}.json"

"""Find new notes in the bucket's inbox and register each once, as an immutable copy.

The inbox is swept in key order, one capped page per call, the same way on every bucket:
the cursor is the sweep position (the last key looked at), and a sweep that reaches the
end starts again from the first key on the next call, so a file added "behind" the
position is found by the next sweep. Listing is cheap; reading is not: whether a listed
object was already dealt with is answered by the inbox index (store/inbox_index.py) from
its key, size and version (S3 ETag or modification time), without reading it. Only new or
changed objects are read; their content hash gives the document id (slug + hash), so an
edit is new work and the same bytes under another name are a duplicate.

Names are never a reason to stop: a name no key can hold (undecodable bytes, control
characters) or a hidden one (a leading dot: editors' locks, sync tools' copies, our own
temporary files) is refused once, named in a warning, and not looked at again until it changes.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from notes_pipeline.domain.documents import (
    HASH_CHARS,
    content_hash,
    document_id,
    is_notes_file,
    read_notes,
    text_preview,
)
from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.models import SourceRecord
from notes_pipeline.domain.tiers import requested_tier
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, ObjectInfo, put_model
from notes_pipeline.store.inbox_index import CheckedObject, InboxIndex, SeenObject

HIDDEN_NAME = (
    "a name starting with '.' is a hidden or temporary file (an editor's lock, a sync tool's copy); "
    "remove the leading '.' to have it rendered"
)


@dataclass(frozen=True)
class InboxCursor:
    """Where the current sweep of the inbox stands: after `start_after` ('' = a new sweep)."""

    start_after: str = ""
    sweeps: int = 0  # completed sweeps, for the logs

    def to_json(self) -> str:
        return json.dumps({"start_after": self.start_after, "sweeps": self.sweeps})

    @classmethod
    def from_json(cls, raw: str | None) -> InboxCursor:
        """A missing or unreadable cursor starts a new sweep: the index and run keys stop duplicates."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            cursor = cls(str(data["start_after"]), int(data["sweeps"]))
            # Any listed key may be the position, names no key can hold included (a page of them
            # must not stop the sweep); it is only compared with keys, never read or written.
            if cursor.start_after and not cursor.start_after.startswith(keys.INBOX_PREFIX):
                raise ValueError("the sweep position is outside the inbox")
            return cursor
        except (ValueError, KeyError, TypeError):
            return cls()


@dataclass
class InboxScan:
    registered: list[SourceRecord] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (inbox key, existing doc id)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (inbox key, reason): tried again later
    refused: list[tuple[str, str]] = field(default_factory=list)  # (printable key, reason): until it changes
    settling: list[str] = field(default_factory=list)  # changed within settle_s: left for a later sweep
    listed: int = 0  # objects listed by this call
    unchanged: int = 0  # notes the index already knew, not read again
    cursor: InboxCursor = field(default_factory=InboxCursor)
    capped: bool = False  # stopped at `limit` objects to read: the rest follow on the next calls
    sweep_done: bool = False  # reached the end of the inbox: the next call starts a new sweep


def register_source(bucket: Bucket, obj: ObjectInfo, *, max_bytes: int, data: bytes | None = None) -> SourceRecord:
    """Copy one inbox object under its project and write source.json; returns the record.

    Files over the size limit are never read (a 10 GB drop must not exhaust the sensor):
    they are identified by key, size and version, and their run fails at the script stage
    with the size in the message. Readable ones are parsed here too, so the record keeps other
    tools' front matter and the sensor can say at once why a run will fail (bad options, bytes).
    """
    name = _source_name(obj)
    tier, front_matter, problem = None, {}, None
    if obj.size > max_bytes:
        digest = hashlib.sha256(f"oversize:{obj.key}:{obj.size}:{obj.version}".encode()).hexdigest()
        doc_id, copy_key = document_id(name, digest), None
    else:
        data = _read(bucket, obj, max_bytes=max_bytes) if data is None else data
        digest = content_hash(data)
        doc_id = document_id(name, digest)
        copy_key = keys.source_copy(doc_id, name)
        bucket.put_bytes(copy_key, data)
        tier = requested_tier(text_preview(data))
        try:
            front_matter = read_notes(name, data, max_bytes=max_bytes)[1].get("front_matter", {})
        except BadInputError as err:
            problem = str(err)
    record = SourceRecord(
        doc_id=doc_id,
        source_key=obj.key,
        source_name=name,
        content_hash=digest,
        size_bytes=obj.size,
        copy_key=copy_key,
        registered_at=datetime.now(UTC).isoformat(timespec="seconds"),
        tier=tier,
        front_matter=front_matter,
        problem=problem,
    )
    put_model(bucket, keys.source_record(doc_id), record)
    return record


def scan_inbox(
    bucket: Bucket,
    cursor: InboxCursor,
    *,
    known_doc_ids: Iterable[str],
    max_bytes: int,
    index: InboxIndex | None = None,
    limit: int = 50,
    list_limit: int = 1000,
    settle_s: float = 1.0,
    settle_wait_s: float = 0.0,
    retry_skipped_s: float = 600.0,
    workers: int = 8,
    now_ns: int | None = None,
) -> InboxScan:
    """One step of the sweep: list at most `list_limit` keys after the cursor, read at most `limit`.

    `known_doc_ids` are the documents whose registration was committed (the Dagster
    partitions): an index row only counts as seen when its document is among them, so a
    tick that registered files but whose result was lost registers them again. Without an
    `index` every listed note is read (one-off scans). Files changed in the last `settle_s`
    seconds may still be being written and are left for a later sweep; when they would all have
    settled within `settle_wait_s`, the call waits once and lists the page again, so a note
    dropped just before a sensor tick is not left for the next one. An unreadable file
    is reported in `skipped`, tried again after `retry_skipped_s` (or when it changes), and
    never stops the scan.
    """
    now_ns = time.time_ns() if now_ns is None else now_ns
    settled_before = now_ns - int(settle_s * 1e9)
    known = set(known_doc_ids)

    def list_page() -> tuple[list[ObjectInfo], list[ObjectInfo], dict[str, SeenObject]]:
        listed = bucket.list(keys.INBOX_PREFIX, start_after=cursor.start_after or None, limit=list_limit, hidden=True)
        notes = [o for o in listed if is_notes_file(o.key)]
        return listed, notes, index.lookup(notes, retry_skipped_s=retry_skipped_s) if index is not None else {}

    listed, notes, seen = list_page()
    if settle_wait_s > 0:
        settling = [
            o.modified_ns
            for o in notes
            if o.modified_ns > settled_before and not _already_dealt_with(seen.get(o.key), o, known)
        ]
        wait_ns = max(settling, default=settled_before) - settled_before
        if 0 < wait_ns <= settle_wait_s * 1e9:
            time.sleep(wait_ns / 1e9)
            settled_before += wait_ns
            listed, notes, seen = list_page()

    scan = InboxScan(cursor=cursor, listed=len(listed))
    position = cursor.start_after
    to_read: list[ObjectInfo] = []
    refused: list[CheckedObject] = []
    for obj in listed:
        if is_notes_file(obj.key):
            refusal = _refusal(obj)
            if _already_dealt_with(seen.get(obj.key), obj, known):
                scan.unchanged += 1
            elif obj.modified_ns > settled_before:
                scan.settling.append(obj.key)
            elif refusal is not None:
                scan.refused.append((printable_key(obj.key), refusal))
                refused.append(
                    CheckedObject(key=obj.key, size=obj.size, version=obj.version, outcome="refused", reason=refusal)
                )
            elif len(to_read) >= limit:
                scan.capped = True
                break
            else:
                to_read.append(obj)
        position = obj.key
    scan.sweep_done = not scan.capped and len(listed) < list_limit

    checked = refused + _identify_all(bucket, to_read, known, scan, max_bytes=max_bytes, workers=workers)
    if index is not None:
        index.record(checked)
        index.forget_missing(
            after=cursor.start_after, through=None if scan.sweep_done else position, listed=[o.key for o in notes]
        )
    scan.cursor = InboxCursor("", cursor.sweeps + 1) if scan.sweep_done else InboxCursor(position, cursor.sweeps)
    return scan


def _source_name(obj: ObjectInfo) -> str:
    return obj.key[len(keys.INBOX_PREFIX) :]


def printable_key(key: str) -> str:
    """A name no key can hold, as a log line can show it: undecodable bytes and control characters
    escaped ('inbox/caf\\xe9.md')."""
    text = key.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(repr(ch)[1:-1] if ord(ch) < 32 or ord(ch) == 127 else ch for ch in text)


def _refusal(obj: ObjectInfo) -> str | None:
    """Why an inbox entry is not taken, for its name alone; None when it is read."""
    if obj.refused is not None:
        return f"{obj.refused}; rename it"
    return HIDDEN_NAME if _source_name(obj).rpartition("/")[2].startswith(".") else None


def _already_dealt_with(entry: SeenObject | None, obj: ObjectInfo, known: set[str]) -> bool:
    if entry is None or entry.size != obj.size or entry.version != obj.version:
        return False
    if entry.outcome == "refused":
        return True  # the name is the problem: nothing changes until the file does
    if entry.outcome == "skipped":
        return not entry.retry_due
    return entry.doc_id in known


def _read(bucket: Bucket, obj: ObjectInfo, *, max_bytes: int) -> bytes:
    """The object's bytes, never more than `max_bytes` + 1 of them even if it grew after listing."""
    data = bucket.get_bytes(obj.key, max_bytes=max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"grew past the {max_bytes:,}-byte limit after it was listed; it is looked at again later")
    return data


def _identify_all(
    bucket: Bucket, objects: Sequence[ObjectInfo], known: set[str], scan: InboxScan, *, max_bytes: int, workers: int
) -> list[CheckedObject]:
    """Read, hash and register `objects`, filling `scan`; returns what to record in the index.

    Reads and writes run `workers` at a time (an S3 request is mostly waiting), in chunks so
    at most `workers` files are held in memory; which file of equal bytes is registered and
    which is its duplicate is decided in key order, so the outcome does not depend on timing.
    """
    by_hash = {doc_id.rsplit("-", 1)[-1]: doc_id for doc_id in known}
    checked: list[CheckedObject] = []

    def skip(obj: ObjectInfo, err: BaseException) -> None:
        reason = f"{type(err).__name__}: {err}"
        scan.skipped.append((obj.key, reason))
        checked.append(CheckedObject(key=obj.key, size=obj.size, version=obj.version, outcome="skipped", reason=reason))

    def read(obj: ObjectInfo) -> bytes | BaseException | None:
        if obj.size > max_bytes:
            return None  # over the limit: registered by key and version, never read
        try:
            return _read(bucket, obj, max_bytes=max_bytes)
        except Exception as err:  # noqa: BLE001 - one bad file must never stop the inbox
            return err

    def register(job: tuple[ObjectInfo, bytes | None]) -> SourceRecord | BaseException:
        try:
            return register_source(bucket, job[0], max_bytes=max_bytes, data=job[1])
        except Exception as err:  # noqa: BLE001
            return err

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="inbox") as pool:
        for start in range(0, len(objects), max(1, workers)):
            chunk = objects[start : start + max(1, workers)]
            new: list[tuple[ObjectInfo, bytes | None]] = []
            for obj, data in zip(chunk, pool.map(read, chunk), strict=True):
                if isinstance(data, BaseException):
                    skip(obj, data)
                    continue
                if data is not None:
                    digest = content_hash(data)
                    existing = by_hash.get(digest[:HASH_CHARS])
                    if existing is not None:
                        scan.duplicates.append((obj.key, existing))
                        checked.append(
                            CheckedObject(
                                key=obj.key, size=obj.size, version=obj.version, outcome="duplicate", doc_id=existing
                            )
                        )
                        continue
                    by_hash[digest[:HASH_CHARS]] = document_id(_source_name(obj), digest)
                new.append((obj, data))
            for (obj, _), record in zip(new, pool.map(register, new), strict=True):
                if isinstance(record, BaseException):
                    skip(obj, record)
                    continue
                scan.registered.append(record)
                checked.append(
                    CheckedObject(
                        key=obj.key, size=obj.size, version=obj.version, outcome="registered", doc_id=record.doc_id
                    )
                )
    return checked

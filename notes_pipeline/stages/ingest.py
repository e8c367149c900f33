"""Find new notes in the bucket's inbox and register each once, as an immutable copy.

The inbox cursor is a watermark of (modification time, key): an edited file gets a newer
time and is seen again; its new content gives it a new document id (slug + content hash),
so an edit is new work and a re-upload of the same bytes is not.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from notes_pipeline.domain.documents import HASH_CHARS, content_hash, document_id, is_notes_file
from notes_pipeline.domain.models import SourceRecord
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, ObjectInfo, put_model


@dataclass(frozen=True, order=True)
class InboxCursor:
    modified_ns: int = 0
    key: str = ""

    def to_json(self) -> str:
        return json.dumps({"modified_ns": self.modified_ns, "key": self.key})

    @classmethod
    def from_json(cls, raw: str | None) -> InboxCursor:
        """A missing or unreadable cursor starts from the beginning: run keys still stop duplicates."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            return cls(int(data["modified_ns"]), str(data["key"]))
        except (ValueError, KeyError, TypeError):
            return cls()


@dataclass
class InboxScan:
    registered: list[SourceRecord] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (inbox key, existing doc id)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (inbox key, reason)
    cursor: InboxCursor = field(default_factory=InboxCursor)
    more: bool = False


def register_source(bucket: Bucket, obj: ObjectInfo, *, max_bytes: int, data: bytes | None = None) -> SourceRecord:
    """Copy one inbox object under its project and write source.json; returns the record.

    Files over the size limit are never read (a 10 GB drop must not exhaust the sensor):
    they are identified by key, size and time, and their run fails at the script stage
    with the size in the message.
    """
    name = obj.key[len(keys.INBOX_PREFIX) :]
    if obj.size > max_bytes:
        digest = hashlib.sha256(f"oversize:{obj.key}:{obj.size}:{obj.modified_ns}".encode()).hexdigest()
        doc_id, copy_key = document_id(name, digest), None
    else:
        data = bucket.get_bytes(obj.key) if data is None else data
        digest = content_hash(data)
        doc_id = document_id(name, digest)
        copy_key = keys.source_copy(doc_id, name)
        bucket.put_bytes(copy_key, data)
    record = SourceRecord(
        doc_id=doc_id,
        source_key=obj.key,
        source_name=name,
        content_hash=digest,
        size_bytes=obj.size,
        copy_key=copy_key,
        registered_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    put_model(bucket, keys.source_record(doc_id), record)
    return record


def scan_inbox(
    bucket: Bucket,
    cursor: InboxCursor,
    *,
    known_doc_ids: Iterable[str],
    max_bytes: int,
    limit: int = 50,
    settle_s: float = 1.0,
    now_ns: int | None = None,
) -> InboxScan:
    """Register inbox files newer than `cursor`, at most `limit` per call.

    Files changed in the last `settle_s` seconds are left for the next call, since they may
    still be being written. One unreadable file is reported in `skipped` and never stops the scan.
    """
    now_ns = time.time_ns() if now_ns is None else now_ns
    settled_before = now_ns - int(settle_s * 1e9)
    by_hash = {doc_id.rsplit("-", 1)[-1]: doc_id for doc_id in known_doc_ids}
    entries = sorted(
        (o for o in bucket.list(keys.INBOX_PREFIX) if is_notes_file(o.key)),
        key=lambda o: (o.modified_ns, o.key),
    )
    scan = InboxScan(cursor=cursor)
    for obj in entries:
        if InboxCursor(obj.modified_ns, obj.key) <= cursor:
            continue
        if obj.modified_ns > settled_before:
            break
        if len(scan.registered) + len(scan.duplicates) + len(scan.skipped) >= limit:
            scan.more = True
            break
        scan.cursor = InboxCursor(obj.modified_ns, obj.key)
        try:
            record = _identify(bucket, obj, by_hash, max_bytes=max_bytes)
        except Exception as err:  # noqa: BLE001 - one bad file must never stop the inbox
            scan.skipped.append((obj.key, f"{type(err).__name__}: {err}"))
            continue
        if isinstance(record, str):
            scan.duplicates.append((obj.key, record))
        else:
            by_hash[record.doc_id.rsplit("-", 1)[-1]] = record.doc_id
            scan.registered.append(record)
    return scan


def _identify(bucket: Bucket, obj: ObjectInfo, by_hash: dict[str, str], *, max_bytes: int) -> SourceRecord | str:
    """The existing doc id when these bytes are already registered, else a new registration."""
    if obj.size > max_bytes:
        return register_source(bucket, obj, max_bytes=max_bytes)
    data = bucket.get_bytes(obj.key)
    existing = by_hash.get(content_hash(data)[:HASH_CHARS])
    if existing is not None:
        return existing
    return register_source(bucket, obj, max_bytes=max_bytes, data=data)

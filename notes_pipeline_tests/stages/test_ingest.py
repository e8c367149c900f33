import os

from notes_pipeline.domain.models import SourceRecord
from notes_pipeline.stages.ingest import InboxCursor, scan_inbox
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import LocalBucket

LIMIT = 100_000


def _drop(bucket: LocalBucket, name: str, data: bytes, mtime_s: int) -> None:
    bucket.put_bytes(keys.INBOX_PREFIX + name, data)
    path = bucket.local_path(keys.INBOX_PREFIX + name)
    os.utime(path, ns=(mtime_s * 10**9, mtime_s * 10**9))


def _scan(bucket, cursor=InboxCursor(), known=(), **kw):
    return scan_inbox(bucket, cursor, known_doc_ids=known, max_bytes=LIMIT, settle_s=0, **kw)


def test_new_files_are_registered_once_with_an_immutable_copy(tmp_path):
    bucket = LocalBucket(tmp_path)
    _drop(bucket, "a.md", b"# A\nalpha", 100)
    _drop(bucket, "b.txt", b"beta", 101)
    _drop(bucket, "ignored.pdf", b"%PDF", 102)
    first = _scan(bucket)
    assert [r.source_key for r in first.registered] == ["inbox/a.md", "inbox/b.txt"]
    record = first.registered[0]
    assert bucket.get_bytes(record.copy_key) == b"# A\nalpha"
    assert SourceRecord.model_validate_json(bucket.get_bytes(keys.source_record(record.doc_id))) == record

    again = _scan(bucket, first.cursor, known=[r.doc_id for r in first.registered])
    assert again.registered == [] and again.duplicates == [] and again.cursor == first.cursor


def test_duplicate_bytes_are_not_new_work_and_an_edit_is(tmp_path):
    bucket = LocalBucket(tmp_path)
    _drop(bucket, "a.md", b"# A\nalpha", 100)
    first = _scan(bucket)
    known = [r.doc_id for r in first.registered]

    _drop(bucket, "a.md", b"# A\nalpha", 200)  # re-upload of the same bytes
    _drop(bucket, "copy of a.md", b"# A\nalpha", 201)  # same bytes, another name
    dup = _scan(bucket, first.cursor, known=known)
    assert dup.registered == []
    assert dup.duplicates == [("inbox/a.md", known[0]), ("inbox/copy of a.md", known[0])]

    _drop(bucket, "a.md", b"# A\nalpha, edited", 300)
    edit = _scan(bucket, dup.cursor, known=known)
    assert len(edit.registered) == 1
    assert edit.registered[0].doc_id != known[0] and edit.registered[0].doc_id.startswith("a-")
    # the first version's copy is untouched by the edit
    assert bucket.get_bytes(first.registered[0].copy_key) == b"# A\nalpha"


def test_per_call_cap_resumes_where_it_stopped(tmp_path):
    bucket = LocalBucket(tmp_path)
    for i in range(7):
        _drop(bucket, f"n{i}.md", f"note {i}".encode(), 100 + i)
    seen, cursor, known = [], InboxCursor(), []
    for _ in range(4):
        scan = _scan(bucket, cursor, known=known, limit=3)
        seen += [r.source_key for r in scan.registered]
        known += [r.doc_id for r in scan.registered]
        cursor = scan.cursor
    assert seen == [f"inbox/n{i}.md" for i in range(7)]


def test_files_still_being_written_wait_for_the_next_scan(tmp_path):
    bucket = LocalBucket(tmp_path)
    _drop(bucket, "old.md", b"old", 100)
    _drop(bucket, "fresh.md", b"fresh", 200)
    scan = scan_inbox(bucket, InboxCursor(), known_doc_ids=[], max_bytes=LIMIT, settle_s=5, now_ns=202 * 10**9)
    assert [r.source_key for r in scan.registered] == ["inbox/old.md"]
    later = scan_inbox(bucket, scan.cursor, known_doc_ids=[], max_bytes=LIMIT, settle_s=5, now_ns=300 * 10**9)
    assert [r.source_key for r in later.registered] == ["inbox/fresh.md"]


def test_an_unreadable_file_is_skipped_and_the_rest_registered(tmp_path):
    # Tests run as root, which chmod cannot lock out: inject the OS error at the read instead.
    bucket = LocalBucket(tmp_path)
    _drop(bucket, "a.md", b"alpha", 100)
    _drop(bucket, "b.md", b"beta", 101)
    _drop(bucket, "c.md", b"gamma", 102)
    original_get = bucket.get_bytes

    def get_bytes(key, **kw):
        if key == "inbox/b.md":
            raise PermissionError(13, "Permission denied", key)
        return original_get(key, **kw)

    bucket.get_bytes = get_bytes  # type: ignore[method-assign]
    scan = _scan(bucket)
    assert [r.source_key for r in scan.registered] == ["inbox/a.md", "inbox/c.md"]
    assert [key for key, _ in scan.skipped] == ["inbox/b.md"]
    assert "Permission denied" in scan.skipped[0][1]


def test_oversize_files_are_registered_without_being_read(tmp_path):
    bucket = LocalBucket(tmp_path)
    _drop(bucket, "huge.md", b"x" * (LIMIT + 1), 100)
    scan = _scan(bucket)
    (record,) = scan.registered
    assert record.copy_key is None and record.size_bytes == LIMIT + 1


def test_corrupt_cursor_starts_over():
    assert InboxCursor.from_json("{not json") == InboxCursor()
    assert InboxCursor.from_json(InboxCursor(5, "inbox/a.md").to_json()) == InboxCursor(5, "inbox/a.md")

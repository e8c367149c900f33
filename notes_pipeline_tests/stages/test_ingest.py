"""The inbox scan on a local bucket with the real inbox index in Postgres (the S3 side: defs/test_inbox_sensor.py)."""

import os
import time

import pytest

from notes_pipeline.domain.documents import content_hash
from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.models import Publishing, ScriptManifest, SourceRecord
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.stages.ingest import InboxCursor, scan_inbox
from notes_pipeline.stages.script import load_document, write_script
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import LocalBucket
from notes_pipeline.store.inbox_index import InboxIndex

LIMIT = 100_000


class ReadCountingBucket(LocalBucket):
    """A local bucket that remembers which objects were read, to prove what the index spared."""

    def __init__(self, root) -> None:
        super().__init__(root)
        self.reads: list[str] = []

    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> bytes:
        self.reads.append(key)
        return super().get_bytes(key, max_bytes=max_bytes)


@pytest.fixture
def bucket(tmp_path) -> ReadCountingBucket:
    return ReadCountingBucket(tmp_path / "bucket")


@pytest.fixture
def index(database, bucket) -> InboxIndex:
    return InboxIndex(database, bucket.uri(keys.INBOX_PREFIX))


def _drop(bucket: LocalBucket, name: str, data: bytes, mtime_s: int = 100) -> None:
    bucket.put_bytes(keys.INBOX_PREFIX + name, data)
    os.utime(bucket.local_path(keys.INBOX_PREFIX + name), ns=(mtime_s * 10**9, mtime_s * 10**9))


def _scan(bucket, index, cursor=None, known=(), **kw):
    cursor = cursor or InboxCursor()
    kw.setdefault("settle_s", 0)
    return scan_inbox(bucket, cursor, index=index, known_doc_ids=known, max_bytes=LIMIT, **kw)


def test_new_files_are_registered_once_with_an_immutable_copy(bucket, index):
    _drop(bucket, "a.md", b"# A\nalpha")
    _drop(bucket, "b.txt", b"beta")
    _drop(bucket, "ignored.pdf", b"%PDF")
    first = _scan(bucket, index)
    assert [r.source_key for r in first.registered] == ["inbox/a.md", "inbox/b.txt"]
    record = first.registered[0]
    assert bucket.get_bytes(record.copy_key) == b"# A\nalpha"
    assert SourceRecord.model_validate_json(bucket.get_bytes(keys.source_record(record.doc_id))) == record
    assert first.sweep_done and first.cursor == InboxCursor("", 1)

    bucket.reads.clear()
    again = _scan(bucket, index, first.cursor, known=[r.doc_id for r in first.registered])
    assert again.registered == [] and again.duplicates == [] and again.skipped == []
    assert again.unchanged == 2 and bucket.reads == []  # decided by the index, nothing read


def test_duplicate_bytes_are_not_new_work_and_an_edit_is(bucket, index):
    _drop(bucket, "a.md", b"# A\nalpha", 100)
    first = _scan(bucket, index)
    known = [r.doc_id for r in first.registered]

    _drop(bucket, "a.md", b"# A\nalpha", 200)  # re-upload of the same bytes
    _drop(bucket, "copy of a.md", b"# A\nalpha", 201)  # same bytes, another name
    dup = _scan(bucket, index, first.cursor, known=known)
    assert dup.registered == []
    assert dup.duplicates == [("inbox/a.md", known[0]), ("inbox/copy of a.md", known[0])]
    bucket.reads.clear()
    assert _scan(bucket, index, dup.cursor, known=known).duplicates == [] and bucket.reads == []

    _drop(bucket, "a.md", b"# A\nalpha, edited", 300)
    edit = _scan(bucket, index, dup.cursor, known=known)
    assert len(edit.registered) == 1 and bucket.reads == ["inbox/a.md"]
    assert edit.registered[0].doc_id != known[0] and edit.registered[0].doc_id.startswith("a-")
    # the first version's copy is untouched by the edit
    assert bucket.get_bytes(first.registered[0].copy_key) == b"# A\nalpha"


def test_equal_new_files_in_one_scan_register_the_first_in_key_order(bucket, index):
    for name in ["c.md", "a.md", "b.md"]:
        _drop(bucket, name, b"same bytes")
    scan = _scan(bucket, index, workers=3)
    (record,) = scan.registered
    assert record.source_key == "inbox/a.md"
    assert scan.duplicates == [("inbox/b.md", record.doc_id), ("inbox/c.md", record.doc_id)]


def test_per_call_cap_resumes_where_it_stopped(bucket, index):
    for i in range(7):
        _drop(bucket, f"n{i}.md", f"note {i}".encode(), 100 + i)
    seen, cursor, known = [], InboxCursor(), []
    for _ in range(4):
        scan = _scan(bucket, index, cursor, known=known, limit=3, workers=2)
        seen += [r.source_key for r in scan.registered]
        known += [r.doc_id for r in scan.registered]
        cursor = scan.cursor
    assert seen == [f"inbox/n{i}.md" for i in range(7)]
    assert sorted(bucket.reads) == sorted(set(bucket.reads))  # no object read twice


def test_list_limit_bounds_each_call_and_a_finished_sweep_starts_over(bucket, index):
    for i in range(7):
        _drop(bucket, f"n{i}.md", f"note {i}".encode())
    positions, known = [], []
    cursor = InboxCursor()
    for _ in range(3):
        scan = _scan(bucket, index, cursor, known=known, list_limit=3)
        assert scan.listed <= 3
        known += [r.doc_id for r in scan.registered]
        positions.append((scan.cursor.start_after, scan.sweep_done))
        cursor = scan.cursor
    assert positions == [("inbox/n2.md", False), ("inbox/n5.md", False), ("", True)]
    assert len(known) == 7 and cursor.sweeps == 1


def test_a_file_added_behind_the_cursor_is_found_by_the_next_sweep(bucket, index):
    for name in ["b.md", "c.md", "d.md"]:
        _drop(bucket, name, name.encode())
    first = _scan(bucket, index, list_limit=2)
    assert first.cursor.start_after == "inbox/c.md"
    known = [r.doc_id for r in first.registered]
    _drop(bucket, "a.md", b"behind the cursor")
    end_of_sweep = _scan(bucket, index, first.cursor, known=known, list_limit=2)
    assert [r.source_key for r in end_of_sweep.registered] == ["inbox/d.md"] and end_of_sweep.sweep_done
    known += [r.doc_id for r in end_of_sweep.registered]
    next_sweep = _scan(bucket, index, end_of_sweep.cursor, known=known, list_limit=2)
    assert [r.source_key for r in next_sweep.registered] == ["inbox/a.md"]


def test_files_still_being_written_wait_for_a_later_sweep(bucket, index):
    _drop(bucket, "old.md", b"old", 100)
    _drop(bucket, "fresh.md", b"fresh", 200)
    scan = _scan(bucket, index, settle_s=5, now_ns=202 * 10**9)
    assert [r.source_key for r in scan.registered] == ["inbox/old.md"] and scan.settling == ["inbox/fresh.md"]
    later = _scan(bucket, index, scan.cursor, known=[r.doc_id for r in scan.registered], settle_s=5, now_ns=300 * 10**9)
    assert [r.source_key for r in later.registered] == ["inbox/fresh.md"]


def test_a_sensor_tick_waits_for_a_file_dropped_just_before_it(bucket, index):
    _drop(bucket, "old.md", b"old")
    path = bucket.local_path("inbox/fresh.md")
    bucket.put_bytes("inbox/fresh.md", b"fresh")
    dropped = os.stat(path).st_mtime_ns
    os.utime(path, ns=(dropped - 700_000_000, dropped - 700_000_000))  # written 0.7 s ago
    started = time.monotonic()
    scan = _scan(bucket, index, settle_s=1, settle_wait_s=1)
    assert [r.source_key for r in scan.registered] == ["inbox/fresh.md", "inbox/old.md"] and not scan.settling
    assert time.monotonic() - started >= 0.25  # it waited for the rest of the settle time, no more than once


class StillWritingBucket(ReadCountingBucket):
    """A writer that keeps appending: every listing finds the file modified again just now."""

    def list(self, *args, **kw):
        now = time.time_ns()
        os.utime(self.local_path("inbox/growing.md"), ns=(now, now))
        return super().list(*args, **kw)


def test_a_file_still_being_written_after_the_wait_is_left_for_a_later_sweep(tmp_path, database):
    growing = StillWritingBucket(tmp_path / "growing")
    growing.put_bytes("inbox/growing.md", b"half a no")
    index = InboxIndex(database, growing.uri(keys.INBOX_PREFIX))
    scan = _scan(growing, index, settle_s=0.3, settle_wait_s=0.3)
    assert scan.settling == ["inbox/growing.md"] and not scan.registered and growing.reads == []


def test_a_clock_ahead_of_ours_is_not_waited_for(bucket, index):
    _drop(bucket, "future.md", b"from a skewed clock", mtime_s=int(time.time()) + 3600)
    started = time.monotonic()
    scan = _scan(bucket, index, settle_s=1, settle_wait_s=1)
    assert scan.settling == ["inbox/future.md"] and time.monotonic() - started < 1


def test_an_unreadable_file_is_skipped_and_tried_again_later(bucket, index):
    # Tests run as root, which chmod cannot lock out: the OS error is raised at the read instead.
    _drop(bucket, "a.md", b"alpha")
    _drop(bucket, "b.md", b"beta")
    _drop(bucket, "c.md", b"gamma")
    locked = {"inbox/b.md"}
    original_get = bucket.get_bytes

    def get_bytes(key, **kw):
        if key in locked:
            raise PermissionError(13, "Permission denied", key)
        return original_get(key, **kw)

    bucket.get_bytes = get_bytes  # type: ignore[method-assign]
    scan = _scan(bucket, index)
    assert [r.source_key for r in scan.registered] == ["inbox/a.md", "inbox/c.md"]
    assert [key for key, _ in scan.skipped] == ["inbox/b.md"] and "Permission denied" in scan.skipped[0][1]
    known = [r.doc_id for r in scan.registered]

    locked.clear()  # permissions fixed, file unchanged
    not_yet = _scan(bucket, index, scan.cursor, known=known, retry_skipped_s=3600)
    assert not_yet.registered == [] and not_yet.skipped == []
    due = _scan(bucket, index, not_yet.cursor, known=known, retry_skipped_s=0)
    assert [r.source_key for r in due.registered] == ["inbox/b.md"]


def test_oversize_files_are_registered_without_being_read(bucket, index):
    _drop(bucket, "huge.md", b"x" * (LIMIT + 1))
    scan = _scan(bucket, index)
    (record,) = scan.registered
    assert record.copy_key is None and record.size_bytes == LIMIT + 1
    assert bucket.reads == []


def test_a_lost_tick_registers_its_files_again(bucket, index):
    """The index is written during the tick; the partitions only if its result is committed."""
    _drop(bucket, "a.md", b"# A")
    lost = _scan(bucket, index)
    (record,) = lost.registered
    again = _scan(bucket, index, lost.cursor, known=[])  # the partition never appeared
    assert [r.doc_id for r in again.registered] == [record.doc_id]
    assert _scan(bucket, index, again.cursor, known=[record.doc_id]).registered == []


def test_removed_files_are_forgotten_by_the_index(bucket, index):
    for name in ["a.md", "b.md", "c.md"]:
        _drop(bucket, name, name.encode())
    first = _scan(bucket, index)
    listed = [bucket.stat(f"inbox/{n}") for n in ["a.md", "b.md", "c.md"]]
    assert set(index.lookup(listed, retry_skipped_s=0)) == {"inbox/a.md", "inbox/b.md", "inbox/c.md"}
    bucket.delete("inbox/b.md")
    _scan(bucket, index, first.cursor, known=[r.doc_id for r in first.registered])
    assert set(index.lookup(listed, retry_skipped_s=0)) == {"inbox/a.md", "inbox/c.md"}


def test_without_an_index_every_note_is_read_and_known_bytes_are_duplicates(bucket):
    _drop(bucket, "a.md", b"# A")
    first = scan_inbox(bucket, InboxCursor(), known_doc_ids=[], max_bytes=LIMIT, settle_s=0)
    (record,) = first.registered
    again = scan_inbox(bucket, first.cursor, known_doc_ids=[record.doc_id], max_bytes=LIMIT, settle_s=0)
    assert again.duplicates == [("inbox/a.md", record.doc_id)] and record.content_hash == content_hash(b"# A")


def test_corrupt_or_foreign_cursors_start_a_new_sweep():
    assert InboxCursor.from_json("{not json") == InboxCursor()
    assert InboxCursor.from_json('{"modified_ns": 5, "key": "inbox/a.md"}') == InboxCursor()  # the old format
    assert InboxCursor.from_json('{"start_after": "projects/x/script.json", "sweeps": 1}') == InboxCursor()
    # a position is only compared with keys: a name the bucket refuses (listed to be named once) may be one
    assert InboxCursor.from_json('{"start_after": "inbox/a/../x", "sweeps": 1}') == InboxCursor("inbox/a/../x", 1)
    assert InboxCursor.from_json(InboxCursor("inbox/a.md", 3).to_json()) == InboxCursor("inbox/a.md", 3)


class RecordingWriter:
    """The offline writer, remembering what it was asked to write: proves when no script was attempted."""

    name = "local"

    def __init__(self) -> None:
        self.documents: list = []

    def write(self, document):
        self.documents.append(document)
        return LocalScriptWriter().write(document)


def test_front_matter_from_other_tools_is_kept_in_the_source_record_and_reaches_the_writer(bucket, index):
    _drop(
        bucket,
        "post.md",
        "---\ntitle: Tides\nauthor: Ada\nlayout: post\ntier: premium\n---\n"
        "# Tides\n\nThe moon pulls the oceans. Twice a day the sea rises.\n".encode("utf-16"),
    )
    (record,) = _scan(bucket, index).registered
    assert record.front_matter == {"author": "Ada", "layout": "post"} and record.tier == "premium"
    assert record.problem is None
    writer = RecordingWriter()
    write_script(bucket, load_document(bucket, record.doc_id, max_bytes=LIMIT), writer)
    (document,) = writer.documents
    assert document.title == "Tides" and document.front_matter == {"author": "Ada", "layout": "post"}


def test_the_script_manifest_carries_what_the_notes_ask_to_publish(bucket, index):
    _drop(
        bucket,
        "asks.md",
        b"---\ntitle: Tides\ndescription: Why the sea rises\ntags: [sea, moon]\npublish: drive\n"
        b"drive_folder: folder_abc123\n---\n# Tides\n\nThe moon pulls the oceans. Twice a day the sea rises.\n",
    )
    _drop(bucket, "quiet.md", b"# Tides\n\nThe moon pulls the oceans. Twice a day the sea rises and falls.\n")
    asks, quiet = (
        write_script(bucket, load_document(bucket, r.doc_id, max_bytes=LIMIT), LocalScriptWriter())[0]
        for r in _scan(bucket, index).registered
    )
    assert asks.publishing == Publishing(
        target="drive",
        drive_folder="folder_abc123",
        title="Tides",
        description="Why the sea rises",
        tags=["sea", "moon"],
    )
    assert ScriptManifest.model_validate_json(asks.model_dump_json()).publishing == asks.publishing  # as stored
    assert "publish" not in asks.options.model_dump() and quiet.publishing is None


def test_an_unsupported_language_fails_before_any_script_is_made(bucket, index):
    _drop(bucket, "notes.md", b"---\nlanguage: xx\n---\n# Tides\n\nThe moon pulls the oceans.\n")
    (record,) = _scan(bucket, index).registered
    assert "language: 'xx' is not supported" in record.problem  # said at registration already
    writer = RecordingWriter()
    with pytest.raises(BadInputError, match=r"not supported; supported: .*en \(English\)"):
        write_script(bucket, load_document(bucket, record.doc_id, max_bytes=LIMIT), writer)
    assert writer.documents == [] and bucket.stat(keys.script(record.doc_id)) is None


def test_a_name_too_long_for_a_temporary_file_is_registered(bucket, index):
    name = "n" * 247 + ".md"  # 250 bytes: a local folder holds it, but not '.{name}.xxxxxxxx.part' beside its copy
    (bucket.root / "inbox").mkdir()
    with open(os.path.join(bucket.local_path("inbox/"), name), "wb") as fh:
        fh.write(b"# Long\n\nA note with a long name.")
    (record,) = _scan(bucket, index).registered
    assert bucket.get_bytes(record.copy_key) == b"# Long\n\nA note with a long name."


def test_refused_and_hidden_names_are_skipped_once_and_never_stop_the_others(bucket, index):
    (bucket.root / "inbox").mkdir()
    inbox = os.fsencode(bucket.local_path("inbox/"))
    for name in [b"a.md", b"caf\xe9.md", b".#a.md", b"z.md"]:
        with open(inbox + b"/" + name, "wb") as fh:
            fh.write(b"notes " + name)
        os.utime(inbox + b"/" + name, ns=(100 * 10**9, 100 * 10**9))
    first = _scan(bucket, index, retry_skipped_s=0)
    assert [r.source_key for r in first.registered] == ["inbox/a.md", "inbox/z.md"]
    assert first.skipped == [] and sorted(first.refused) == [
        (
            "inbox/.#a.md",
            "a name starting with '.' is a hidden or temporary file (an editor's lock, a sync tool's "
            "copy); remove the leading '.' to have it rendered",
        ),
        ("inbox/caf\\xe9.md", "the file name is not valid UTF-8 (byte 0xe9); rename it"),
    ]
    again = _scan(bucket, index, first.cursor, known=[r.doc_id for r in first.registered], retry_skipped_s=0)
    assert again.refused == [] and again.registered == [] and again.unchanged == 4


def test_a_refused_name_is_named_once_across_sweeps_of_many_pages(bucket, index):
    """The index forgets rows in each listed key range that the listing did not return: a refused name must be
    stored where the listing sorts it, or a later page would forget it and it would be named again."""
    (bucket.root / "inbox").mkdir()
    inbox = os.fsencode(bucket.local_path("inbox/"))
    names = [b"caf.md", b"caf\xe9.md", b"cafe.md", b"cafz.md", b"line\nbreak.md", b"line.md", b"z.md"]
    for name in names:
        with open(inbox + b"/" + name, "wb") as fh:
            fh.write(b"notes " + name)
    refused, known, cursor = [], [], InboxCursor()
    while cursor.sweeps < 3:
        scan = _scan(bucket, index, cursor, known=known, list_limit=2)
        refused += [key for key, _ in scan.refused]
        known += [r.doc_id for r in scan.registered]
        cursor = scan.cursor
    assert sorted(refused) == ["inbox/caf\\xe9.md", "inbox/line\\nbreak.md"] and len(known) == 5

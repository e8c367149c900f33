"""The real inbox sensor on a real ephemeral instance, over a local folder and over S3 (moto on 127.0.0.1)."""

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from urllib.parse import parse_qs, urlsplit

import dagster as dg
import pytest

from notes_pipeline.cli.runner import inbox_tick
from notes_pipeline.defs.partitions import notes_documents
from notes_pipeline.defs.resources import pipeline_resources
from notes_pipeline.domain.documents import content_hash
from notes_pipeline.domain.models import SourceRecord
from notes_pipeline.stages.ingest import InboxCursor
from notes_pipeline.store import keys
from notes_pipeline.store.s3 import S3Bucket
from notes_pipeline_tests.conftest import drop
from notes_pipeline_tests.s3_server import sent_s3_requests


def _tick(instance, resources, cursor=None):
    """One sensor evaluation, then what the daemon does with its result: add the partitions."""
    result = inbox_tick(instance, resources, cursor)
    assert isinstance(result, dg.SensorResult), result
    return result


def test_new_file_gets_a_partition_and_one_run(resources, bucket):
    instance = dg.DagsterInstance.ephemeral()
    data = b"# Tides\n\nThe moon pulls the oceans."
    drop(bucket, "Tides and Moons.md", data, mtime_s=1000)
    result = _tick(instance, resources)
    (request,) = result.run_requests
    doc_id = f"tides-and-moons-{content_hash(data)[:10]}"
    assert request.partition_key == doc_id
    assert request.run_key == f"{doc_id}:{content_hash(data)}"
    assert instance.get_dynamic_partitions(notes_documents.name) == [doc_id]
    assert not _tick(instance, resources, result.cursor).run_requests


def test_duplicate_upload_is_not_new_work_and_an_edit_is(resources, bucket):
    instance = dg.DagsterInstance.ephemeral()
    drop(bucket, "a.md", b"# A\n\nFirst version.", mtime_s=1000)
    first = _tick(instance, resources)
    drop(bucket, "a.md", b"# A\n\nFirst version.", mtime_s=2000)
    drop(bucket, "a copy.md", b"# A\n\nFirst version.", mtime_s=2001)
    duplicate = _tick(instance, resources, first.cursor)
    assert duplicate.run_requests == [] and duplicate.dynamic_partitions_requests == []

    drop(bucket, "a.md", b"# A\n\nSecond version.", mtime_s=3000)
    edit = _tick(instance, resources, duplicate.cursor)
    (request,) = edit.run_requests
    assert request.partition_key != first.run_requests[0].partition_key
    assert len(instance.get_dynamic_partitions(notes_documents.name)) == 2


def test_unreadable_entries_never_break_the_sensor(resources, bucket, tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    inbox = bucket.local_path("inbox/")
    drop(bucket, "good.md", b"# Good\n\nReadable notes.", mtime_s=1000)
    drop(bucket, "photo.md", b"\x89PNG\r\n\x1a\n\x00\x00binary", mtime_s=1001)
    os.mkfifo(inbox / "pipe.md")  # reading it would block for ever
    (inbox / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    (inbox / "escape.md").symlink_to("/etc/hostname")
    (inbox / "folder.md").mkdir()
    result = _tick(instance, resources)
    # the binary file is registered: its run fails with a clear cause, in the UI, on its own
    assert sorted(r.tags["notes_pipeline/source"] for r in result.run_requests) == ["inbox/good.md", "inbox/photo.md"]


def test_missing_bucket_folder_is_a_skip_not_a_crash(tmp_path, database_url):
    instance = dg.DagsterInstance.ephemeral()
    root = tmp_path / "file-not-folder"
    root.write_text("x")
    resources = pipeline_resources(bucket_root=str(root), database_url=database_url)
    result = inbox_tick(instance, resources)
    assert isinstance(result, dg.SkipReason) and "inbox" in result.skip_message


def test_missing_s3_bucket_is_a_skip_naming_it(database_url, s3_env):
    resources = pipeline_resources(bucket_root="s3://np-not-created/notes/", database_url=database_url)
    result = inbox_tick(dg.DagsterInstance.ephemeral(), resources)
    assert isinstance(result, dg.SkipReason)
    assert "np-not-created" in result.skip_message and "does not exist" in result.skip_message


def test_unreachable_database_is_a_skip_with_the_password_masked(tmp_path):
    url = "postgresql://notes:hunter2@127.0.0.1:9/nowhere"  # port 9 (discard): nothing listens
    resources = pipeline_resources(bucket_root=str(tmp_path / "bucket"), database_url=url)
    result = inbox_tick(dg.DagsterInstance.ephemeral(), resources)
    assert isinstance(result, dg.SkipReason)
    assert "notes:***@127.0.0.1:9/nowhere" in result.skip_message and "hunter2" not in result.skip_message


def _put_all(bucket, items: dict[str, bytes]) -> None:
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda kv: bucket.put_bytes(keys.INBOX_PREFIX + kv[0], kv[1]), items.items()))


@pytest.mark.slow
def test_2500_inbox_objects_are_picked_up_exactly_once_across_ticks(bucket_location, database_url, tmp_path):
    """A small per-tick cap (400 reads, 1,200 keys listed = two list pages on S3) over 2,500 files."""
    resources = pipeline_resources(
        bucket_root=bucket_location,
        database_url=database_url,
        scratch_dir=str(tmp_path / "scratch"),
        inbox_settle_s=0,
        inbox_batch=400,
        inbox_list_limit=1200,
    )
    bucket = resources["bucket"].get()
    notes = {f"n{i:04d}.md": f"# Note {i}\n\nSomething worth {i} minutes.".encode() for i in range(2500)}
    started, cpu_started = time.perf_counter(), time.process_time()
    _put_all(bucket, notes)
    uploaded, cpu_uploaded = time.perf_counter(), time.process_time()

    instance = dg.DagsterInstance.ephemeral()
    requested: Counter[str] = Counter()
    cursor, ticks, per_tick = None, 0, []
    on_s3 = isinstance(bucket, S3Bucket)
    with sent_s3_requests(bucket.client) if on_s3 else nullcontext([]) as sent:
        while InboxCursor.from_json(cursor).sweeps < 2:  # every file registered, then one whole sweep more
            before = len(sent)
            result = _tick(instance, resources, cursor)
            cursor, ticks = result.cursor, ticks + 1
            requested.update(r.tags["notes_pipeline/source"] for r in result.run_requests)
            per_tick.append((len(result.run_requests), sent[before:]))
            assert len(result.run_requests) <= 400 and ticks <= 15
    finished, cpu_finished = time.perf_counter(), time.process_time()

    assert requested == Counter({keys.INBOX_PREFIX + name: 1 for name in notes})
    assert len(instance.get_dynamic_partitions(notes_documents.name)) == 2500
    assert per_tick[-1][0] == 0 and per_tick[-2][0] == 0  # the second sweep found nothing new
    if on_s3:
        reads = [url for op, url, _ in sent if op == "GetObject"]
        assert len(reads) == 2500 and len(set(reads)) == 2500  # each object read once, never again
        for _, requests in per_tick:
            pages = [parse_qs(urlsplit(url).query) for op, url, _ in requests if op == "ListObjectsV2"]
            assert 1 <= len(pages) <= 2 and all(int(p["max-keys"][0]) <= 1000 for p in pages)
        assert any(sum(op == "ListObjectsV2" for op, _, _ in requests) == 2 for _, requests in per_tick)
    print(
        f"\n{'s3' if on_s3 else 'local'}: 2,500 files uploaded in {uploaded - started:.1f} s "
        f"(cpu {cpu_uploaded - cpu_started:.1f} s), picked up in {ticks} ticks / {finished - uploaded:.1f} s "
        f"(cpu {cpu_finished - cpu_uploaded:.1f} s)"
    )


def test_a_file_added_behind_the_cursor_is_found_on_the_next_sweep(bucket_location, database_url, tmp_path):
    resources = pipeline_resources(
        bucket_root=bucket_location,
        database_url=database_url,
        scratch_dir=str(tmp_path / "scratch"),
        inbox_settle_s=0,
        inbox_list_limit=2,
    )
    bucket = resources["bucket"].get()
    _put_all(bucket, {"b.md": b"# B", "c.md": b"# C", "d.md": b"# D"})
    instance = dg.DagsterInstance.ephemeral()
    first = _tick(instance, resources)
    assert [r.tags["notes_pipeline/source"] for r in first.run_requests] == ["inbox/b.md", "inbox/c.md"]
    assert InboxCursor.from_json(first.cursor).start_after == "inbox/c.md"

    bucket.put_bytes("inbox/a.md", b"# A, dropped behind the sweep position")
    end_of_sweep = _tick(instance, resources, first.cursor)
    assert [r.tags["notes_pipeline/source"] for r in end_of_sweep.run_requests] == ["inbox/d.md"]
    next_sweep = _tick(instance, resources, end_of_sweep.cursor)
    assert [r.tags["notes_pipeline/source"] for r in next_sweep.run_requests] == ["inbox/a.md"]


@pytest.mark.parametrize("settle_s", [0.0, 3600.0])
def test_a_file_being_written_waits_for_a_later_sweep(bucket_location, database_url, tmp_path, settle_s):
    resources = pipeline_resources(
        bucket_root=bucket_location,
        database_url=database_url,
        scratch_dir=str(tmp_path / "scratch"),
        inbox_settle_s=settle_s,
    )
    resources["bucket"].get().put_bytes("inbox/fresh.md", b"# Fresh")
    result = _tick(dg.DagsterInstance.ephemeral(), resources)
    assert len(result.run_requests) == (1 if settle_s == 0 else 0)


LONG_NAME = "a lecture on the water cycle, " * 8 + "final v.md"  # 250 bytes: a '.part' beside it would not fit


def _drop_badly_named(bucket) -> list[str]:
    """Names no key can hold (or that are hidden), written the way other tools write them; returns how each is named
    in the warning."""
    if isinstance(bucket, S3Bucket):
        name, prefix = bucket.name, bucket.prefix
        for odd in ["inbox/bad\x01name.md", "inbox/a/../b.md", "inbox/.#draft.md"]:
            bucket.client.put_object(Bucket=name, Key=prefix + odd, Body=b"# odd\n\nnotes")
        return ["bad\\x01name.md", "a/../b.md", ".#draft.md"]
    inbox = os.fsencode(bucket.local_path("inbox/"))
    for odd in [b"caf\xe9 notes.md", b"line\nbreak.md", b".#draft.md", b"._resource fork.md"]:
        with open(inbox + b"/" + odd, "wb") as fh:
            fh.write(b"# odd\n\nnotes")
    return ["caf\\xe9 notes.md", "line\\nbreak.md", ".#draft.md", "._resource fork.md"]


def test_badly_named_files_never_block_the_inbox_and_are_named_once(bucket_location, database_url, tmp_path, capfd):
    """Pages of two keys, so bad names end pages and start the next ones, over two whole sweeps."""
    resources = pipeline_resources(
        bucket_root=bucket_location,
        database_url=database_url,
        inbox_list_limit=2,
        scratch_dir=str(tmp_path / "scratch"),
        inbox_settle_s=0,
        inbox_retry_skipped_s=0,
    )
    bucket = resources["bucket"].get()
    good = {
        "a good note.md": b"# Good\n\nThe first good note.",
        "zz 'quoted' #2.md": b"# Two\n\nThe second one.",
        LONG_NAME: b"# Long\n\nA note with a long name.",
    }
    _put_all(bucket, good)
    bad = _drop_badly_named(bucket)
    instance = dg.DagsterInstance.ephemeral()
    capfd.readouterr()

    requested, cursor, ticks = [], None, 0
    while InboxCursor.from_json(cursor).sweeps < 2:
        result = _tick(instance, resources, cursor)
        requested += result.run_requests
        cursor, ticks = result.cursor, ticks + 1
        assert ticks <= 12
    assert sorted(r.tags["notes_pipeline/source"] for r in requested) == sorted(f"inbox/{n}" for n in good)
    for request in requested:  # each finished its registration: its record and immutable copy
        record = SourceRecord.model_validate_json(bucket.get_bytes(keys.source_record(request.partition_key)))
        assert bucket.get_bytes(record.copy_key) == good[record.source_name]
    warned = capfd.readouterr().err
    for name in bad:
        assert warned.count(name) == 1, (name, warned)


def test_registration_names_kept_front_matter_and_bad_options_at_once(resources, bucket, capfd):
    instance = dg.DagsterInstance.ephemeral()
    drop(bucket, "post.md", b"---\nlayout: post\ntitle: Tides\nauthor: Ada\n---\nThe moon pulls the oceans.", 1000)
    drop(bucket, "klingon.md", b"---\nlanguage: xx\n---\nThe moon pulls the oceans, in Klingon.", 1000)
    first = _tick(instance, resources)
    assert len(first.run_requests) == 2  # the bad one too: its run fails at once, visible in the UI
    said = capfd.readouterr().err
    assert said.count("inbox/post.md: front matter kept as data, not options: layout, author") == 1
    assert said.count("inbox/klingon.md (document klingon-") == 1
    assert "invalid options in the front matter: language: 'xx' is not supported; supported: en (English)" in said
    _tick(instance, resources, first.cursor)
    assert "front matter kept" not in capfd.readouterr().err

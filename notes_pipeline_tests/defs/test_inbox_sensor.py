import os

import dagster as dg

from notes_pipeline.defs.ingest.sensors import inbox_sensor
from notes_pipeline.defs.partitions import notes_documents
from notes_pipeline.domain.documents import content_hash
from notes_pipeline_tests.conftest import drop


def _tick(instance, resources, cursor=None):
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        result = inbox_sensor(context)
    assert isinstance(result, dg.SensorResult)
    for request in result.dynamic_partitions_requests:
        instance.add_dynamic_partitions(notes_documents.name, list(request.partition_keys))
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


def test_missing_bucket_folder_is_a_skip_not_a_crash(tmp_path):
    from notes_pipeline.defs.resources import pipeline_resources

    instance = dg.DagsterInstance.ephemeral()
    root = tmp_path / "file-not-folder"
    root.write_text("x")
    with dg.build_sensor_context(instance=instance, resources=pipeline_resources(bucket_root=str(root))) as context:
        result = inbox_sensor(context)
    assert isinstance(result, dg.SkipReason) and "inbox" in result.skip_message

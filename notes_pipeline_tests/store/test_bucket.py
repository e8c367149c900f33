import os

import pytest

from notes_pipeline.store import keys
from notes_pipeline.store.bucket import LocalBucket, ObjectNotFoundError


@pytest.mark.parametrize(
    "key",
    ["../etc/passwd", "inbox/../../x", "/abs/path", "inbox//x.md", "a/./b", "a\\b", "x\x00y", "x\ny", "a" * 1025, ""],
)
def test_unsafe_keys_are_refused(tmp_path, key):
    bucket = LocalBucket(tmp_path)
    with pytest.raises(keys.InvalidKeyError):
        bucket.put_bytes(key, b"x")
    assert list(tmp_path.rglob("*")) == []


def test_doc_ids_must_be_slugs():
    with pytest.raises(keys.InvalidKeyError):
        keys.project_prefix("../x")
    assert keys.source_copy("doc-1", "../../evil/notes.md") == "projects/doc-1/source/notes.md"


def test_put_get_list_round_trip(tmp_path):
    bucket = LocalBucket(tmp_path)
    for name in ["inbox/b.md", "inbox/a.md", "inbox/sub/c.txt", "projects/x/y.json"]:
        bucket.put_bytes(name, name.encode())
    assert [o.key for o in bucket.list("inbox/")] == ["inbox/a.md", "inbox/b.md", "inbox/sub/c.txt"]
    assert [o.key for o in bucket.list("inbox/", start_after="inbox/a.md", limit=1)] == ["inbox/b.md"]
    assert bucket.get_bytes("inbox/a.md") == b"inbox/a.md"
    assert bucket.get_bytes("inbox/a.md", max_bytes=5) == b"inbox"
    assert bucket.stat("inbox/a.md").size == len(b"inbox/a.md")
    with pytest.raises(ObjectNotFoundError):
        bucket.get_bytes("inbox/missing.md")
    bucket.delete("inbox/a.md")
    assert bucket.stat("inbox/a.md") is None


def test_writes_leave_no_temp_files_and_replace_whole_objects(tmp_path):
    bucket = LocalBucket(tmp_path)
    bucket.put_bytes("k/v.bin", b"first")
    bucket.put_bytes("k/v.bin", b"second")
    assert sorted(p.name for p in (tmp_path / "k").iterdir()) == ["v.bin"]
    assert (tmp_path / "k" / "v.bin").stat().st_mode & 0o777 == 0o644
    assert bucket.get_bytes("k/v.bin") == b"second"


def test_listing_skips_fifos_symlinks_and_dotfiles(tmp_path):
    bucket = LocalBucket(tmp_path)
    bucket.put_bytes("inbox/ok.md", b"# ok")
    os.mkfifo(tmp_path / "inbox" / "pipe.md")
    (tmp_path / "inbox" / "link.md").symlink_to("/etc/hostname")
    (tmp_path / "inbox" / ".partial.md").write_text("x")
    assert [o.key for o in bucket.list("inbox/")] == ["inbox/ok.md"]


def test_symlink_escaping_the_bucket_is_refused(tmp_path):
    bucket = LocalBucket(tmp_path / "b")
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "b" / "inbox").mkdir()
    (tmp_path / "b" / "inbox" / "x.md").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(ValueError, match="outside the bucket"):
        bucket.get_bytes("inbox/x.md")

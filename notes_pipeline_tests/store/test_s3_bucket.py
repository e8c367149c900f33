"""The Bucket protocol on S3 (moto's server on 127.0.0.1, real boto3 client from dagster-aws) and locally.

Requests are observed through botocore's own event hooks on the real client, never mocked.
"""

from __future__ import annotations

import http.server
import os
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from notes_pipeline.defs.resources import BucketResource, _s3_client
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import BucketError, LocalBucket, ObjectNotFoundError, open_bucket
from notes_pipeline.store.s3 import S3Bucket, parse_s3_url
from notes_pipeline_tests.s3_server import sent_s3_requests


def test_protocol_round_trip(bucket_location: str, tmp_path: Path) -> None:
    bucket = BucketResource(root=bucket_location).get()
    for key in ["inbox/b.md", "inbox/a.md", "inbox/sub/c.txt", "inbox/a.md.bak", "inbox0", "projects/x/y.json"]:
        bucket.put_bytes(key, key.encode())
    assert [o.key for o in bucket.list("inbox/")] == ["inbox/a.md", "inbox/a.md.bak", "inbox/b.md", "inbox/sub/c.txt"]
    assert [o.key for o in bucket.list("inbox/", start_after="inbox/a.md", limit=2)] == ["inbox/a.md.bak", "inbox/b.md"]
    assert [o.key for o in bucket.list("inbox/", start_after="inbox/b.md")] == ["inbox/sub/c.txt"]
    assert bucket.list("inbox/", limit=0) == [] and bucket.list("nothing/") == []
    assert bucket.get_bytes("inbox/a.md") == b"inbox/a.md"
    assert bucket.get_bytes("inbox/a.md", max_bytes=5) == b"inbox"

    info = bucket.stat("inbox/a.md")
    assert info is not None and info.size == len(b"inbox/a.md") and info.modified_ns > 0
    assert info.version == (info.etag or str(info.modified_ns))
    assert bucket.stat("inbox/missing.md") is None
    with pytest.raises(ObjectNotFoundError):
        bucket.get_bytes("inbox/missing.md")
    with pytest.raises(ObjectNotFoundError):
        bucket.download("inbox/missing.md", tmp_path / "missing")

    bucket.put_bytes("empty.txt", b"")
    assert bucket.get_bytes("empty.txt") == b"" and bucket.get_bytes("empty.txt", max_bytes=10) == b""

    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(1024) * (9 * 1024))  # 9 MiB: above boto3's 8 MiB multipart threshold
    bucket.put_file("projects/x/video.mp4", big)
    copy = bucket.download("projects/x/video.mp4", tmp_path / "copy.bin")
    assert copy.read_bytes() == big.read_bytes()
    assert bucket.stat("projects/x/video.mp4").size == big.stat().st_size

    bucket.put_bytes("inbox/a.md", b"rewritten")
    rewritten = bucket.stat("inbox/a.md")
    assert rewritten.size == len(b"rewritten") and rewritten.version != info.version
    bucket.delete("inbox/a.md")
    bucket.delete("inbox/a.md")  # deleting a missing object is not an error, on both
    assert bucket.stat("inbox/a.md") is None
    assert bucket.uri("projects/x/y.json").endswith("projects/x/y.json")


def test_s3_objects_live_below_the_prefix_with_a_content_type(s3_bucket_url: str, s3_env: str) -> None:
    bucket = BucketResource(root=s3_bucket_url).get()
    assert isinstance(bucket, S3Bucket) and bucket.local_path("inbox/a.md") is None
    client = _s3_client(s3_env, "us-east-1", 3)
    name, prefix = parse_s3_url(s3_bucket_url)
    client.put_object(Bucket=name, Key="outside/inbox/x.md", Body=b"not ours")
    bucket.put_bytes("projects/d/renders/r/video.mp4", b"\x00\x00\x00\x18ftyp")
    assert bucket.uri("inbox/a.md") == f"s3://{name}/notes-pipeline/inbox/a.md"
    stored = client.head_object(Bucket=name, Key=f"{prefix}projects/d/renders/r/video.mp4")
    assert stored["ContentType"] == "video/mp4"
    assert [o.key for o in bucket.list("")] == ["projects/d/renders/r/video.mp4"]


def test_a_presigned_link_fetches_the_object_without_credentials(
    s3_bucket_url: str, s3_env: str, tmp_path: Path
) -> None:
    bucket = BucketResource(root=s3_bucket_url).get()
    bucket.put_bytes("projects/d/renders/r/video.mp4", b"\x00\x00\x00\x18ftypisom")
    url = bucket.presigned_url("projects/d/renders/r/video.mp4", expires_s=600)
    assert url and url.startswith(s3_env) and "Signature" in url and "Expires" in url
    response = requests.get(url, timeout=10)  # no credentials: the signature in the link is the permission
    assert response.status_code == 200 and response.content == b"\x00\x00\x00\x18ftypisom"
    expires = int(parse_qs(urlsplit(url).query)["Expires"][0])
    assert abs(expires - (time.time() + 600)) < 60  # moto does not check signatures or expiry; we check the link's
    assert LocalBucket(tmp_path).presigned_url("projects/d/renders/r/video.mp4") is None


def test_s3_reads_only_the_bytes_asked_for(s3_bucket_url: str, s3_env: str) -> None:
    bucket = BucketResource(root=s3_bucket_url).get()
    bucket.put_bytes("inbox/long.md", b"x" * 100_000)
    with sent_s3_requests(bucket.client) as sent:
        assert bucket.get_bytes("inbox/long.md", max_bytes=10) == b"x" * 10
    ((operation, _, headers),) = sent
    assert operation == "GetObject" and headers["Range"] == "bytes=0-9"


def test_s3_listing_skips_keys_our_validation_refuses(s3_bucket_url: str, s3_env: str) -> None:
    bucket = BucketResource(root=s3_bucket_url).get()
    name, prefix = parse_s3_url(s3_bucket_url)
    # Any S3 client can write these keys; none of them may come back from a listing.
    for odd in [
        "inbox/.partial.md",
        "inbox/.git/config.md",
        "inbox//double.md",
        "inbox/a/../b.md",
        "inbox/dir/",
        "inbox/ctrl\x01.md",
    ]:
        bucket.client.put_object(Bucket=name, Key=prefix + odd, Body=b"x")
    bucket.put_bytes("inbox/ok.md", b"# ok")
    assert [o.key for o in bucket.list("inbox/")] == ["inbox/ok.md"]


UNSAFE = [
    "../x",
    "/abs",
    "a/../../b",
    "inbox/../../etc/passwd",
    "inbox//x.md",
    "a/./b",
    "a\\b",
    "x\x00y",
    "é" * 513,
    "",
]


@pytest.mark.parametrize("key", UNSAFE)
def test_traversal_keys_are_refused_before_any_request(s3_bucket_url: str, s3_env: str, tmp_path: Path, key: str):
    bucket = BucketResource(root=s3_bucket_url).get()
    source = tmp_path / "f.txt"
    source.write_text("x")
    calls = [
        lambda: bucket.put_bytes(key, b"x"),
        lambda: bucket.put_file(key, source),
        lambda: bucket.get_bytes(key),
        lambda: bucket.get_bytes(key, max_bytes=1),
        lambda: bucket.download(key, tmp_path / "out"),
        lambda: bucket.stat(key),
        lambda: bucket.delete(key),
        lambda: bucket.uri(key),
        lambda: bucket.local_path(key),
        lambda: bucket.list("inbox/", start_after=key),
    ]
    with sent_s3_requests(bucket.client) as sent:
        for call in calls:
            if key == "" and call is calls[-1]:
                continue  # an empty start_after means "from the beginning"
            with pytest.raises(keys.InvalidKeyError):
                call()
    assert sent == []
    assert not (tmp_path / "out").exists()


def test_a_bucket_prefix_that_escapes_is_refused() -> None:
    for url in ["s3://bucket/../x", "s3://bucket//x", "s3://Bad_Name/x", "s3://b/x", "s3://../x"]:
        with pytest.raises(ValueError):
            parse_s3_url(url)
    assert parse_s3_url("s3://my-bucket/notes-pipeline/") == ("my-bucket", "notes-pipeline/")
    assert parse_s3_url("s3://my-bucket") == ("my-bucket", "")
    with pytest.raises(ValueError, match="unsupported bucket location"):
        open_bucket("gs://elsewhere/x")


def test_missing_bucket_is_a_bucket_error_naming_it(s3_env: str) -> None:
    bucket = BucketResource(root="s3://np-never-created/x").get()
    with pytest.raises(BucketError, match="np-never-created") as raised:
        bucket.list("inbox/")
    assert isinstance(raised.value, OSError)
    assert "testing-secret" not in str(raised.value)


def test_configuration_is_read_from_the_environment_when_used(monkeypatch, tmp_path: Path, s3_bucket_url: str):
    resource = BucketResource()  # built before the environment is set, as at import time
    monkeypatch.setenv("NOTES_PIPELINE_BUCKET", str(tmp_path / "elsewhere"))
    local = resource.get()
    assert isinstance(local, LocalBucket) and local.root == (tmp_path / "elsewhere").resolve()

    monkeypatch.setenv("NOTES_PIPELINE_BUCKET", s3_bucket_url)
    remote = resource.get()
    assert isinstance(remote, S3Bucket) and remote.prefix == "notes-pipeline/"
    remote.put_bytes("inbox/env.md", b"through the environment")
    assert remote.get_bytes("inbox/env.md") == b"through the environment"

    monkeypatch.delenv("NOTES_PIPELINE_BUCKET")
    monkeypatch.setenv("NOTES_PIPELINE_HOME", str(tmp_path / "home"))
    assert resource.get().root == (tmp_path / "home" / "bucket").resolve()


def test_r2_endpoint_gets_region_auto_and_works(monkeypatch, s3_bucket_url: str, s3_env: str) -> None:
    # Building a client contacts nothing: check R2's settings are what boto3 will use.
    monkeypatch.delenv("NOTES_PIPELINE_S3_REGION")
    monkeypatch.setenv("NOTES_PIPELINE_S3_ENDPOINT_URL", "https://0123abcd.r2.cloudflarestorage.com")
    r2 = BucketResource(root="s3://notes/videos/").get()
    assert r2.client.meta.region_name == "auto"
    assert r2.client.meta.endpoint_url == "https://0123abcd.r2.cloudflarestorage.com"
    # The same settings against the local S3 server: region "auto" signs and works.
    monkeypatch.setenv("NOTES_PIPELINE_S3_ENDPOINT_URL", s3_env)
    monkeypatch.setenv("NOTES_PIPELINE_S3_REGION", "auto")
    bucket = BucketResource(root=s3_bucket_url).get()
    assert bucket.client.meta.region_name == "auto"
    bucket.put_bytes("inbox/r2.md", b"r2")
    assert [o.key for o in bucket.list("inbox/")] == ["inbox/r2.md"]


class _AlwaysFailing(http.server.BaseHTTPRequestHandler):
    """An S3 endpoint that answers every request with 500 InternalError, counting them."""

    count = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        type(self).count += 1
        body = b"<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>"
        self.send_response(500)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_boto3_is_the_one_retry_owner(s3_env: str) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysFailing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        resource = BucketResource(
            root="s3://failing/x", endpoint_url=f"http://127.0.0.1:{server.server_port}", max_attempts=1
        )
        with pytest.raises(BucketError, match="InternalError"):
            resource.get().get_bytes("inbox/a.md")
        # max_attempts=1 is one retry by boto3: two requests in all, none added by us.
        assert _AlwaysFailing.count == 2
    finally:
        server.shutdown()
        server.server_close()


def test_listing_order_and_windows_are_the_same_on_both(bucket_location: str) -> None:
    """Key order is bytewise (S3's): folders interleave with files by their full key, not walk order."""
    bucket = BucketResource(root=bucket_location).get()
    names = ["a.md", "a/b.md", "a/c/d.md", "a-b.md", "a0.md", "ab.md", "A.md", "é.md", "z/y/x.md", "a_b.md"]
    for name in names:
        bucket.put_bytes("inbox/" + name, b"x")
    truth = sorted("inbox/" + n for n in names)
    assert [o.key for o in bucket.list("inbox/")] == truth
    for after in ["", "inbox/a", "inbox/a/", "inbox/a/b.md", "inbox/a/c/", "inbox/a.md", "inbox/zz", "inbox/Z"]:
        for limit in [None, 1, 3]:
            expected = [k for k in truth if k > after][:limit]
            assert [o.key for o in bucket.list("inbox/", start_after=after or None, limit=limit)] == expected
    assert [o.key for o in bucket.list("inbox/a/")] == ["inbox/a/b.md", "inbox/a/c/d.md"]


@pytest.mark.parametrize("prefix", ["../", "inbox/../../", "/etc/", "inbox//", "a\\b/", "x\x00/", "..", "./inbox/"])
def test_a_listing_prefix_obeys_the_key_rules(bucket_location: str, tmp_path: Path, prefix: str) -> None:
    (tmp_path / "outside.md").write_text("must never be listed")
    bucket = BucketResource(root=bucket_location).get()
    with pytest.raises(keys.InvalidKeyError):
        bucket.list(prefix)


def test_a_hidden_listing_returns_dot_files_and_refused_names_saying_why(bucket_location: str) -> None:
    """Only the inbox asks for it, so that it can name what it skips instead of ignoring it without a word."""
    bucket = BucketResource(root=bucket_location).get()
    for key in ["inbox/ok.md", "inbox/.hidden.md", "inbox/.git/config.md"]:
        bucket.put_bytes(key, b"x")
    if isinstance(bucket, S3Bucket):
        bucket.client.put_object(Bucket=bucket.name, Key=bucket.prefix + "inbox/ctrl\x01.md", Body=b"x")
        refused = "inbox/ctrl\x01.md"
    else:
        with open(os.fsencode(bucket.local_path("inbox/")) + b"/caf\xe9.md", "wb") as fh:
            fh.write(b"x")
        refused = os.fsdecode(b"inbox/caf\xe9.md")
    assert [o.key for o in bucket.list("inbox/")] == ["inbox/ok.md"]
    listed = {o.key: o.refused for o in bucket.list("inbox/", hidden=True)}
    assert set(listed) == {"inbox/.hidden.md", "inbox/ok.md", refused}  # never inside dot-folders
    assert listed["inbox/ok.md"] is None and listed["inbox/.hidden.md"] is None and listed[refused]

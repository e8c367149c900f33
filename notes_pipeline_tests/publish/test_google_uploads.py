"""The real google-api-python-client uploading to YouTube and Drive stubs on 127.0.0.1.

Resumable sessions in chunks, a 308 with Range, a connection dropped mid-chunk (resumed from
the last acknowledged byte: the stub receives every byte exactly once), 5xx resumed, 403
quotaExceeded stopping at once with one line, and a 401 answered by refreshing the token at
the authorized-user JSON's token_uri.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from notes_pipeline.publish.drive import upload_file
from notes_pipeline.publish.google import (
    DRIVE_SCOPES,
    YOUTUBE_SCOPES,
    PublishConfigError,
    PublishError,
    google_service,
    user_credentials,
)
from notes_pipeline.publish.youtube import VideoMetadata, upload_video
from notes_pipeline_tests.publish.google_stub import REFRESH_TOKEN, Fault, GoogleStub, authorized_user

CHUNK = 256 * 1024
SIZE = 5 * CHUNK + 12_345  # not a whole number of chunks
# Drops need chunks bigger than what the loopback can buffer (the client's 4 MiB send buffer), or the
# client has handed the whole chunk to the kernel before the drop and cannot tell where it was cut.
BIG_CHUNK = 8 * 1024 * 1024  # the production chunk size
BIG_SIZE = 15 * 1024 * 1024 + 12_345
META = VideoMetadata(
    title="How solar panels work", description="Light in, electricity out.", tags=["solar", "energy"], language="en"
)
NO_SLEEP = lambda s: None  # noqa: E731


@pytest.fixture
def stub():
    with GoogleStub() as server:
        yield server


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / "video.mp4"
    path.write_bytes(os.urandom(SIZE))
    return path


@pytest.fixture
def big_video(tmp_path: Path) -> Path:
    path = tmp_path / "big.mp4"
    path.write_bytes(os.urandom(BIG_SIZE))
    return path


def youtube(stub: GoogleStub):
    return google_service(
        "youtube",
        "v3",
        user_credentials(authorized_user(stub), YOUTUBE_SCOPES, token_uri=stub.token_uri),
        endpoint=stub.url,
        timeout_s=5,
        ca_certs=stub.ca_certs,
    )


def drive(stub: GoogleStub):
    return google_service(
        "drive",
        "v3",
        user_credentials(authorized_user(stub), DRIVE_SCOPES, token_uri=stub.token_uri),
        endpoint=stub.url,
        timeout_s=5,
        ca_certs=stub.ca_certs,
    )


def test_youtube_upload_in_chunks_with_captions_thumbnail_and_metadata(stub, video, tmp_path) -> None:
    srt, thumb = tmp_path / "subtitles.srt", tmp_path / "thumbnail.jpg"
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\nHello\n", encoding="utf-8")
    thumb.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 500)
    seen: list[tuple[int, int]] = []
    published = upload_video(
        youtube(stub),
        video,
        META,
        captions=srt,
        thumbnail=thumb,
        chunk_bytes=CHUNK,
        sleep=NO_SLEEP,
        progress=lambda done, total: seen.append((done, total)),
    )

    [session] = stub.uploaded("youtube")
    assert bytes(session.data) == video.read_bytes()
    assert stub.bytes_received == SIZE and stub.bytes_resent == 0
    assert len(stub.requests("/upload/session/")) == 6 and seen[0] == (CHUNK, SIZE)  # 5 answered 308, then 200
    assert session.query["part"] == ["snippet,status"] and session.query["uploadType"] == ["resumable"]
    snippet, status = session.metadata["snippet"], session.metadata["status"]
    assert (snippet["title"], snippet["tags"], snippet["defaultLanguage"]) == (META.title, META.tags, "en")
    assert status == {"privacyStatus": "private", "selfDeclaredMadeForKids": False, "containsSyntheticMedia": True}
    assert published.remote_id == "vid00000001" and published.url.endswith("watch?v=vid00000001")

    [caption] = stub.captions
    assert b'"videoId": "vid00000001"' in caption["body"] and b"00:00:00,000 --> 00:00:02,000" in caption["body"]
    assert stub.thumbnails[0]["query"]["videoId"] == ["vid00000001"]
    assert published.details == {"privacy": "private", "captions": "cap1", "thumbnail": "set"}
    assert stub.tokens_issued == 1  # one token for every call


def test_a_connection_dropped_at_60_percent_resumes_and_every_byte_arrives_once(stub, big_video) -> None:
    stub.fail("chunk", Fault(drop_at=int(BIG_SIZE * 0.6)))
    started = time.perf_counter()
    upload_video(youtube(stub), big_video, META, chunk_bytes=BIG_CHUNK, sleep=NO_SLEEP)
    assert time.perf_counter() - started < 4  # seen at once, not after a read timeout (5 s)

    [session] = stub.uploaded("youtube")
    assert bytes(session.data) == big_video.read_bytes()
    assert stub.bytes_received == BIG_SIZE and stub.bytes_resent == 0  # nothing sent twice, nothing from zero
    puts = stub.requests("/upload/session/")
    dropped = [i for i, r in enumerate(puts) if r.status == 0]
    assert len(dropped) == 1
    query = puts[dropped[0] + 1]  # the client asks how far the session got, and is told by a 308 + Range
    assert query.headers["content-range"] == f"bytes */{BIG_SIZE}" and query.status == 308
    resumed = puts[dropped[0] + 2]
    assert resumed.headers["content-range"].startswith(f"bytes {int(BIG_SIZE * 0.6)}-")
    assert len(stub.requests("/upload/youtube/v3/videos")) == 1  # one session, never restarted


def test_server_errors_and_rate_limits_mid_upload_are_resumed(stub, video) -> None:
    stub.fail("chunk", Fault(status=503), Fault(status=500), Fault(status=403, reason="userRateLimitExceeded"))
    upload_video(youtube(stub), video, META, chunk_bytes=CHUNK, sleep=NO_SLEEP)
    [session] = stub.uploaded("youtube")
    assert bytes(session.data) == video.read_bytes()
    assert len(stub.requests("/upload/youtube/v3/videos")) == 1


def test_quota_exceeded_is_one_clear_line_and_never_retried(stub, video) -> None:
    stub.fail("init", Fault(status=403, reason="quotaExceeded"))
    with pytest.raises(PublishError) as caught:
        upload_video(youtube(stub), video, META, chunk_bytes=CHUNK, sleep=NO_SLEEP)
    message = str(caught.value)
    assert "403 quotaExceeded" in message and "quota" in message and "\n" not in message
    assert len(stub.requests("/upload/youtube/v3/videos")) == 1 and not stub.requests("/upload/session/")


def test_a_permission_error_mid_upload_stops_at_once(stub, video) -> None:
    stub.fail("chunk", Fault(status=403, reason="forbidden"))
    with pytest.raises(PublishError, match="403 forbidden: the account is not allowed"):
        upload_video(youtube(stub), video, META, chunk_bytes=CHUNK, sleep=NO_SLEEP)
    assert len(stub.requests("/upload/session/")) == 1


def test_an_expired_token_is_refreshed_at_the_token_uri(stub, video) -> None:
    service = youtube(stub)
    upload_video(service, video, META, chunk_bytes=CHUNK, sleep=NO_SLEEP)
    stub.expire_tokens()
    upload_video(service, video, META, chunk_bytes=CHUNK, sleep=NO_SLEEP)
    inits = stub.requests("/upload/youtube/v3/videos")
    assert [r.status for r in inits] == [200, 401, 200] and stub.tokens_issued == 2
    assert len(stub.uploaded("youtube")) == 2


def test_a_refused_refresh_token_is_one_line(stub, video) -> None:
    bad = authorized_user(stub).replace(REFRESH_TOKEN, "1//revoked")
    service = google_service(
        "youtube",
        "v3",
        user_credentials(bad, YOUTUBE_SCOPES, token_uri=stub.token_uri),
        endpoint=stub.url,
        ca_certs=stub.ca_certs,
    )
    with pytest.raises(PublishError, match="refresh token was refused"):
        upload_video(service, video, META, chunk_bytes=CHUNK, sleep=NO_SLEEP)
    assert not stub.requests("/upload/youtube")


def test_drive_upload_into_a_folder_resumes_after_a_drop(stub, big_video) -> None:
    stub.fail("chunk", Fault(drop_at=BIG_CHUNK + 100))
    published = upload_file(
        drive(stub), big_video, META, folder_id="folder_abc123", chunk_bytes=BIG_CHUNK, sleep=NO_SLEEP
    )
    [session] = stub.uploaded("drive")
    assert bytes(session.data) == big_video.read_bytes()
    assert stub.bytes_received == BIG_SIZE and stub.bytes_resent == 0
    assert session.metadata["parents"] == ["folder_abc123"] and session.metadata["name"] == f"{META.title}.mp4"
    assert session.query["uploadType"] == ["resumable"]
    assert published.remote_id == "file000001" and published.url.endswith("/file000001/view")


def test_credentials_come_from_json_or_a_path_and_are_never_repeated(tmp_path) -> None:
    secret = "k3y-" + "not-json"
    with pytest.raises(PublishConfigError) as caught:
        user_credentials(secret, DRIVE_SCOPES)
    assert secret not in str(caught.value)
    with pytest.raises(PublishConfigError, match="NOTES_PIPELINE_GOOGLE_OAUTH"):
        user_credentials(None, DRIVE_SCOPES)
    path = tmp_path / "user.json"
    path.write_text('{"client_id": "a", "client_secret": "b", "refresh_token": "c"}', encoding="utf-8")
    assert user_credentials(str(path), DRIVE_SCOPES).refresh_token == "c"
    with pytest.raises(PublishConfigError, match="refresh_token"):
        user_credentials('{"client_id": "a"}', DRIVE_SCOPES)


def test_a_connection_closed_after_the_whole_chunk_was_written_recovers_at_once(stub, video) -> None:
    """Small chunks sit whole in the socket buffers before the drop: the client only sees the connection
    close while it waits for the answer. httplib2 then sends the chunk once more by itself; it must send
    the bytes again (not an exhausted file slice that hangs until the read timeout)."""
    stub.fail("chunk", Fault(drop_at=CHUNK * 2 + 1000))
    started = time.perf_counter()
    upload_video(youtube(stub), video, META, chunk_bytes=CHUNK, sleep=NO_SLEEP)
    assert time.perf_counter() - started < 3  # the read timeout is 5 s
    [session] = stub.uploaded("youtube")
    assert bytes(session.data) == video.read_bytes()
    assert stub.bytes_received == SIZE + stub.bytes_resent and stub.bytes_resent <= 1000  # only what the drop kept


def test_a_refused_thumbnail_is_recorded_and_the_video_stays_published(stub, video, tmp_path) -> None:
    thumb = tmp_path / "thumbnail.jpg"
    thumb.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 100)
    stub.fail("thumbnail", Fault(status=403, reason="forbidden"))  # e.g. a channel not verified for thumbnails
    published = upload_video(youtube(stub), video, META, thumbnail=thumb, chunk_bytes=CHUNK, sleep=NO_SLEEP)
    assert published.remote_id == "vid00000001" and len(stub.uploaded("youtube")) == 1
    assert published.details["thumbnail"].startswith("failed: YouTube thumbnails.set failed: Google answered 403")
    assert len(stub.requests("/thumbnails/set")) == 1  # not retried

"""Publishing benchmark: C2PA signing of a render, and resumable uploads with and without a drop.

1. A 60 s 854x480 H.264/AAC MP4 (FFmpeg testsrc2) is signed three times with a test chain
   made here and two scene pictures as ingredients; reported: best and all times, bytes
   added, and the time for c2pa's reader to validate it.
2. 64 MiB go to the YouTube stub (127.0.0.1, TLS) through the real google-api-python-client
   in 8 MiB chunks, once clean and once with the connection reset at 60%; reported: wall
   time, bytes the stub received and received twice, chunk PUTs.

    python -m benchmarks.publishing
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import time
from pathlib import Path

from notes_pipeline.media.credentials import SigningKeys, read_credentials, sign_video
from notes_pipeline.media.ffmpeg import ffmpeg_exe
from notes_pipeline.publish.google import YOUTUBE_SCOPES, google_service, user_credentials
from notes_pipeline.publish.youtube import VideoMetadata, upload_video
from notes_pipeline_tests.media import test_content_credentials as samples
from notes_pipeline_tests.media.c2pa_keys import make_chain
from notes_pipeline_tests.publish.google_stub import Fault, GoogleStub, authorized_user


def signing(folder: Path) -> None:
    video = folder / "video.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-y",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=854x480:rate=30",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300",
            "-t",
            "60",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
            str(video),
        ],
        check=True,
    )
    chain = make_chain()
    keys = SigningKeys(chain.cert_chain, chain.private_key)
    ingredients = samples._ingredients(folder)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        sign_video(video, folder / "signed.mp4", keys, samples._provenance(), "benchmark", ingredients)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    read = read_credentials(folder / "signed.mp4", trust_anchors=chain.root)
    read_s = time.perf_counter() - started
    added = (folder / "signed.mp4").stat().st_size - video.stat().st_size
    print(
        f"sign a 60 s 480p MP4 ({video.stat().st_size / 1e6:.2f} MB): best {min(times):.3f} s "
        f"({', '.join(f'{t:.3f}' for t in times)}); +{added} bytes; read and validate {read_s:.3f} s "
        f"({read.state if read else 'no manifest'})"
    )


def uploads(folder: Path) -> None:
    big = folder / "big.mp4"
    big.write_bytes(os.urandom(64 * 1024 * 1024))
    for drop in (None, 0.6):
        with GoogleStub() as stub:
            if drop:
                stub.fail("chunk", Fault(drop_at=int(big.stat().st_size * drop)))
            credentials = user_credentials(authorized_user(stub), YOUTUBE_SCOPES, token_uri=stub.token_uri)
            service = google_service("youtube", "v3", credentials, endpoint=stub.url, ca_certs=stub.ca_certs)
            started = time.perf_counter()
            upload_video(
                service, big, VideoMetadata(title="benchmark", description="", language="en"), sleep=lambda s: None
            )
            took = time.perf_counter() - started
            print(
                f"upload 64 MiB in 8 MiB chunks, drop at {drop or 'none'}: {took:.2f} s ({64 / took:.0f} MiB/s); "
                f"received {stub.bytes_received} bytes, twice {stub.bytes_resent}, "
                f"{len(stub.requests('/upload/session/'))} PUTs"
            )


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as folder:
        signing(Path(folder))
        uploads(Path(folder))


if __name__ == "__main__":
    main()

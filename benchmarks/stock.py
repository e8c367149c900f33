"""What a stock picture costs per scene, against a Pexels stub on 127.0.0.1 (no network time):
searching, downloading, decoding and framing a photo; downloading, muting and taking the poster
frame of a 10 s clip at 720p and 1080p; and the same with review keeping 4 candidates.

    .venv/bin/python -m benchmarks.stock
"""

from __future__ import annotations

import statistics
import time

from notes_pipeline.domain.models import ImageRequest, Scene
from notes_pipeline.domain.style import style_lock
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.breaker import reset_circuit_breakers
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.pexels import PexelsLibrary
from notes_pipeline_tests.providers.stubs import StubServer
from notes_pipeline_tests.providers.stubs.stock import StockSite

KEY = "bench-" + "b" * 20
RUNS = 3


def _request(width: int, height: int, candidates: int) -> ImageRequest:
    scene = Scene(index=1, heading="Lava flows", narration="Lava flows downhill.")
    return ImageRequest(
        scene=scene,
        title="Volcanoes",
        scene_count=3,
        language="en",
        style=style_lock("Volcanoes", "clean", width, height),
        candidates=candidates,
    )


def main() -> None:
    rows = []
    with StubServer() as stub:
        shop = StockSite(stub.url)
        stub.handler = shop.handler(KEY)
        guard = UrlGuard(allow=frozenset({("127.0.0.1", stub.port)}))
        cases = [
            ("photo 1920x1080 → 1280x720", ("photos",), (1920, 1080), (1280, 720), 1),
            ("clip 1280x720 10 s → 1280x720", ("videos",), (1280, 720), (1280, 720), 1),
            ("clip 1920x1080 10 s → 1920x1080", ("videos",), (1920, 1080), (1920, 1080), 1),
            ("review: 3 photos + 1 clip (720p)", ("photos", "videos"), (1280, 720), (1280, 720), 4),
        ]
        for label, media, source, frame, candidates in cases:
            shop.pexels_photos = [
                shop.pexels_photo(i, width=source[0], height=source[1], file=shop.photo_file(f"p{i}.png", *source))
                for i in range(1, 4)
            ]
            shop.files["/files/clip.mp4"] = (_clip(*source), "video/mp4")
            shop.pexels_videos = [
                shop.pexels_video(9, link=f"{stub.url}/files/clip.mp4", width=source[0], height=source[1])
            ]
            times = []
            for _ in range(RUNS):
                reset_circuit_breakers()
                library = PexelsLibrary(
                    KEY,
                    base_url=stub.url,
                    media=media,
                    download_guard=guard,
                    http=HttpConfig(max_response_bytes=50_000_000),
                    sleep=lambda s: None,
                )
                started = time.perf_counter()
                result = library.render_with_report(_request(*frame, candidates))
                times.append(time.perf_counter() - started)
            kept = 1 + len(result.alternatives)
            rows.append(f"| {label} | {kept} | {statistics.median(times) * 1000:.0f} | {max(times) * 1000:.0f} |")
    print("| case | pictures kept | median ms | worst ms |\n|---|---|---|---|")
    print("\n".join(rows))


def _clip(width: int, height: int) -> bytes:
    from notes_pipeline_tests.providers.stubs.stock import mp4_bytes

    return mp4_bytes(width, height, 10.0)


if __name__ == "__main__":
    main()

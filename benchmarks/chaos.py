"""Chaos benchmark: the provider chains under failure, and scene concurrency under latency.

1. Twenty documents go ingest → script → narration → images through the stage functions
   (the final render is skipped: it does not touch providers). The images chain is
   Cloudflare → Together → Hugging Face → slides, plus Custom Search (and its picture
   downloads) for one scene per document that carries a search query. Every provider is a
   wire-level stub on 127.0.0.1 answering after 200 ms; in the chaos run 30% of all calls
   fail in mixed ways (429 with Retry-After, 500, 503, hang past the read timeout,
   malformed JSON, truncated body, wrong content type). The same documents run again with
   no faults. Reported: completion rate, calls per provider, fallbacks, wall time.
2. One 10-scene document through the narration and images stages with 1 s provider
   latency, with 10, 4 and 1 scene workers (and 10 workers with no latency, to show the
   local cost): with enough workers each stage takes about one scene's time.

Narration: ElevenLabs (stub, same faults) → eSpeak NG, through the narrator chain.
"""

from __future__ import annotations

import logging
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from notes_pipeline.domain.models import Script, ScriptManifest
from notes_pipeline.package_files import examples_dir
from notes_pipeline.providers.config import HttpConfig, load_config
from notes_pipeline.providers.http.breaker import reset_circuit_breakers
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.chain import ImageChain
from notes_pipeline.providers.images.cloudflare import CloudflareImages
from notes_pipeline.providers.images.huggingface import HuggingFaceImages
from notes_pipeline.providers.images.together import TogetherImages
from notes_pipeline.providers.images.web_search import WebImageSearch
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.providers.tts.chain import NarratorChain
from notes_pipeline.providers.tts.elevenlabs import ElevenLabsNarrator
from notes_pipeline.providers.tts.espeak import EspeakNarrator
from notes_pipeline.stages.images import make_images
from notes_pipeline.stages.ingest import InboxCursor, scan_inbox
from notes_pipeline.stages.narration import narrate_script
from notes_pipeline.stages.script import load_document, load_script, write_script
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import LocalBucket, put_model
from notes_pipeline_tests.providers.stubs import Recorded, Reply, StubServer, png_bytes
from notes_pipeline_tests.providers.stubs import images as wire
from notes_pipeline_tests.providers.stubs.elevenlabs import elevenlabs_handler

EXAMPLES = examples_dir()
MAX_BYTES = 5_000_000
DOCUMENTS = 20
FAULT_RATE = 0.3
LATENCY_S = 0.2
CF_TOKEN, CF_ACCOUNT, TG_KEY, HF_TOKEN, CSE_KEY, CSE_ID, XI_KEY = (
    "bench-cf-token",
    "bench-account",
    "bench-tg",
    "bench-hf",
    "bench-cse",
    "bench-cx",
    "bench-xi",
)
HTTP = HttpConfig(
    connect_timeout_s=1,
    read_timeout_s=1,
    max_attempts=3,
    backoff_base_s=0.1,
    backoff_max_s=2,
    breaker_failures=5,
    breaker_cooldown_s=5,
)
FAULTS = ("429", "500", "503", "hang", "malformed", "truncated", "wrong_type")


class Chaos:
    """Wraps a stub handler so a share of requests fail, in a reproducible mix."""

    def __init__(self, rate: float, seed: int) -> None:
        self.rate = rate
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.injected: Counter[str] = Counter()

    def __call__(self, handler: Callable[[Recorded], Reply]) -> Callable[[Recorded], Reply]:
        def handle(request: Recorded) -> Reply:
            with self.lock:
                failing = self.rng.random() < self.rate
                kind = self.rng.choice(FAULTS)
            if not failing:
                return handler(request)
            with self.lock:
                self.injected[kind] += 1
            return {
                "429": lambda: Reply.too_many(retry_after=0.5),
                "500": lambda: Reply.error(500),
                "503": lambda: Reply.error(503),
                "hang": lambda: Reply.hang(HTTP.read_timeout_s + 1),
                "malformed": Reply.malformed_json,
                "truncated": lambda: Reply.truncated(png_bytes(256, 256)),
                "wrong_type": Reply.wrong_type,
            }[kind]()

        return handle


def _narrator(stub: StubServer) -> NarratorChain:
    config = load_config().narration.settings_for(ElevenLabsNarrator).model_copy(update={"base_url": stub.url})
    return NarratorChain([ElevenLabsNarrator(config, api_key=XI_KEY, http=HTTP), EspeakNarrator()])


def _documents(bucket: LocalBucket, count: int) -> list[str]:
    examples = sorted(p for p in EXAMPLES.iterdir() if p.suffix in {".md", ".txt"})
    for i in range(count):
        source = examples[i % len(examples)]
        text = source.read_text(encoding="utf-8").rstrip() + f"\n\n<!-- copy {i} -->\n"
        bucket.put_bytes(f"{keys.INBOX_PREFIX}{source.stem}-{i:02d}{source.suffix}", text.encode())
    scan = scan_inbox(bucket, InboxCursor(), known_doc_ids=[], max_bytes=MAX_BYTES, settle_s=0, limit=count)
    return [record.doc_id for record in scan.registered]


def _with_search_query(bucket: LocalBucket, manifest: ScriptManifest) -> ScriptManifest:
    """Mark scene 2 as being about a real place, as Gemini would, so it takes the search path."""
    script = load_script(bucket, manifest)
    scenes = list(script.scenes)
    scenes[1] = scenes[1].model_copy(update={"search_query": f"{scenes[1].heading} photograph", "image_prompt": None})
    put_model(bucket, manifest.script_key, Script.model_validate({**script.model_dump(), "scenes": scenes}))
    return manifest


def _image_chain(stubs: dict[str, StubServer], search_stub: StubServer) -> ImageChain:
    guard = UrlGuard(allow=frozenset({("127.0.0.1", search_stub.port)}))
    return ImageChain(
        [
            CloudflareImages(CF_TOKEN, CF_ACCOUNT, base_url=f"{stubs['cloudflare'].url}/client/v4", http=HTTP),
            TogetherImages(TG_KEY, base_url=f"{stubs['together'].url}/v1", http=HTTP),
            HuggingFaceImages(HF_TOKEN, base_url=f"{stubs['huggingface'].url}/hf-inference/models", http=HTTP),
        ],
        search=WebImageSearch(
            CSE_KEY,
            CSE_ID,
            base_url=f"{search_stub.url}/",
            http=HTTP,
            download_guard=guard,
            min_width=800,
            min_height=450,
        ),
    )


def _search_handler(stub: StubServer) -> Callable[[Recorded], Reply]:
    pictures = {f"/img/{i}.png": png_bytes(1280, 720) for i in range(3)}
    items = [
        wire.search_item(
            f"{stub.url}/img/{i}.png", site=f"site{i}.example.org", title=f"Photo {i}", width=1280, height=720
        )
        for i in range(3)
    ]
    return wire.custom_search(items, images=pictures)


def run_documents(root: Path, *, fault_rate: float, seed: int = 7) -> dict[str, Any]:
    reset_circuit_breakers()
    bucket = LocalBucket(root / "bucket")
    chaos = Chaos(fault_rate, seed)
    with ExitStack() as stack:
        stubs = {
            name: stack.enter_context(StubServer(latency_s=LATENCY_S))
            for name in ("cloudflare", "together", "huggingface", "web_search")
        }
        stubs["cloudflare"].handler = chaos(wire.cloudflare(CF_TOKEN, CF_ACCOUNT))
        stubs["together"].handler = chaos(wire.together(TG_KEY))
        stubs["huggingface"].handler = chaos(wire.huggingface(HF_TOKEN))
        stubs["web_search"].handler = chaos(_search_handler(stubs["web_search"]))
        stubs["elevenlabs"] = stack.enter_context(StubServer(chaos(elevenlabs_handler()), latency_s=LATENCY_S))
        narrator = _narrator(stubs["elevenlabs"])
        images_source = _image_chain(stubs, stubs["web_search"])

        started = time.perf_counter()
        completed, served, fallbacks, scenes, errors = 0, Counter(), Counter(), 0, []
        narrated_by: Counter[str] = Counter()
        for doc_id in _documents(bucket, DOCUMENTS):
            try:
                manifest, _ = write_script(
                    bucket, load_document(bucket, doc_id, max_bytes=MAX_BYTES), LocalScriptWriter()
                )
                manifest = _with_search_query(bucket, manifest)
                narration = narrate_script(bucket, manifest, narrator, workers=4)
                images = make_images(bucket, manifest, images_source, workers=4)
            except Exception as err:  # noqa: BLE001 - the benchmark counts failures instead of stopping
                errors.append(f"{doc_id}: {err}")
                continue
            complete = len(images.images) == manifest.scene_count == len(narration.clips) and all(
                bucket.stat(i.image_key) for i in images.images
            )
            completed += complete
            scenes += manifest.scene_count
            served.update(i.provider for i in images.images)
            fallbacks.update(f for i in images.images for f in i.fallbacks)
            narrated_by.update(c.provider for c in narration.clips)
        wall = time.perf_counter() - started
        calls = {name: len(stub.requests) for name, stub in stubs.items()}
    return {
        "wall_s": wall,
        "completed": completed,
        "scenes": scenes,
        "served": served,
        "fallbacks": fallbacks,
        "calls": calls,
        "errors": errors,
        "injected": chaos.injected,
        "narrated_by": narrated_by,
    }


def stages_under_latency(root: Path, workers: int, latency_s: float) -> tuple[float, float, int]:
    """Seconds of the narration and the images stage for one 10-scene document when every
    provider call (ElevenLabs, Cloudflare) takes `latency_s`."""
    reset_circuit_breakers()
    bucket = LocalBucket(root / f"bucket-{workers}-{latency_s}")
    source = EXAMPLES / "how-solar-panels-work.md"
    bucket.put_bytes(keys.INBOX_PREFIX + source.name, source.read_bytes())
    scan = scan_inbox(bucket, InboxCursor(), known_doc_ids=[], max_bytes=MAX_BYTES, settle_s=0)
    document = load_document(bucket, scan.registered[0].doc_id, max_bytes=MAX_BYTES)
    manifest, script = write_script(bucket, document, LocalScriptWriter())
    patient = HTTP.model_copy(update={"read_timeout_s": latency_s + 5})
    with (
        StubServer(wire.cloudflare(CF_TOKEN, CF_ACCOUNT), latency_s=latency_s) as images_stub,
        StubServer(elevenlabs_handler(), latency_s=latency_s) as voice_stub,
    ):
        config = (
            load_config().narration.settings_for(ElevenLabsNarrator).model_copy(update={"base_url": voice_stub.url})
        )
        narrator = ElevenLabsNarrator(config, api_key=XI_KEY, http=patient)
        chain = ImageChain(
            [CloudflareImages(CF_TOKEN, CF_ACCOUNT, base_url=f"{images_stub.url}/client/v4", http=patient)]
        )
        started = time.perf_counter()
        narration = narrate_script(bucket, manifest, narrator, workers=workers)
        narrated = time.perf_counter()
        images = make_images(bucket, manifest, chain, workers=workers)
        done = time.perf_counter()
    assert all(c.provider == "elevenlabs" for c in narration.clips), "a clip fell back: latency run is invalid"
    assert all(i.provider == "cloudflare" for i in images.images), "an image fell back: latency run is invalid"
    return narrated - started, done - narrated, len(script.scenes)


def _table(runs: dict[str, dict[str, Any]]) -> None:
    clean, chaos = runs["no faults"], runs["30% faults"]
    print(f"| | no faults | {int(FAULT_RATE * 100)}% faults |")
    print("|---|---:|---:|")
    print(f"| documents completed | {clean['completed']}/{DOCUMENTS} | {chaos['completed']}/{DOCUMENTS} |")
    print(f"| scenes | {clean['scenes']} | {chaos['scenes']} |")
    print(f"| wall s | {clean['wall_s']:.1f} | {chaos['wall_s']:.1f} |")
    for name in chaos["calls"]:
        print(f"| calls to {name} | {clean['calls'][name]} | {chaos['calls'][name]} |")
    for name in sorted(set(chaos["served"]) | set(clean["served"])):
        print(f"| images served by {name} | {clean['served'][name]} | {chaos['served'][name]} |")
    for name in sorted(set(chaos["fallbacks"]) | set(clean["fallbacks"])):
        print(f"| fallbacks past {name} | {clean['fallbacks'][name]} | {chaos['fallbacks'][name]} |")
    for name in sorted(set(chaos["narrated_by"]) | set(clean["narrated_by"])):
        print(f"| clips narrated by {name} | {clean['narrated_by'][name]} | {chaos['narrated_by'][name]} |")


def main() -> None:
    logging.getLogger("notes_pipeline").setLevel(logging.ERROR)  # every injected fault logs a warning
    print(
        f"\n# chaos: {DOCUMENTS} documents, stub providers on 127.0.0.1 answering after {LATENCY_S * 1000:.0f} ms, "
        f"script → narration → images (final render skipped)"
    )
    runs: dict[str, dict[str, Any]] = {}
    for label, rate in (("no faults", 0.0), ("30% faults", FAULT_RATE)):
        with tempfile.TemporaryDirectory(prefix="np-chaos-") as tmp:
            runs[label] = run_documents(Path(tmp), fault_rate=rate)
    chaos = runs["30% faults"]
    print(
        "narration: ElevenLabs (stub, same faults) → eSpeak NG; images: Cloudflare → Together → Hugging Face → "
        "slides, Custom Search → slides for the scene with a search query\n"
    )
    _table(runs)
    injected = ", ".join(f"{k} {v}" for k, v in sorted(chaos["injected"].items()))
    print(f"\nfaults injected: {sum(chaos['injected'].values())} ({injected})")
    print(
        f"completion rate with faults: {chaos['completed'] / DOCUMENTS:.0%}; "
        f"wall time {chaos['wall_s'] / runs['no faults']['wall_s']:.2f}x the fault-free run"
    )
    for error in chaos["errors"] + runs["no faults"]["errors"]:
        print(f"FAILED {error}")

    print(
        "\n# narration + images stages, one 10-scene document, every provider call taking 1 s "
        "(0 s: the same work without provider latency, i.e. the local decoding/encoding cost)"
    )
    print("| scene workers | provider latency s | narration s | images s | both s |")
    print("|---:|---:|---:|---:|---:|")
    timings: dict[tuple[int, float], tuple[float, float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="np-chaos-") as tmp:
        for workers, latency in ((10, 0.0), (10, 1.0), (4, 1.0), (1, 1.0)):
            timings[workers, latency] = stages_under_latency(Path(tmp), workers, latency)
            narration_s, images_s, scenes = timings[workers, latency]
            print(f"| {workers} | {latency:.0f} | {narration_s:.2f} | {images_s:.2f} | {narration_s + images_s:.2f} |")
    wide, serial = timings[10, 1.0], timings[1, 1.0]
    print(
        f"{scenes} scenes, 2 provider calls each: {2 * scenes:.0f} s of provider latency in sum; with 10 workers "
        f"both stages took {wide[0] + wide[1]:.2f} s, one worker {serial[0] + serial[1]:.2f} s"
    )


if __name__ == "__main__":
    main()

"""Provider slots: a concurrency limit per provider that holds across sessions, measured at the stub."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from notes_pipeline.providers.config import Secrets
from notes_pipeline.providers.http.breaker import reset_circuit_breakers
from notes_pipeline.providers.registry import ProviderRegistry
from notes_pipeline.store.slots import ProviderBusyError, ProviderSlots, lock_namespace
from notes_pipeline_tests.providers.stubs import StubServer
from notes_pipeline_tests.providers.stubs.elevenlabs import elevenlabs_handler
from notes_pipeline_tests.providers.stubs.provider_config import stub_config

SCENES = [f"Scene {n} explains how warm air rises and cool air sinks." for n in range(1, 11)]


@pytest.fixture(autouse=True)
def fresh_breakers():
    reset_circuit_breakers()
    yield
    reset_circuit_breakers()


def _narrator(url: str, slots: ProviderSlots | None):
    """The narration chain as the pipeline builds it: ElevenLabs (key set) then eSpeak."""
    registry = ProviderRegistry(stub_config(url), Secrets.from_values({"elevenlabs_api_key": "sk_test"}), slots=slots)
    return registry.narrator()


def _speak_concurrently(narrators: list, texts: list[str]) -> list:
    """Each text spoken on its own thread, all released at once; narrators used round-robin."""
    start, results = threading.Barrier(len(texts)), [None] * len(texts)

    def speak(i: int) -> None:
        start.wait()
        results[i] = narrators[i % len(narrators)].synthesize(texts[i], language="en")

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_ten_concurrent_scene_calls_never_exceed_a_limit_of_two_across_sessions(database_url: str) -> None:
    with StubServer(elevenlabs_handler(), latency_s=0.25) as stub:
        # Control: without the limiter the stub does see the calls pile up, so the measurement can fail.
        _speak_concurrently([_narrator(stub.url, None)], SCENES[:6])
        unlimited = stub.max_in_flight
        assert unlimited >= 4

        stub.max_in_flight = 0
        # Two limiters, each with its own connection pool: to Postgres these are separate sessions,
        # exactly as two processes (or two machines) on the same database would be.
        first = ProviderSlots(database_url, {"elevenlabs": 2}, wait_s=30)
        second = ProviderSlots(database_url, {"elevenlabs": 2}, wait_s=30)
        try:
            clips = _speak_concurrently([_narrator(stub.url, first), _narrator(stub.url, second)], SCENES)
            assert first.in_use("elevenlabs") == 0  # every slot given back
        finally:
            first.close()
            second.close()
    assert stub.max_in_flight == 2
    assert [c.provider for c in clips] == ["elevenlabs"] * 10 and all(c.fallbacks == [] for c in clips)
    assert len(stub.calls("/v1/text-to-speech/")) == 6 + 10


def test_a_provider_whose_slots_stay_busy_hands_the_scene_to_the_next_in_the_chain(database_url: str) -> None:
    holder = ProviderSlots(database_url, {"elevenlabs": 1})
    waiting = ProviderSlots(database_url, {"elevenlabs": 1}, wait_s=0.5)
    try:
        with StubServer(elevenlabs_handler()) as stub, holder.hold("elevenlabs"):
            assert holder.in_use("elevenlabs") == 1
            started = time.monotonic()
            with pytest.raises(ProviderBusyError, match="all 1 slots stayed busy"), waiting.hold("elevenlabs"):
                pass
            assert 0.4 < time.monotonic() - started < 3
            clip = _narrator(stub.url, waiting).synthesize(SCENES[0], language="en")
            assert stub.calls() == []
        assert clip.provider == "espeak" and clip.fallbacks == ["elevenlabs"]
        with waiting.hold("elevenlabs"), waiting.hold("unlimited-provider"):
            assert waiting.in_use("elevenlabs") == 1
    finally:
        holder.close()
        waiting.close()


def test_a_killed_process_gives_its_slot_back(database_url: str) -> None:
    """A crash must never leak a slot: the session ends with the process, and its locks with it."""
    code = (
        "import psycopg, sys, time\n"
        "conn = psycopg.connect(sys.argv[1], autocommit=True)\n"
        "assert conn.execute('SELECT pg_try_advisory_lock(%s, 0)', (int(sys.argv[2]),)).fetchone()[0]\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, database_url, str(lock_namespace("gemini"))], stdout=subprocess.PIPE, text=True
    )
    slots = ProviderSlots(database_url, {"gemini": 1}, wait_s=0.3)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(ProviderBusyError), slots.hold("gemini"):
            pass
        child.kill()
        child.wait(timeout=10)
        slots.wait_s = 10
        with slots.hold("gemini"):
            assert slots.in_use("gemini") == 1
    finally:
        child.kill()
        slots.close()

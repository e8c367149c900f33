"""The HTTP policy against a real server on 127.0.0.1: retries, Retry-After, breaker, caps, redaction."""

import email.utils
import logging
import time

import pytest

from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.errors import (
    CircuitOpenError,
    HttpError,
    ResponseTooLargeError,
    UnexpectedContentError,
)
from notes_pipeline_tests.providers.stubs import Reply, StubServer

KEY = "s" + "k-live-4f9c2a7be81d"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stub():
    with StubServer(lambda r: Reply.json({"ok": True})) as server:
        yield server


def client(name="prov", sleeps=None, clock=None, **config):
    settings = {
        "max_attempts": 3,
        "backoff_base_s": 0.5,
        "backoff_max_s": 8,
        "read_timeout_s": 2,
        "connect_timeout_s": 1,
        **config,
    }
    return HttpClient(
        name,
        HttpConfig(**settings),
        secrets=[KEY],
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        **({"clock": clock} if clock else {}),
    )


def test_success_reports_one_attempt(stub):
    answer = client().request("POST", f"{stub.url}/v1/run", json={"a": 1}, expect=("application/json",))
    assert answer.json() == {"ok": True} and answer.attempts == 1 and answer.latency_s > 0
    assert stub.requests[0].json() == {"a": 1}


def test_retries_are_bounded_and_back_off_exponentially(stub):
    stub.script(*[Reply.error(500)] * 5)
    sleeps: list[float] = []
    with pytest.raises(HttpError) as caught:
        client(sleeps=sleeps).request("GET", f"{stub.url}/v1/x")
    assert caught.value.attempts == 3 and caught.value.status == 500 and caught.value.retryable
    assert len(stub.requests) == 3 and stub.pending == 2
    # equal jitter: each wait lies in [step/2, step] with step = 0.5, 1.0
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


@pytest.mark.parametrize(
    "fault",
    [Reply.error(502), Reply.error(503), Reply.truncated(), Reply.hang(3)],
    ids=["502", "503", "truncated", "timeout"],
)
def test_transient_faults_are_retried_until_success(stub, fault):
    stub.script(fault)
    answer = client(read_timeout_s=0.3).request("GET", f"{stub.url}/v1/x")
    assert answer.status == 200 and answer.attempts == 2 and len(stub.requests) == 2


def test_retry_after_seconds_and_http_date_are_honoured(stub):
    when = email.utils.formatdate(time.time() + 6, usegmt=True)
    stub.script(Reply.too_many(retry_after=4), Reply.too_many(retry_after=when))
    sleeps: list[float] = []
    answer = client(sleeps=sleeps).request("GET", f"{stub.url}/v1/x")
    assert answer.attempts == 3 and answer.report.waits_s == tuple(sleeps)
    assert sleeps[0] == 4.0 and 4.0 <= sleeps[1] <= 6.0


def test_header_names_are_read_in_any_case(stub):
    # HTTP names are case-insensitive, and proxies and HTTP/2 gateways send them in lower case.
    stub.script(
        Reply.too_many(retry_after=None).with_(headers={"retry-after": "3"}),
        Reply.png().with_(content_type=None, headers={"content-type": "image/png"}),
    )
    sleeps: list[float] = []
    answer = client(sleeps=sleeps).request("GET", f"{stub.url}/img", expect=("image/",))
    assert sleeps == [3.0] and answer.content_type == "image/png" and answer.headers["Content-Type"] == "image/png"


def test_a_retry_after_over_the_cap_gives_up_at_once(stub):
    stub.script(Reply.too_many(retry_after=3600))
    sleeps: list[float] = []
    with pytest.raises(HttpError, match="over the 8 s cap") as caught:
        client(sleeps=sleeps).request("GET", f"{stub.url}/v1/x")
    assert caught.value.attempts == 1 and sleeps == [] and len(stub.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_other_client_errors_are_not_retried(stub, status):
    stub.script(Reply.error(status))
    with pytest.raises(HttpError) as caught:
        client().request("POST", f"{stub.url}/v1/x", json={})
    assert caught.value.status == status and caught.value.attempts == 1 and not caught.value.retryable
    assert len(stub.requests) == 1


def test_wrong_content_type_and_malformed_json_are_errors_not_retries(stub):
    stub.script(Reply.wrong_type(), Reply.malformed_json())
    with pytest.raises(UnexpectedContentError, match="text/html"):
        client().request("GET", f"{stub.url}/img", expect=("image/",))
    answer = client().request("GET", f"{stub.url}/json", expect=("application/json",))
    with pytest.raises(UnexpectedContentError, match="malformed JSON"):
        answer.json()
    assert len(stub.requests) == 2


@pytest.mark.parametrize("announce", [True, False], ids=["announced", "streamed"])
def test_oversized_answers_stop_at_the_cap(stub, announce):
    stub.script(Reply.oversized(5_000_000, announce=announce))
    with pytest.raises(ResponseTooLargeError, match="1000000-byte cap") as caught:
        client().request("GET", f"{stub.url}/big", max_bytes=1_000_000)
    assert caught.value.attempts == 1 and len(stub.requests) == 1


def test_circuit_opens_skips_the_provider_then_closes_after_a_good_probe(stub):
    clock = FakeClock()
    api = client("flaky", clock=clock, max_attempts=1, breaker_failures=2, breaker_cooldown_s=30)
    stub.script(Reply.error(500), Reply.error(500))
    for _ in range(2):
        with pytest.raises(HttpError):
            api.request("GET", f"{stub.url}/v1/x")
    assert api.breaker.state == "open"
    with pytest.raises(CircuitOpenError, match="circuit is open") as caught:
        api.request("GET", f"{stub.url}/v1/x")
    assert caught.value.attempts == 0 and len(stub.requests) == 2  # nothing was sent

    # Another client of the same provider shares the breaker (process-wide).
    with pytest.raises(CircuitOpenError):
        client("flaky", clock=clock).request("GET", f"{stub.url}/v1/x")

    clock.now += 31  # half-open: one probe goes out; it fails, so the circuit opens again
    stub.script(Reply.error(503))
    with pytest.raises(HttpError):
        api.request("GET", f"{stub.url}/v1/x")
    assert api.breaker.state == "open" and len(stub.requests) == 3

    clock.now += 31  # the next probe succeeds and closes the circuit
    assert api.request("GET", f"{stub.url}/v1/x").status == 200
    assert api.breaker.state == "closed"
    assert api.request("GET", f"{stub.url}/v1/x").status == 200


def test_a_half_open_circuit_lets_only_one_probe_through(stub):
    clock = FakeClock()
    api = client("probe", clock=clock, max_attempts=1, breaker_failures=1, breaker_cooldown_s=5)
    stub.script(Reply.error(500))
    with pytest.raises(HttpError):
        api.request("GET", f"{stub.url}/x")
    clock.now += 6
    api.breaker.acquire()  # a probe is in flight
    with pytest.raises(CircuitOpenError, match="probe call is in flight"):
        api.request("GET", f"{stub.url}/x")
    api.breaker.record_success()
    assert api.request("GET", f"{stub.url}/x").status == 200


def test_client_errors_other_than_auth_do_not_open_the_circuit(stub):
    api = client("picky", max_attempts=1, breaker_failures=2)
    stub.script(Reply.error(400), Reply.error(400), Reply.error(400))
    for _ in range(3):
        with pytest.raises(HttpError):
            api.request("POST", f"{stub.url}/x", json={})
    assert api.breaker.state == "closed"
    stub.script(Reply.error(401), Reply.error(403))
    for _ in range(2):
        with pytest.raises(HttpError):
            api.request("POST", f"{stub.url}/x", json={})
    assert api.breaker.state == "open"


def test_keys_never_reach_logs_or_errors(stub, caplog):
    caplog.set_level(logging.DEBUG)
    stub.script(Reply.too_many(retry_after=0), Reply.error(500), Reply.error(500))
    api = client("secretive")
    with pytest.raises(HttpError) as caught:
        api.request(
            "POST",
            f"{stub.url}/accounts/{KEY}/run?key={KEY}",
            json={"x": 1},
            headers={"Authorization": f"Bearer {KEY}"},
        )
    assert stub.requests[0].header("Authorization") == f"Bearer {KEY}"  # it was really sent
    text = str(caught.value) + repr(caught.value.args) + caplog.text
    assert "attempt 2/3" in caplog.text and "***" in text
    assert KEY not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__

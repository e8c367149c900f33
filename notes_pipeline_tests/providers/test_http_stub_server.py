"""The stub server itself: scripted faults arrive in order and every request is logged."""

import pytest
import requests

from notes_pipeline_tests.providers.stubs import Reply, StubServer


def test_scripted_replies_come_first_then_the_handler():
    with StubServer(lambda r: Reply.json({"route": r.route})) as stub:
        stub.script(Reply.too_many(retry_after=7), Reply.error(503))
        first = requests.post(f"{stub.url}/v1/x?key=abc", json={"a": 1}, timeout=5)
        second = requests.get(f"{stub.url}/v1/y", timeout=5)
        third = requests.get(f"{stub.url}/v1/z", timeout=5)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "7")
    assert second.status_code == 503
    assert third.json() == {"route": "/v1/z"}
    assert [(r.method, r.route) for r in stub.requests] == [("POST", "/v1/x"), ("GET", "/v1/y"), ("GET", "/v1/z")]
    assert stub.requests[0].query == {"key": ["abc"]} and stub.requests[0].json() == {"a": 1}
    assert stub.requests[0].header("content-type") == "application/json"


def test_truncated_and_hanging_replies_fail_on_the_client():
    with StubServer() as stub:
        stub.script(Reply.truncated(), Reply.hang(3))
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(f"{stub.url}/img", timeout=5)
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(f"{stub.url}/slow", timeout=(1, 0.2))
        assert stub.pending == 0

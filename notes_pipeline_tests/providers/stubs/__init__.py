"""Wire-level stub servers for provider tests: a real HTTP server on 127.0.0.1, scripted faults.

    with StubServer(handler) as stub:            # handler(Recorded) -> Reply, the normal answer
        stub.script(Reply.too_many(retry_after=2), Reply.error(500))   # the next two requests
        client = RealSdk(base_url=stub.url)
        ...
        assert stub.requests[0].path == "/v1/..."

See server.py for the Reply kinds (ok, 429 + Retry-After, 5xx, hang, malformed JSON,
truncated body, wrong content type, oversized body, redirect) and the request log.
"""

from notes_pipeline_tests.providers.stubs.server import Recorded, Reply, StubServer, png_bytes

__all__ = ["Recorded", "Reply", "StubServer", "png_bytes"]

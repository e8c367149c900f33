"""moto's S3 server (ThreadedMotoServer, 127.0.0.1) in its own process, and a log of the requests a client sends.

In the test process it would share one GIL with the boto3 client and the sensor under test,
so every request would cost both sides' CPU in series; in a child process the two run side
by side on two cores. It is the same server, spoken to over real HTTP either way.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _serve(ready: multiprocessing.Queue, stop: multiprocessing.Event) -> None:  # type: ignore[valid-type]
    import functools
    import logging

    from moto import backends
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per request
    # moto routes each request by scanning its own package folder twice (a third of its CPU
    # here); the folder does not change while it runs, so scan it once.
    backends.list_of_moto_modules = functools.cache(lambda scan=backends.list_of_moto_modules: tuple(scan()))
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    ready.put(server.get_host_and_port())
    stop.wait()
    server.stop()


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """The server's endpoint URL while the context is open; the process is stopped after."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or sockets inherited
    ready, stop = context.Queue(), context.Event()
    process = context.Process(target=_serve, args=(ready, stop), name="moto-s3", daemon=True)
    process.start()
    try:
        while True:
            try:
                host, port = ready.get(timeout=1)
                break
            except queue.Empty:
                if not process.is_alive():
                    raise RuntimeError(f"the moto S3 server process exited with code {process.exitcode}") from None
        yield f"http://{host}:{port}"
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.terminate()
            process.join(5)


@contextmanager
def sent_s3_requests(client: Any) -> Iterator[list[tuple[str, str, dict[str, str]]]]:
    """(operation, url, headers) of every HTTP request a real boto3 client sends, retries included,
    observed through botocore's own event hooks (nothing is mocked)."""
    sent: list[tuple[str, str, dict[str, str]]] = []

    def record(request: Any, event_name: str, **_: Any) -> None:
        headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        sent.append((event_name.rsplit(".", 1)[-1], request.url, headers))

    client.meta.events.register("before-send.s3", record)
    try:
        yield sent
    finally:
        client.meta.events.unregister("before-send.s3", record)

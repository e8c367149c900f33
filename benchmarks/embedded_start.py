"""Starting the embedded Postgres from inside a busy gRPC server, as the Dagster code server does.

    python -m benchmarks.embedded_start [--starts 8] [--pgserver]

Each start uses a fresh PGDATA (initdb + start), called from a gRPC handler thread while other
threads keep calling the server, then the handle is released and the server must stop. With
`--pgserver` the starts go through `pgserver.get_server` directly (how the code did it before),
which forks `pg_ctl` from this multi-threaded process.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
import psutil
import psycopg

METHOD = "/bench.Echo/Start"


def _processes_of(root: Path) -> list[int]:
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        if process.info["status"] != psutil.STATUS_ZOMBIE and str(root) in " ".join(process.info["cmdline"] or []):
            found.append(process.pid)
    return found


def _start_once(use_pgserver: bool) -> tuple[bool, float, str]:
    root = Path(tempfile.mkdtemp(prefix="np-bench-embedded-"))
    started = time.perf_counter()
    try:
        if use_pgserver:
            import pgserver

            server = pgserver.get_server(root / "pgdata", cleanup_mode="delete")
        else:
            from notes_pipeline.store.db import start_embedded

            server = start_embedded(root / "pgdata", cleanup_mode="delete")
        with psycopg.connect(server.get_uri(), connect_timeout=10) as conn:
            conn.execute("SELECT 1")
        elapsed = time.perf_counter() - started
        server.cleanup()
        released = time.perf_counter()
        while (left := _processes_of(root)) and time.perf_counter() - released < 10:
            time.sleep(0.05)
        stopped = time.perf_counter() - released
        return not left, elapsed, f"left running: {left}" if left else f"stopped {stopped:.2f}s after release"
    except Exception as err:  # noqa: BLE001 - counted and reported
        return False, time.perf_counter() - started, f"{type(err).__name__}: {str(err).splitlines()[0][:160]}"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=8)
    parser.add_argument("--pgserver", action="store_true")
    args = parser.parse_args()

    def handle(request: bytes, context) -> bytes:
        if request == b"start":
            ok, seconds, detail = _start_once(args.pgserver)
            return f"{int(ok)} {seconds:.2f} {detail}".encode()
        return request

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler("bench.Echo", {"Start": grpc.unary_unary_rpc_method_handler(handle)})]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    stop = threading.Event()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    call = channel.unary_unary(METHOD)

    def chatter() -> None:  # other threads calling into gRPC all the time
        while not stop.is_set():
            call(b"ping", timeout=5)

    noise = [threading.Thread(target=chatter, daemon=True) for _ in range(3)]
    for thread in noise:
        thread.start()
    results = []
    for n in range(args.starts):
        ok, seconds, detail = call(b"start", timeout=300).decode().split(" ", 2)
        results.append((ok == "1", float(seconds)))
        print(f"start {n + 1}: {'ok ' if ok == '1' else 'FAILED'} {float(seconds):5.2f}s {detail}", flush=True)
    stop.set()
    for thread in noise:
        thread.join(timeout=10)
    server.stop(1)
    good = [s for ok, s in results if ok]
    # gRPC logs "skipping fork() handlers" (at INFO, GRPC_VERBOSITY=info) whenever this process forks.
    print(
        f"{'pgserver.get_server' if args.pgserver else 'start_embedded'} from a gRPC thread: "
        f"{len(good)}/{len(results)} started and stopped cleanly"
        + (f", {min(good):.2f}-{max(good):.2f}s per start" if good else "")
    )


if __name__ == "__main__":
    main()

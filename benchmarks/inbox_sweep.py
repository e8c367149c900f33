"""Inbox sweep cost, local folder vs S3 (moto's server on 127.0.0.1 through the real boto3 client).

Prints keys listed per second (1,000-key pages) and the cost of sensor-sized scan steps over
an inbox whose files are all already in the inbox index: what every tick costs once the
inbox is large and quiet. No object may be read in that sweep.
"""

from __future__ import annotations

import logging
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from notes_pipeline.stages.ingest import InboxCursor, scan_inbox
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, LocalBucket
from notes_pipeline.store.db import Database, embedded_url, migrate
from notes_pipeline.store.inbox_index import CheckedObject, InboxIndex

FILES = 2000
PAGE = 1000


class _CountingReads:
    """Counts object reads of a bucket, to show the sweep reads nothing."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket, self.reads = bucket, 0

    def __getattr__(self, name: str):
        return getattr(self.bucket, name)

    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> bytes:
        self.reads += 1
        return self.bucket.get_bytes(key, max_bytes=max_bytes)


def _measure(label: str, bucket: Bucket, database: Database) -> None:
    names = [f"{keys.INBOX_PREFIX}n{i:05d}.md" for i in range(FILES)]
    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: bucket.put_bytes(k, k.encode()), names))
    upload_s = time.perf_counter() - started

    started, after, listed = time.perf_counter(), None, []
    while True:
        page = bucket.list(keys.INBOX_PREFIX, start_after=after, limit=PAGE)
        listed += page
        if len(page) < PAGE:
            break
        after = page[-1].key
    list_s = time.perf_counter() - started

    index = InboxIndex(database, bucket.uri(keys.INBOX_PREFIX))
    index.record(
        [
            CheckedObject(key=o.key, size=o.size, version=o.version, outcome="registered", doc_id=f"doc-{i}")
            for i, o in enumerate(listed)
        ]
    )
    known = {f"doc-{i}" for i in range(len(listed))}
    counting = _CountingReads(bucket)
    cursor, ticks, started = InboxCursor(), 0, time.perf_counter()
    while True:
        scan = scan_inbox(
            counting, cursor, index=index, known_doc_ids=known, max_bytes=5_000_000, list_limit=PAGE, settle_s=0
        )
        ticks, cursor = ticks + 1, scan.cursor
        if scan.sweep_done:
            break
    sweep_s = time.perf_counter() - started
    print(
        f"{label:<6} {FILES} files: upload {FILES / upload_s:,.0f}/s (16 threads); list {len(listed) / list_s:,.0f} "
        f"keys/s; quiet sweep {ticks} ticks, {sweep_s / ticks * 1000:,.0f} ms/tick of {PAGE} keys, "
        f"{counting.reads} objects read"
    )


def main() -> None:
    from dagster_aws.s3 import S3Resource
    from moto.server import ThreadedMotoServer

    from notes_pipeline.store.s3 import S3Bucket

    print(f"\n# inbox sweep — {FILES} notes, sensor steps of {PAGE} keys, index in pgserver; S3 = moto on 127.0.0.1")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="np-bench-inbox-") as tmp:
        url = embedded_url(Path(tmp) / "pg" / "pgdata")
        migrate(url)
        database = Database(url)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            client = S3Resource(
                endpoint_url=f"http://{host}:{port}",
                region_name="us-east-1",
                aws_access_key_id="bench",
                aws_secret_access_key="bench",
            ).get_client()
            client.create_bucket(Bucket="np-bench")
            _measure("local", LocalBucket(Path(tmp) / "bucket"), database)
            _measure("s3", S3Bucket(client, "np-bench", "bench/"), database)
        finally:
            server.stop()
            database.close()


if __name__ == "__main__":
    main()

"""The inbox index in Postgres: which inbox objects were already dealt with, and how.

A sweep of the inbox lists keys with their size and version (S3 ETag, or a local file's
modification time); the index answers "seen?" for a whole page in one query, so unchanged
objects are never read again. It records the outcome of every object a tick looked at
(registered, duplicate of a document, skipped with a reason and tried again later, refused
for its name until it changes) and forgets objects that disappeared from the inbox, so it
stays as large as the inbox itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

import psycopg
from pydantic import BaseModel

from notes_pipeline.store.bucket import ObjectInfo
from notes_pipeline.store.db import Database, DatabaseUnavailableError, mask_url

Outcome = Literal["registered", "duplicate", "skipped", "refused"]
MAX_REASON_CHARS = 1000


def storable_key(key: str) -> str:
    """A listed key as Postgres text can hold it, sorting where the listing sorts it (key ranges are
    compared with the listing): an undecodable byte of a local file name, which os.scandir hands over
    as a lone surrogate U+DC80..U+DCFF, becomes the private-use character U+E000..U+E07F, the nearest
    code points above the surrogates."""
    try:
        key.encode()
        return key
    except UnicodeEncodeError:
        return "".join(chr(ord(ch) + 0xE000 - 0xDC80) if "\udc80" <= ch <= "\udcff" else ch for ch in key)


class SeenObject(BaseModel):
    """What the index holds for one inbox key."""

    key: str
    size: int
    version: str
    outcome: Outcome
    doc_id: str | None = None
    retry_due: bool = False


class CheckedObject(BaseModel):
    """What a tick decided for one object it looked at; `doc_id` is None only when it was skipped or refused."""

    key: str
    size: int
    version: str
    outcome: Outcome
    doc_id: str | None = None
    reason: str | None = None


class InboxIndex:
    """The index rows of one inbox (named by its URI, so two buckets never share rows)."""

    def __init__(self, database: Database, inbox: str) -> None:
        self.database = database
        self.inbox = inbox

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """A lost connection becomes one clear error with the URL masked, not a driver traceback."""
        try:
            yield
        except psycopg.OperationalError as err:
            first_line = (str(err).strip().splitlines() or [type(err).__name__])[0]
            raise DatabaseUnavailableError(
                f"the inbox index in {mask_url(self.database.url)} is unreachable: {first_line}"
            ) from None

    def lookup(self, objects: Sequence[ObjectInfo], *, retry_skipped_s: float) -> dict[str, SeenObject]:
        """The index rows for these listed objects, by key (one query for the whole page)."""
        if not objects:
            return {}
        listed = {storable_key(o.key): o.key for o in objects}
        with self._reachable():
            rows = self.database.rows(
                "inbox_seen", inbox=self.inbox, keys=list(listed), retry_skipped_s=retry_skipped_s
            )
        return {listed[row["key"]]: SeenObject.model_validate({**row, "key": listed[row["key"]]}) for row in rows}

    def record(self, checked: Sequence[CheckedObject]) -> None:
        if not checked:
            return
        with self._reachable():
            self.database.rows(
                "inbox_record",
                inbox=self.inbox,
                keys=[storable_key(c.key) for c in checked],
                sizes=[c.size for c in checked],
                versions=[c.version for c in checked],
                outcomes=[c.outcome for c in checked],
                doc_ids=[c.doc_id for c in checked],
                reasons=[None if c.reason is None else c.reason[:MAX_REASON_CHARS] for c in checked],
            )

    def forget_missing(self, *, after: str, through: str | None, listed: Sequence[str]) -> int:
        """Drop rows in the listed key range (`after`, `through`] that the listing did not return."""
        with self._reachable():
            row = self.database.one(
                "inbox_forget_missing",
                inbox=self.inbox,
                after=storable_key(after),
                through=None if through is None else storable_key(through),
                listed=[storable_key(key) for key in listed],
            )
        return int(row["forgotten"]) if row else 0

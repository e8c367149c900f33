"""This process's proof of life in the database: one session holding one advisory lock.

A claimed scene task and a running stage row record the holder's token. Postgres ends the
session, and frees its lock, as soon as the process dies, so any other process can tell a
dead holder from a live one at once (`session_holder_alive(token)` in SQL) instead of
waiting minutes for a heartbeat to go stale.
"""

from __future__ import annotations

import os
import random
import threading

import psycopg

# The advisory-lock space of holder tokens; session_holder_alive() in sql/migrations/005 names it too.
LOCK_SPACE = 7_470_002
_MAX_TOKEN = 2**31 - 1


class SessionHolder:
    """A dedicated connection (never the pool's) that keeps one token's lock for the process's life."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._token: int | None = None

    def token(self) -> int:
        """The token, after making sure this session still holds its lock (reconnecting if it was lost).

        After a reconnect the same token is taken again when it is free, so claims made before
        the connection dropped are still ours unless another run has taken them over meanwhile."""
        with self._lock:
            if self._conn is not None and self._token is not None:
                try:
                    self._conn.execute("SELECT 1")
                    return self._token
                except psycopg.Error:
                    self._conn.close()
            self._conn = psycopg.connect(self.url, autocommit=True, application_name="notes_pipeline holder")
            wanted = [self._token] if self._token is not None else []
            while True:
                token = wanted.pop() if wanted else random.randint(1, _MAX_TOKEN)
                row = self._conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_SPACE, token)).fetchone()
                if row is not None and row[0]:
                    self._token = token
                    return token

    def close(self) -> None:
        """End the session: every claim it holds is free for others at once."""
        with self._lock:
            if self._conn is not None:
                try:  # at once, rather than whenever the server notices the closed socket
                    self._conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_SPACE, self._token))
                except psycopg.Error:
                    pass
                self._conn.close()
            self._conn, self._token = None, None


_holders: dict[tuple[str, int], SessionHolder] = {}
_holders_lock = threading.Lock()


def holder_for(url: str) -> SessionHolder:
    """One holder per database per process (a forked child gets its own)."""
    key = (url, os.getpid())
    with _holders_lock:
        if key not in _holders:
            _holders[key] = SessionHolder(url)
        return _holders[key]

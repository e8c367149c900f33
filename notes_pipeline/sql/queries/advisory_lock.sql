-- A session-level lock on a name, released by advisory_unlock or when the session ends (its process died).
SELECT pg_advisory_lock(hashtextextended(%(name)s, 0));

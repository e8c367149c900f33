-- Claims and stage rows bound to the holder's database session instead of a heartbeat.
-- A process holds one session-level advisory lock (space 7470002, its token) for as long as it
-- lives; Postgres frees the lock when the session ends, so a killed holder is seen at once.
-- scene_tasks.attempts now counts provider attempts actually made, not claims.

ALTER TABLE scene_tasks ADD COLUMN holder integer;
ALTER TABLE stage_runs ADD COLUMN holder integer;

CREATE INDEX stage_runs_running ON stage_runs (started_at) WHERE status = 'running';

-- True while the process that took `token` still has its session open (see store/holder.py).
CREATE FUNCTION session_holder_alive(token integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND classid = 7470002 AND objid = token::oid AND objsubid = 2
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
$$;

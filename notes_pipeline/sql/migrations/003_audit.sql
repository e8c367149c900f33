-- Audit trail: one row per workflow (a run of the pipeline for one document, its Dagster
-- run retries included) with every stage's start, end, status, attempts and error, plus
-- the append-only log of the events that built it.

CREATE TABLE workflows (
    id          text PRIMARY KEY,                  -- the first Dagster run's id; a retried run keeps it
    project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    run_id      text,                              -- the latest Dagster run of this workflow
    run_ids     text[] NOT NULL DEFAULT '{}',      -- every Dagster run of it, in order
    tier        text,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    -- stage -> {"started_at", "ended_at", "status", "attempts", "error"}
    stages      jsonb NOT NULL DEFAULT '{}'::jsonb,
    retries     integer NOT NULL DEFAULT 0,        -- stage attempts beyond each stage's first
    errors      integer NOT NULL DEFAULT 0,        -- failed stage attempts and failed runs
    last_error  text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);

CREATE INDEX workflows_project ON workflows (project_id, started_at DESC);
CREATE INDEX workflows_status_updated ON workflows (status, updated_at);

CREATE TABLE audit_events (
    id          bigserial PRIMARY KEY,
    event_id    text NOT NULL UNIQUE,              -- the delivery id webhooks carry too
    workflow_id text NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    project_id  text NOT NULL,
    run_id      text,
    kind        text NOT NULL CHECK (kind IN ('stage_started', 'stage_succeeded', 'stage_failed', 'scene_succeeded',
                                              'scene_failed', 'run_succeeded', 'run_failed')),
    stage       text,
    scene       integer,
    error       text,
    data        jsonb NOT NULL DEFAULT '{}'::jsonb,
    at          timestamptz NOT NULL
);

CREATE INDEX audit_events_workflow ON audit_events (workflow_id, id);
CREATE INDEX audit_events_project ON audit_events (project_id, at);

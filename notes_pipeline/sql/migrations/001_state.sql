-- Product state: one row per project (notes document), scene, per-scene task, artefact and stage run.
-- Timestamps are timestamptz; statuses are checked; every child row goes with its project.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE projects (
    id               text PRIMARY KEY,                 -- the document id (also the Dagster partition key)
    user_id          text,
    source_key       text NOT NULL,
    source_name      text NOT NULL,
    content_hash     text NOT NULL,                    -- sha256 of the notes as dropped
    prompt_text      text,                             -- the notes (or prompt) as embedded
    options          jsonb NOT NULL DEFAULT '{}'::jsonb,
    options_hash     text,
    embedding_model  text,
    prompt_embedding vector(768),
    status           text NOT NULL DEFAULT 'registered'
                     CHECK (status IN ('registered', 'running', 'done', 'failed')),
    final_video_key  text,
    reused_from      text REFERENCES projects (id) ON DELETE SET NULL,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX projects_prompt_embedding_hnsw ON projects USING hnsw (prompt_embedding vector_cosine_ops);
CREATE INDEX projects_status_updated ON projects (status, updated_at);

CREATE TABLE scenes (
    project_id      text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    sequence_number integer NOT NULL CHECK (sequence_number >= 1),
    heading         text NOT NULL,
    narration       text NOT NULL,
    image_prompt    text,
    search_query    text,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'done', 'failed')),
    retry_count     integer NOT NULL DEFAULT 0,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, sequence_number)
);

-- A scene's media are made by two independent stages; each is a task a worker claims.
CREATE TABLE scene_tasks (
    project_id      text NOT NULL,
    sequence_number integer NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('audio', 'image')),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'done', 'failed')),
    input_hash      text,
    attempts        integer NOT NULL DEFAULT 0,
    worker          text,
    heartbeat_at    timestamptz,
    last_error      text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, sequence_number, kind),
    FOREIGN KEY (project_id, sequence_number) REFERENCES scenes (project_id, sequence_number) ON DELETE CASCADE
);

CREATE TABLE assets (
    id                  bigserial PRIMARY KEY,
    project_id          text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    sequence_number     integer,                       -- NULL for project-level artefacts
    asset_type          text NOT NULL
                        CHECK (asset_type IN ('script', 'audio', 'image', 'video', 'subtitles', 'thumbnail',
                                              'provenance')),
    object_key          text NOT NULL,
    content_hash        text,                          -- hash of the inputs that made it
    bytes               bigint,
    duration_ms         integer,
    provider            text,
    provider_latency_ms integer,
    attempts            integer NOT NULL DEFAULT 1,
    fallbacks           text[] NOT NULL DEFAULT '{}',
    cache_hit           text NOT NULL DEFAULT 'none' CHECK (cache_hit IN ('none', 'exact', 'semantic')),
    usage               jsonb NOT NULL DEFAULT '{}'::jsonb,   -- billable units: characters, tokens, images
    run_id              text,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX assets_project ON assets (project_id, asset_type, sequence_number, created_at DESC);
CREATE INDEX assets_object_key ON assets (object_key);

CREATE TABLE stage_runs (
    id         bigserial PRIMARY KEY,
    project_id text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    stage      text NOT NULL,
    run_id     text,
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at   timestamptz,
    status     text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    error      text,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);

CREATE INDEX stage_runs_project ON stage_runs (project_id, stage, started_at DESC);
CREATE INDEX stage_runs_started ON stage_runs (started_at);

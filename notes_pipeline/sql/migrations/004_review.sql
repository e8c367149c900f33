-- Review before spending: every version of a script, the approvals of versions, and what the
-- review sensor last saw of each working copy (projects/<doc>/script.json).
-- A project that waits for a person to approve its script has the status 'review'.

ALTER TABLE projects DROP CONSTRAINT projects_status_check;
ALTER TABLE projects ADD CONSTRAINT projects_status_check
    CHECK (status IN ('registered', 'running', 'review', 'done', 'failed'));

CREATE TABLE script_versions (
    project_id          text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version             integer NOT NULL CHECK (version >= 1),
    content_hash        text NOT NULL,                 -- sha256 of script.v<N>.json as stored
    object_key          text NOT NULL,
    origin              text NOT NULL CHECK (origin IN ('writer', 'cli', 'bucket')),
    summary             text NOT NULL DEFAULT '',      -- what changed since the version before
    scene_count         integer NOT NULL CHECK (scene_count >= 1),
    review_required     boolean NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    -- Announced to Dagster as a materialisation of video_script (a writer's version is announced by its run).
    published_at        timestamptz,
    -- A run to render it was requested (or its own run renders it): the sensor never asks twice.
    render_requested_at timestamptz,
    PRIMARY KEY (project_id, version)
);

CREATE INDEX script_versions_unpublished ON script_versions (created_at) WHERE published_at IS NULL;
CREATE INDEX script_versions_unrequested ON script_versions (created_at) WHERE render_requested_at IS NULL;

CREATE TABLE script_approvals (
    project_id  text NOT NULL,
    version     integer NOT NULL,
    approved_by text NOT NULL,
    approved_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, version),
    FOREIGN KEY (project_id, version) REFERENCES script_versions (project_id, version) ON DELETE CASCADE
);

-- The working copy as last looked at: an unchanged size and time means no read, an unchanged hash no parse.
CREATE TABLE script_watch (
    project_id   text PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    size         bigint NOT NULL,
    modified_ns  bigint NOT NULL,
    content_hash text NOT NULL,
    problem      text,                                 -- why the last edit seen could not be used
    checked_at   timestamptz NOT NULL DEFAULT now()
);

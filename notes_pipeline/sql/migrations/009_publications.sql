-- Where each render was published: one row per (document, render, target). A row with a remote id is
-- done, and a re-run of the publish step finds it and uploads nothing. The row is written only after
-- the upload finished, under an advisory lock on the same key, so two publishers never upload twice.

CREATE TABLE publications (
    project_id    text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    render_id     text NOT NULL,
    target        text NOT NULL CHECK (target IN ('youtube', 'drive')),
    remote_id     text NOT NULL,                 -- the YouTube video id or the Drive file id
    url           text NOT NULL,
    privacy       text,                          -- YouTube's privacyStatus; NULL for Drive
    details       jsonb NOT NULL DEFAULT '{}',   -- caption and thumbnail outcomes, the folder
    published_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, render_id, target)
);

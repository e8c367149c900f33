-- A project's status is derived from what exists (delivered videos, stage runs, recorded
-- failures), never from projects.status alone: that column is overwritten by whichever
-- stage wrote last, so a backfill of one asset made a delivered project 'running' for good.
-- And a document that failed remembers what it depended on, so it is not retried blindly.

-- The latest failure of a document's stage, with the inputs it depended on. A later success
-- of the same stage (or `notes-pipeline retry`) removes it.
CREATE TABLE document_failures (
    project_id   text PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    stage        text NOT NULL,
    reason       text NOT NULL,
    content_hash text NOT NULL,                    -- sha256 of the notes the failed run read
    options_hash text,                             -- the render options as parsed (NULL: unparseable)
    code_version text NOT NULL,                    -- notes_pipeline's version and source digest
    run_id       text,
    failed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX document_failures_code_version ON document_failures (code_version);
CREATE INDEX assets_videos ON assets (project_id, created_at DESC) WHERE asset_type = 'video';
CREATE INDEX stage_runs_running_by_project ON stage_runs (project_id) WHERE status = 'running';

-- status: 'done'       a render was delivered (whatever ran since),
--         'running'    a stage is running now,
--         'review'     the script waits for a person,
--         'failed'     a stage failed and nothing delivered since,
--         'incomplete' stages ran and none runs now, but no video exists (e.g. a backfill of one asset),
--         'registered' nothing ran yet.
CREATE VIEW project_states AS
WITH delivered AS (
    SELECT DISTINCT ON (project_id) project_id, object_key AS video_key, created_at AS delivered_at
    FROM assets
    WHERE asset_type = 'video'
    ORDER BY project_id, created_at DESC, id DESC
), stages AS (
    SELECT project_id,
           array_agg(DISTINCT stage ORDER BY stage) FILTER (WHERE status = 'running')   AS running_stages,
           array_agg(DISTINCT stage ORDER BY stage) FILTER (WHERE status = 'succeeded') AS finished_stages,
           max(COALESCE(ended_at, started_at))                                          AS last_stage_at
    FROM stage_runs
    GROUP BY project_id
), touched AS (
    SELECT project_id, max(created_at) AS last_asset_at FROM assets GROUP BY project_id
)
SELECT p.id,
       CASE WHEN d.project_id IS NOT NULL OR p.final_video_key IS NOT NULL THEN 'done'
            WHEN s.running_stages IS NOT NULL THEN 'running'
            WHEN p.status = 'review' THEN 'review'
            WHEN f.project_id IS NOT NULL OR p.status = 'failed' THEN 'failed'
            WHEN s.project_id IS NULL THEN 'registered'
            ELSE 'incomplete'
       END                                                        AS status,
       COALESCE(d.video_key, p.final_video_key)                   AS video_key,
       d.delivered_at,
       COALESCE(s.running_stages, '{}')                           AS running_stages,
       COALESCE(s.finished_stages, '{}')                          AS finished_stages,
       f.stage                                                    AS failed_stage,
       COALESCE(f.reason, CASE WHEN p.status = 'failed' THEN p.last_error END) AS failure,
       GREATEST(p.updated_at, s.last_stage_at, t.last_asset_at)   AS last_touched_at
FROM projects p
LEFT JOIN delivered d ON d.project_id = p.id
LEFT JOIN stages s ON s.project_id = p.id
LEFT JOIN touched t ON t.project_id = p.id
LEFT JOIN document_failures f ON f.project_id = p.id;

-- Edited versions not yet announced to Dagster; each is claimed by exactly one caller.
UPDATE script_versions v
SET published_at = now()
FROM (
    SELECT project_id, version
    FROM script_versions
    WHERE published_at IS NULL
    ORDER BY created_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
) todo
WHERE v.project_id = todo.project_id AND v.version = todo.version
RETURNING v.project_id, v.version, v.content_hash, v.object_key, v.origin, v.summary, v.scene_count,
          v.review_required, v.created_at, v.published_at, v.render_requested_at

-- Versions that may be rendered and have no run yet: a project's latest version, approved when the
-- document asks for review, and for other documents an edit (a writer's version renders in its own run).
-- Each is claimed by exactly one caller (the sensor or `notes-pipeline approve --run`).
UPDATE script_versions v
SET render_requested_at = now()
FROM (
    SELECT l.project_id, l.version
    FROM script_versions l
    WHERE l.render_requested_at IS NULL
      AND l.version = (SELECT max(m.version) FROM script_versions m WHERE m.project_id = l.project_id)
      AND CASE WHEN l.review_required
               THEN EXISTS (SELECT 1 FROM script_approvals a WHERE a.project_id = l.project_id AND a.version = l.version)
               ELSE l.origin <> 'writer'
          END
      AND (%(project_id)s::text IS NULL OR l.project_id = %(project_id)s)
    ORDER BY l.created_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
) todo
WHERE v.project_id = todo.project_id AND v.version = todo.version
RETURNING v.project_id, v.version, v.content_hash, v.object_key, v.origin, v.summary, v.scene_count,
          v.review_required, v.created_at, v.published_at, v.render_requested_at

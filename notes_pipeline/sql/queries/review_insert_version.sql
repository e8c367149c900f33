-- A writer's version is announced by the run that wrote it, and rendered by it unless it waits for review.
INSERT INTO script_versions (project_id, version, content_hash, object_key, origin, summary, scene_count,
                             review_required, published_at, render_requested_at)
VALUES (%(project_id)s, %(version)s, %(content_hash)s, %(object_key)s, %(origin)s, %(summary)s, %(scene_count)s,
        %(review_required)s,
        CASE WHEN %(origin)s = 'writer' THEN now() END,
        CASE WHEN %(origin)s = 'writer' AND NOT %(review_required)s THEN now() END)
RETURNING project_id, version, content_hash, object_key, origin, summary, scene_count, review_required,
          created_at, published_at, render_requested_at, NULL::text AS approved_by, NULL::timestamptz AS approved_at

SELECT v.project_id, v.version, v.content_hash, v.object_key, v.origin, v.summary, v.scene_count,
       v.review_required, v.created_at, v.published_at, v.render_requested_at, a.approved_by, a.approved_at
FROM script_versions v
LEFT JOIN script_approvals a ON a.project_id = v.project_id AND a.version = v.version
WHERE v.project_id = %(project_id)s
ORDER BY v.version DESC
LIMIT 1

-- One project with its status derived from what exists (the project_states view), not the last writer.
SELECT p.id, s.status, s.video_key AS final_video_key, p.reused_from, p.last_error, p.options_hash,
       s.running_stages, s.finished_stages, s.failed_stage, s.failure, s.last_touched_at, p.created_at, p.updated_at
FROM projects p
JOIN project_states s ON s.id = p.id
WHERE p.id = %(id)s

-- final_video_key and reused_from are kept unless a new value is given.
UPDATE projects
SET status = %(status)s,
    last_error = %(error)s,
    final_video_key = COALESCE(%(final_video_key)s, final_video_key),
    reused_from = COALESCE(%(reused_from)s, reused_from),
    updated_at = now()
WHERE id = %(id)s
RETURNING id

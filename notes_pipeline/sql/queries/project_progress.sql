-- Progress of one project by scene: each scene's status and the state of its audio and image.
SELECT s.sequence_number,
       s.heading,
       s.status,
       s.retry_count,
       s.last_error,
       COALESCE(a.status, 'pending') AS audio_status,
       COALESCE(i.status, 'pending') AS image_status
FROM scenes s
LEFT JOIN scene_tasks a ON a.project_id = s.project_id AND a.sequence_number = s.sequence_number AND a.kind = 'audio'
LEFT JOIN scene_tasks i ON i.project_id = s.project_id AND i.sequence_number = s.sequence_number AND i.kind = 'image'
WHERE s.project_id = %(project_id)s
ORDER BY s.sequence_number

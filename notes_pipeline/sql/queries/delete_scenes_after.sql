-- The script now has fewer scenes: the rest go (their tasks cascade).
DELETE FROM scenes WHERE project_id = %(project_id)s AND sequence_number > %(scene_count)s

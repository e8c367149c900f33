-- A scene whose words or picture request changed starts again from 'pending'.
INSERT INTO scenes (project_id, sequence_number, heading, narration, image_prompt, search_query)
VALUES (%(project_id)s, %(sequence_number)s, %(heading)s, %(narration)s, %(image_prompt)s, %(search_query)s)
ON CONFLICT (project_id, sequence_number) DO UPDATE
SET heading = EXCLUDED.heading,
    narration = EXCLUDED.narration,
    image_prompt = EXCLUDED.image_prompt,
    search_query = EXCLUDED.search_query,
    status = CASE
        WHEN (scenes.narration, scenes.image_prompt, scenes.search_query, scenes.heading)
             IS DISTINCT FROM (EXCLUDED.narration, EXCLUDED.image_prompt, EXCLUDED.search_query, EXCLUDED.heading)
        THEN 'pending' ELSE scenes.status END,
    updated_at = now()

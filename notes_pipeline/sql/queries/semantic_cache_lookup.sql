-- The most similar delivered project with the same render options and embedding model.
-- The ORDER BY on the distance operator is what lets the HNSW index serve this query.
SELECT id, final_video_key, similarity
FROM (
    SELECT id, final_video_key, 1 - (prompt_embedding <=> %(embedding)s) AS similarity
    FROM projects
    WHERE final_video_key IS NOT NULL  -- delivered (set with the video, never cleared)
      AND options_hash = %(options_hash)s
      AND embedding_model = %(model)s
      AND id <> %(exclude_id)s
    ORDER BY prompt_embedding <=> %(embedding)s
    LIMIT %(candidates)s
) nearest
WHERE similarity >= %(threshold)s
ORDER BY similarity DESC
LIMIT 1

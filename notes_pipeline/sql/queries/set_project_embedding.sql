UPDATE projects
SET embedding_model = %(model)s, prompt_embedding = %(embedding)s, updated_at = now()
WHERE id = %(id)s

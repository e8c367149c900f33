-- What the document asks for, once the notes have been read.
UPDATE projects
SET user_id = COALESCE(%(user_id)s, user_id),
    prompt_text = %(prompt_text)s,
    options = %(options)s,
    options_hash = %(options_hash)s,
    updated_at = now()
WHERE id = %(id)s

-- Register (or re-register) a project; a re-registration keeps its history and embedding.
INSERT INTO projects (id, user_id, source_key, source_name, content_hash, prompt_text, options, options_hash)
VALUES (%(id)s, %(user_id)s, %(source_key)s, %(source_name)s, %(content_hash)s, %(prompt_text)s,
        %(options)s, %(options_hash)s)
ON CONFLICT (id) DO UPDATE
SET source_key = EXCLUDED.source_key,
    source_name = EXCLUDED.source_name,
    prompt_text = EXCLUDED.prompt_text,
    options = EXCLUDED.options,
    options_hash = EXCLUDED.options_hash,
    updated_at = now()

INSERT INTO assets (project_id, sequence_number, asset_type, object_key, content_hash, bytes, duration_ms,
                    provider, provider_latency_ms, attempts, fallbacks, cache_hit, usage, run_id)
VALUES (%(project_id)s, %(sequence_number)s, %(asset_type)s, %(object_key)s, %(content_hash)s, %(bytes)s,
        %(duration_ms)s, %(provider)s, %(provider_latency_ms)s, %(attempts)s, %(fallbacks)s, %(cache_hit)s,
        %(usage)s, %(run_id)s)
RETURNING id

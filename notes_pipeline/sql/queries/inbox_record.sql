-- Record what one sensor tick decided for each object it read, in one statement.
INSERT INTO inbox_objects (inbox, key, size, version, outcome, doc_id, reason)
SELECT %(inbox)s, o.key, o.size, o.version, o.outcome, o.doc_id, o.reason
FROM unnest(%(keys)s::text[], %(sizes)s::bigint[], %(versions)s::text[], %(outcomes)s::text[],
            %(doc_ids)s::text[], %(reasons)s::text[]) AS o (key, size, version, outcome, doc_id, reason)
ON CONFLICT (inbox, key) DO UPDATE
SET size = EXCLUDED.size,
    version = EXCLUDED.version,
    outcome = EXCLUDED.outcome,
    doc_id = EXCLUDED.doc_id,
    reason = EXCLUDED.reason,
    checked_at = now()

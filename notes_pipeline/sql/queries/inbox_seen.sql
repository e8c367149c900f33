-- The index rows of a page of listed inbox keys; a skipped file is due again after the retry delay.
SELECT key, size, version, outcome, doc_id,
       outcome = 'skipped' AND checked_at < now() - make_interval(secs => %(retry_skipped_s)s) AS retry_due
FROM inbox_objects
WHERE inbox = %(inbox)s AND key = ANY(%(keys)s::text[])

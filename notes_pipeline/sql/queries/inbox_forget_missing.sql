-- Forget objects removed from the inbox: rows in the key range a tick listed (after `after`,
-- up to `through`, or to the end when it is NULL) whose key that listing no longer returned.
WITH gone AS (
    DELETE FROM inbox_objects
    WHERE inbox = %(inbox)s
      AND key > %(after)s
      AND (%(through)s::text IS NULL OR key <= %(through)s::text)
      AND NOT (key = ANY(%(listed)s::text[]))
    RETURNING 1
)
SELECT count(*) AS forgotten FROM gone

-- The inbox index: what the inbox sensor has already looked at, so a sweep of the bucket
-- decides "already seen" from (key, size, version) without reading any object again.
-- Keys sort bytewise (COLLATE "C"), the order S3 lists them in, so a listed key range can be
-- compared with the rows of the same range.

CREATE TABLE inbox_objects (
    inbox      text NOT NULL,                 -- the inbox's URI: file:///…/bucket/inbox or s3://bucket/prefix/inbox/
    key        text COLLATE "C" NOT NULL,     -- the object key, e.g. inbox/lesson.md
    size       bigint NOT NULL,
    version    text NOT NULL,                 -- S3 ETag, or a local file's modification time in ns
    outcome    text NOT NULL CHECK (outcome IN ('registered', 'duplicate', 'skipped')),
    doc_id     text,                          -- the document registered, or the one this duplicates
    reason     text,                          -- why it was skipped
    checked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (inbox, key),
    CHECK ((outcome = 'skipped') = (doc_id IS NULL))
);

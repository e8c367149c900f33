-- Everything garbage collection must never delete, with who refers to it. A delivered render refers
-- to its folder (video, subtitles, thumbnail, provenance, render.json) and to every artefact of its
-- project: the script it was made from, the scene audio and images (and their cache entries, by
-- input hash). An approved script version refers to its own file.
SELECT a.object_key,
       CASE WHEN a.asset_type = 'video' THEN regexp_replace(a.object_key, '[^/]+$', '') END AS folder,
       CASE WHEN a.asset_type IN ('audio', 'image') THEN a.content_hash END               AS cache_hash,
       'a delivered render of ' || a.project_id                                           AS referrer
FROM assets a
JOIN project_states s ON s.id = a.project_id
WHERE s.status = 'done'
UNION ALL
SELECT v.object_key, NULL, NULL, 'approved script version ' || v.version || ' of ' || v.project_id
FROM script_versions v
JOIN script_approvals ap ON ap.project_id = v.project_id AND ap.version = v.version

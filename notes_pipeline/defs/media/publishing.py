"""The opt-in `published_video` asset: uploads the finished video when the notes ask (`publish: youtube|drive`).

Thin: the work is publish/publisher.py. It does nothing for notes that do not ask, and never
uploads a render twice (the `publications` table). What the notes ask comes in the script
manifest (`Publishing`), outside every hash, so asking to publish never re-renders.
"""

import dagster as dg

from notes_pipeline.defs.errors import stage_failure
from notes_pipeline.defs.partitions import notes_documents
from notes_pipeline.defs.resources import BucketResource, DatabaseResource, ProvidersResource
from notes_pipeline.domain.models import ScriptManifest, VideoRender
from notes_pipeline.providers.config import load_config
from notes_pipeline.publish.publisher import (
    STAGE,
    PublishOutcome,
    PublishSettings,
    publish_render,
)
from notes_pipeline.store.publications import PublicationStore


@dg.asset(kinds={"youtube"}, partitions_def=notes_documents, group_name="video", io_manager_key="manifest_io")
def published_video(
    context: dg.AssetExecutionContext,
    approved_script: ScriptManifest,
    final_video: VideoRender,
    bucket: BucketResource,
    database: DatabaseResource,
    providers: ProvidersResource,
) -> dg.MaterializeResult[PublishOutcome]:
    """The video on YouTube or in a Drive folder, when the notes' options say `publish:`; else nothing."""
    doc_id = context.partition_key
    store = bucket.get()
    with stage_failure(doc_id, STAGE):
        request = approved_script.publishing
        if request is None:
            outcome = PublishOutcome(doc_id=doc_id, render_id=final_video.render_id)
        else:
            secrets = providers.get_secrets()
            settings = PublishSettings.from_config(load_config(providers.config_path or None).publish)
            publication, uploaded = publish_render(
                store, PublicationStore(database.get()), final_video, request, secrets=secrets, settings=settings
            )
            outcome = PublishOutcome(
                doc_id=doc_id,
                render_id=final_video.render_id,
                target=publication.target,
                remote_id=publication.remote_id,
                url=publication.url,
                uploaded=uploaded,
            )
    return dg.MaterializeResult(
        value=outcome,
        metadata={
            "target": outcome.target or "not requested",
            "url": outcome.url or "",
            "uploaded": outcome.uploaded,
            "render_id": outcome.render_id,
        },
    )

"""Which Celery queue each step goes to when runs execute on workers (NOTES_PIPELINE_EXECUTOR=celery).

Render steps (FFmpeg: the final video and the check that decodes it) go to `render`; steps that
mostly wait on providers (script writer, voice, pictures, their checks) go to `providers`, so
render machines and cheap machines can be sized apart. The tags are inert under the other executors.
"""

# dagster_celery.tags.DAGSTER_CELERY_QUEUE_TAG, spelled out: importing dagster_celery loads Celery into every process.
DAGSTER_CELERY_QUEUE_TAG = "dagster-celery/queue"

RENDER_QUEUE = "render"
PROVIDERS_QUEUE = "providers"
QUEUES = (RENDER_QUEUE, PROVIDERS_QUEUE)

RENDER = {DAGSTER_CELERY_QUEUE_TAG: RENDER_QUEUE}
PROVIDERS = {DAGSTER_CELERY_QUEUE_TAG: PROVIDERS_QUEUE}

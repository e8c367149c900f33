"""Blocking checks that re-measure each asset's files instead of trusting its manifest."""

import io
import warnings

import dagster as dg
from PIL import Image, ImageStat

from notes_pipeline.defs.media.assets import final_video, scene_images, scene_narration
from notes_pipeline.defs.partitions import notes_documents
from notes_pipeline.defs.queues import PROVIDERS, RENDER
from notes_pipeline.defs.resources import BucketResource
from notes_pipeline.domain.models import ImagesManifest, NarrationManifest, SceneWords, VideoRender
from notes_pipeline.media.audio import wav_duration_s
from notes_pipeline.media.probe import probe
from notes_pipeline.stages.scratch import scratch_dir

# Checks on a partitioned asset must be partitioned too (else they load every partition);
# Dagster marks that as a preview feature. We rely on it knowingly: keep the logs clean.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")

AUDIO_TOLERANCE_S = 0.002
VIDEO_TOLERANCE_S = 0.2


def _result(problems: list[str], **metadata: float | int | str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(problems) if problems else None,
        metadata=metadata,
    )


@dg.asset_check(asset=scene_narration, blocking=True, partitions_def=notes_documents, op_tags=PROVIDERS)
def clips_match_their_audio(scene_narration: NarrationManifest, bucket: BucketResource) -> dg.AssetCheckResult:
    """Every clip exists, lasts what the manifest says, and its word timings lie inside it."""
    store, problems = bucket.get(), []
    for clip in scene_narration.clips:
        measured = wav_duration_s(store.get_bytes(clip.audio_key))
        if abs(measured - clip.duration_s) > AUDIO_TOLERANCE_S:
            problems.append(
                f"scene {clip.scene_index}: audio lasts {measured:.3f}s, manifest says {clip.duration_s:.3f}s"
            )
        words = SceneWords.model_validate_json(store.get_bytes(clip.words_key)).words
        if not words or any(not (0 <= w.start_s <= w.end_s <= measured + AUDIO_TOLERANCE_S) for w in words):
            problems.append(f"scene {clip.scene_index}: word timings missing or outside the clip")
    return _result(problems, clips=len(scene_narration.clips))


@dg.asset_check(asset=scene_images, blocking=True, partitions_def=notes_documents, op_tags=PROVIDERS)
def images_fill_the_frame(scene_images: ImagesManifest, bucket: BucketResource) -> dg.AssetCheckResult:
    """Every image has the video's frame size and is not blank."""
    store, problems = bucket.get(), []
    want = (scene_images.style.width, scene_images.style.height)
    for image in scene_images.images:
        with Image.open(io.BytesIO(store.get_bytes(image.image_key))) as picture:
            if picture.size != want:
                problems.append(f"scene {image.scene_index}: {picture.size} instead of {want}")
            elif max(ImageStat.Stat(picture.convert("L")).stddev) < 2:
                problems.append(f"scene {image.scene_index}: the image is blank")
    return _result(problems, images=len(scene_images.images))


@dg.asset_check(
    asset=final_video,
    blocking=True,
    partitions_def=notes_documents,
    additional_ins={"scene_narration": dg.AssetIn("scene_narration")},
    op_tags=RENDER,
)
def video_matches_narration(
    final_video: VideoRender, scene_narration: NarrationManifest, bucket: BucketResource
) -> dg.AssetCheckResult:
    """The MP4 decodes with one video and one audio stream, at the asked size, as long as the narration."""
    store = bucket.get()
    with scratch_dir("check-video") as work:
        path = store.local_path(final_video.video_key) or store.download(final_video.video_key, work / "video.mp4")
        info = probe(path)
    expected = scene_narration.total_duration_s
    problems = []
    if info.video is None or info.audio is None:
        problems.append("the file lacks a video or an audio stream")
    elif (info.video.width, info.video.height) != (final_video.width, final_video.height):
        problems.append(
            f"frame is {info.video.width}x{info.video.height}, asked {final_video.width}x{final_video.height}"
        )
    if abs(info.duration_s - expected) > VIDEO_TOLERANCE_S:
        problems.append(f"video lasts {info.duration_s:.2f}s but the narration {expected:.2f}s")
    return _result(problems, duration_s=round(info.duration_s, 3), narration_s=round(expected, 3))


media_checks = [clips_match_their_audio, images_fill_the_frame, video_matches_narration]

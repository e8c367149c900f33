"""The data that flows between stages: options, documents, scripts and the manifests of media.

Manifests are small on purpose. Media bytes live in the bucket under the keys recorded
here; a manifest is what Dagster passes between assets and what we store as JSON next to
the media, so a later stage (or a person) can find everything without re-probing files.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from notes_pipeline.domain.language import SUPPORTED_LANGUAGES, language_code, supported_languages

MIN_SCENES = 3
MAX_SCENES = 15


class FrameSize(NamedTuple):
    width: int
    height: int


class AspectRatio(StrEnum):
    WIDESCREEN = "16:9"
    VERTICAL = "9:16"
    SQUARE = "1:1"


# Queue priority of a document's runs (see domain/tiers.py).
Tier = Literal["free", "standard", "premium"]

# What the renderer offers, each written only here. Resolution: the frame's short side in pixels;
# Quality: encode speed (media/presets.py holds each one's x264 settings).
Resolution = Literal[480, 720, 1080]
RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)
Quality = Literal["draft", "final"]
PublishTarget = Literal["youtube", "drive"]
Privacy = Literal["private", "unlisted", "public"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RenderOptions(_Frozen):
    """What a person may ask for in a document's front matter; every field has a default."""

    tone: str = Field("friendly", max_length=40)
    target_duration_s: float | None = Field(
        None, ge=15, le=900, description="Narration length to aim for; None picks one from the notes."
    )
    aspect_ratio: AspectRatio = AspectRatio.WIDESCREEN
    resolution: Resolution = 720
    fps: int = Field(30, ge=15, le=60)
    language: str | None = Field(
        None, description="A supported language ('hi', or a tag such as 'hi-IN'); None: detected from the notes."
    )
    voice: str | None = Field(None, max_length=60)
    style: str = Field("clean", max_length=80)
    words_per_minute: int = Field(150, ge=80, le=260)
    # A workflow switch, not a look: left out of the JSON when off, so hashes of existing options stay the same.
    review: bool = Field(
        False,
        exclude_if=lambda on: not on,
        description="Stop after the script until a person approves it (`notes-pipeline approve`).",
    )
    # How soon the run starts, not what it makes: excluded from dumps, so hashes and renders ignore it.
    tier: Tier | None = Field(None, exclude=True, description="Queue priority tier; None: the deployment's default.")
    quality: Quality = Field(
        "final", description="Encode speed: 'draft' renders about twice as fast, 'final' is for publishing."
    )
    heading_overlay: bool = Field(False, description="Show each scene's heading at the top of the frame.")
    music: str = Field(
        "none",
        pattern=r"^(none|ambient|[A-Za-z0-9][A-Za-z0-9 ._-]{0,100}\.(mp3|wav|m4a|aac|ogg|oga|opus|flac))$",
        description="'none', 'ambient' (a quiet generated bed) or the name of a file in the bucket's music/ folder.",
    )
    # Where the finished video goes, not what it looks like: excluded from dumps (like `tier`), so every hash and
    # the render id ignore them and asking to publish never re-renders. The manifest carries them as `Publishing`.
    publish: PublishTarget | None = Field(
        None, exclude=True, description="Upload the finished video: 'youtube' or 'drive' (`notes-pipeline publish`)."
    )
    privacy: Privacy = Field("private", exclude=True, description="YouTube visibility of a published video.")
    drive_folder: str | None = Field(
        None, exclude=True, pattern=r"^[A-Za-z0-9_-]{5,200}$", description="The Drive folder id to upload into."
    )

    @field_validator("language", mode="before")
    @classmethod
    def _supported_language(cls, value: object) -> object:
        """Refused here, before any work: an unknown language used to fail only at narration."""
        if value is None or not isinstance(value, str):
            return value
        code = language_code(value)
        if code not in SUPPORTED_LANGUAGES:
            raise ValueError(f"{value!r} is not supported; supported: {supported_languages()}")
        return code

    @property
    def frame_size(self) -> FrameSize:
        """Even pixel sizes, the short side equal to `resolution` (480p widescreen is 854x480)."""
        short = self.resolution
        long_side = int(round(short * 16 / 9 / 2)) * 2
        if self.aspect_ratio is AspectRatio.WIDESCREEN:
            return FrameSize(long_side, short)
        if self.aspect_ratio is AspectRatio.VERTICAL:
            return FrameSize(short, long_side)
        return FrameSize(short, short)


class NotesDocument(_Frozen):
    """One document as the pipeline reads it: decoded text, its options, and where it came from."""

    doc_id: str
    source_name: str = Field(description="The file's name in the inbox, as the person wrote it.")
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    text: str = Field(description="The notes without their front matter.")
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    options: RenderOptions = RenderOptions()
    kind: Literal["notes", "prompt"] = Field(
        "notes", description="'prompt': a request to write about (a .prompt file), not notes to narrate."
    )
    title: str | None = Field(
        None, description="The title its front matter gives (Jekyll, Hugo, Obsidian): the video's title when set."
    )
    description: str | None = Field(None, description="The front matter's description or summary of the notes.")
    tags: list[str] = Field(default_factory=list, description="The front matter's tags.")
    front_matter: dict[str, Any] = Field(
        default_factory=dict, description="Other tools' front matter keys the pipeline does not use, kept as data."
    )


class Publishing(_Frozen):
    """Where the finished video goes and the words around it: taken from the notes at their one parse and carried
    in the script manifest to `published_video`, outside every hash (asking to publish never re-renders)."""

    target: PublishTarget
    privacy: Privacy = "private"
    drive_folder: str | None = None
    title: str | None = Field(None, description="The front matter's title; None: the script's.")
    description: str | None = Field(None, description="The front matter's description; None: the script's summary.")
    tags: list[str] = Field(default_factory=list)

    @classmethod
    def asked_by(cls, document: NotesDocument, target: PublishTarget | None = None) -> Publishing | None:
        """The notes' publish request, or `target` given on the command line; None: not asked for."""
        options = document.options
        chosen = target or options.publish
        if chosen is None:
            return None
        return cls(
            target=chosen,
            privacy=options.privacy,
            drive_folder=options.drive_folder,
            title=document.title,
            description=document.description,
            tags=document.tags,
        )


# What a scene shows. 'card' is the text card, the last fallback; every other kind is a picture.
VisualKind = Literal[
    "card", "figure", "code", "table", "formula", "stock", "generated", "search", "diagram", "icon", "user"
]


class FigureVisual(_Frozen):
    """An image the notes embed (`![alt](path)`): shown while the narration talks about it."""

    kind: Literal["figure"] = "figure"
    source: str = Field(
        min_length=1, description="As the notes wrote it: a path relative to the note's folder, or an http(s) URL."
    )
    alt: str = ""


class CodeVisual(_Frozen):
    """A code block of the notes, shown as a highlighted code card, never read aloud."""

    kind: Literal["code"] = "code"
    code: str = Field(min_length=1)
    language: str | None = Field(None, description="The fence's info string ('python'), if any.")


class TableVisual(_Frozen):
    """A table of the notes, drawn as a table."""

    kind: Literal["table"] = "table"
    header: list[str]
    rows: list[list[str]]


class FormulaVisual(_Frozen):
    """A display formula of the notes (LaTeX source), drawn as mathematics."""

    kind: Literal["formula"] = "formula"
    latex: str = Field(min_length=1)


SceneVisual = Annotated[FigureVisual | CodeVisual | TableVisual | FormulaVisual, Field(discriminator="kind")]


class Scene(_Frozen):
    index: int = Field(ge=1, description="1-based position in the video.")
    heading: str = Field(min_length=1, max_length=120)
    narration: str = Field(min_length=1)
    bullets: list[str] = Field(default_factory=list, max_length=6)
    image_prompt: str | None = None
    search_query: str | None = Field(
        None, description="Set for real people, places and events: such scenes use image search, not AI images."
    )
    visual_query: str | None = Field(
        None,
        exclude_if=lambda v: v is None,
        max_length=120,
        description="A short English stock photo/video search query for this scene (from the script writer).",
    )
    user_image: str | None = Field(
        None,
        exclude_if=lambda key: key is None,
        description="A picture a person supplied (its bucket key): used as it is, no image provider is called.",
    )
    # Left out of the JSON when unset, so scripts written before it keep their hashes.
    visual: SceneVisual | None = Field(
        None,
        exclude_if=lambda v: v is None,
        description="The notes' own material this scene shows (a figure, code, table or formula).",
    )
    # Left out of the JSON when False, so scripts written before it keep their hashes.
    real_people: bool = Field(
        False,
        exclude_if=lambda on: not on,
        description="The scene is about real, named people: no AI-generated faces or clips (domain/policy.py).",
    )


class Script(_Frozen):
    title: str = Field(min_length=1, max_length=160)
    summary: str
    objectives: list[str] = Field(default_factory=list)
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    scenes: list[Scene] = Field(min_length=MIN_SCENES, max_length=MAX_SCENES)
    writer: str = Field(description="Which script writer produced it, e.g. 'local' or 'gemini:<model>'.")
    # Left out of the JSON when unset, so scripts written before it keep their hashes.
    target_duration_s: float | None = Field(
        None, gt=0, exclude_if=lambda v: v is None, description="The narration length the writer aimed at, in seconds."
    )

    @field_validator("scenes")
    @classmethod
    def _indexes_are_sequential(cls, scenes: list[Scene]) -> list[Scene]:
        if [s.index for s in scenes] != list(range(1, len(scenes) + 1)):
            raise ValueError("scene indexes must be 1, 2, 3, ... in order")
        return scenes

    @property
    def word_count(self) -> int:
        return sum(len(s.narration.split()) for s in self.scenes)


class WordTiming(_Frozen):
    """A spoken word and when it is heard, in seconds from the start of its clip."""

    text: str
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)


class SpeechAudio(BaseModel):
    """What a narrator returns for one piece of text: a mono 16-bit WAV and its word timings."""

    model_config = ConfigDict(frozen=True)

    wav: bytes
    sample_rate: int
    duration_s: float
    words: list[WordTiming]
    voice: str
    provider: str
    timings_estimated: bool = False
    attempts: int = Field(1, ge=1, description="Provider calls it took, retries and fallbacks included.")
    fallbacks: list[str] = Field(default_factory=list, description="Providers that failed before this one.")


class Palette(_Frozen):
    background: str
    surface: str
    text: str
    muted: str
    accent: str


class StyleLock(_Frozen):
    """One look for every image of a video: the same seed, style words, palette and size."""

    seed: int
    style: str
    palette: Palette
    width: int
    height: int


class ImageRequest(_Frozen):
    """Everything an image source needs to draw one scene in the video's style."""

    scene: Scene
    title: str
    scene_count: int
    language: str
    style: StyleLock
    # The scene's figure as fetched (from the bucket beside the note, or the web): its bytes are not part of the
    # request's hash, its sha256 is.
    figure: bytes | None = Field(None, exclude=True, repr=False)
    figure_sha256: str | None = Field(None, exclude_if=lambda v: v is None)
    # With review, how many good pictures a source should return (the chosen one and alternatives) for `edit --pick`.
    candidates: int = Field(1, ge=1, le=8, exclude_if=lambda n: n == 1)


# ---- manifests: the values of the assets ---------------------------------------------


class ScriptAttempt(_Frozen):
    """One try of one script writer: which model, which step, how it ended and what it cost."""

    writer: str
    model: str | None = None
    step: Literal["generate", "repair", "regenerate", "fallback"]
    outcome: Literal["ok", "invalid", "error"]
    latency_s: float = Field(ge=0)
    calls: int = Field(1, ge=0, description="HTTP requests made, retries included.")
    prompt_tokens: int | None = None
    output_tokens: int | None = None
    problems: list[str] = Field(default_factory=list, description="Why the answer was refused, or the error.")


class ScriptManifest(_Frozen):
    doc_id: str
    script_key: str
    script_hash: str = Field(description="sha256 of the script JSON as stored.")
    source_hash: str
    language: str
    scene_count: int
    word_count: int
    writer: str
    options: RenderOptions
    attempts: list[ScriptAttempt] = Field(default_factory=list)
    version: int | None = Field(None, description="The script version (script.v<N>.json) this manifest names.")
    variant: str | None = Field(None, description="None: the document's own render; else e.g. 'hi-9x16-480p'.")
    reused_from: str | None = Field(
        None,
        description="The finished project whose script the semantic cache "
        "reused: final_video copies its render when the inputs match.",
    )
    publishing: Publishing | None = Field(None, description="None: the notes do not ask to publish the video.")


class NarrationClip(_Frozen):
    scene_index: int
    audio_key: str
    words_key: str
    duration_s: float = Field(gt=0)
    sample_rate: int
    input_hash: str = Field(description="Hash of (text, language, voice, engine): equal hash, reusable clip.")
    provider: str
    voice: str
    timings_estimated: bool
    latency_s: float
    reused: bool = False
    attempts: int = Field(1, ge=1, description="Provider calls for this clip, retries and fallbacks included.")
    fallbacks: list[str] = Field(default_factory=list, description="Providers that failed before `provider` spoke.")


class NarrationManifest(_Frozen):
    doc_id: str
    clips: list[NarrationClip]

    @property
    def total_duration_s(self) -> float:
        return sum(c.duration_s for c in self.clips)


class ImageCandidate(_Frozen):
    """Another picture found for a scene, kept (with review) so a person can pick it without a new call."""

    image_key: str
    provider: str
    visual_kind: VisualKind
    clip_key: str | None = None
    source_url: str | None = None
    attribution: str | None = None
    licence: str | None = None


class SceneImage(_Frozen):
    scene_index: int
    image_key: str
    width: int
    height: int
    input_hash: str
    provider: str
    latency_s: float
    reused: bool = False
    attempts: int = Field(1, ge=0, description="Provider calls made for this image, failed ones included.")
    fallbacks: list[str] = Field(default_factory=list, description="Image sources that failed first, in order.")
    source_url: str | None = Field(None, description="Web images: the page the picture was found on.")
    attribution: str | None = Field(None, description="Web images: title and site, for the credits.")
    visual_kind: VisualKind = Field("card", description="What the picture is; 'card' is the text card.")
    licence: str | None = Field(None, description="Stock and web pictures: the licence they are used under.")
    clip_key: str | None = Field(
        None,
        description="A muted MP4 shown behind the scene instead of the still; `image_key` is then its poster frame.",
    )
    clip_s: float | None = Field(
        None,
        ge=0,
        exclude_if=lambda v: v is None,
        description="The clip's length in seconds (what generated clips are billed by).",
    )
    candidates: list[ImageCandidate] = Field(
        default_factory=list, description="With review: other pictures found, for `edit --pick`."
    )
    figure_problem: str | None = Field(
        None, exclude_if=lambda v: v is None, description="Why the notes' figure for this scene could not be shown."
    )


class ImagesManifest(_Frozen):
    doc_id: str
    style: StyleLock
    images: list[SceneImage]


class VideoRender(_Frozen):
    doc_id: str
    render_id: str
    video_key: str
    srt_key: str
    vtt_key: str
    thumbnail_key: str
    manifest_key: str
    width: int
    height: int
    fps: int
    duration_s: float
    scene_starts_s: list[float]
    bytes: int
    render_s: float
    reused: bool = False
    quality: str = "final"
    music: str = "none"
    degraded: bool = Field(False, description="True when the full render failed and the plain render was delivered.")
    fallback_reason: str | None = None
    content_credentials: str | None = Field(
        None, description="'signed' when a C2PA manifest is embedded in the MP4, else why it is unsigned."
    )


class SourceRecord(_Frozen):
    """What the inbox sensor registered for a partition; the source is copied so later edits of the
    inbox file cannot change what this partition renders."""

    doc_id: str
    source_key: str = Field(description="Where the notes were found, e.g. inbox/lesson.md.")
    source_name: str
    content_hash: str
    size_bytes: int
    copy_key: str | None = Field(description="The immutable copy; None when the file was over the size limit.")
    registered_at: str
    tier: Tier | None = Field(
        None,
        description="The queue tier its front matter asks for, read with the bytes "
        "at registration so the sensor never fetches the file twice.",
    )
    front_matter: dict[str, Any] = Field(
        default_factory=dict, description="Other tools' front matter keys (author, date, layout...), kept as data."
    )
    problem: str | None = Field(
        None,
        description="Why this document's run will fail (bytes or options), found "
        "at registration so it is said before any work is queued.",
    )


class SceneWords(_Frozen):
    """words.json: a clip's word timings, kept for subtitles and karaoke highlighting."""

    scene_index: int
    duration_s: float
    words: list[WordTiming]
    timings_estimated: bool


class SceneProvenance(_Frozen):
    """Where one scene's picture or clip came from and under what licence."""

    scene_index: int
    provider: str
    visual_kind: VisualKind
    ai_generated: bool
    clip: bool = False
    source_url: str | None = None
    attribution: str | None = None
    licence: str | None = None
    policy: Literal["standard", "public-figure"] = Field(
        "standard", description="The image policy the scene was pictured under (domain/policy.py)."
    )


class Provenance(_Frozen):
    """provenance.json beside every video: what made it, from what, and that it is machine-made."""

    doc_id: str
    render_id: str
    created_at: str
    disclosure: str
    source_name: str
    source_sha256: str
    script_sha256: str
    script_writer: str
    narration_providers: list[str]
    image_providers: list[str]
    software: dict[str, str]
    music: str = "none"
    render_degraded: bool = False
    fallback_reason: str | None = None
    scenes: list[SceneProvenance] = Field(default_factory=list, description="Each scene's picture, in order.")
    content_credentials: str | None = Field(
        None, description="'signed' when a C2PA manifest is embedded in the MP4, else why it is unsigned."
    )

"""Pan and zoom are smooth to a fraction of a pixel: measured by tracking dots in decoded frames."""

from pathlib import Path

import av
import ffmpeg
import numpy as np
import pytest
from PIL import Image

from notes_pipeline.media.composer import fit_to_frame
from notes_pipeline.media.ffmpeg import run_ffmpeg
from notes_pipeline.media.motion import Move, View, keyframe_count, move_for_scene, moving_still

W, H, FPS = 640, 360, 30
DOTS = [(120, 90), (520, 280), (320, 180), (160, 300)]


@pytest.fixture(scope="module")
def card(tmp_path_factory) -> Path:
    """Grey with soft white dots: their centroids can be located to a hundredth of a pixel."""
    yy, xx = np.mgrid[0:H, 0:W]
    image = np.full((H, W), 90.0)
    for cx, cy in DOTS:
        image += 150 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 2.5**2))
    path = tmp_path_factory.mktemp("card") / "card.png"
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).convert("RGB").save(path)
    return path


def _render(stream, path: Path) -> list[np.ndarray]:
    run_ffmpeg(ffmpeg.output(stream, str(path), vcodec="ffv1", pix_fmt="yuv420p"), what="a motion test clip")
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="gray").astype(np.float64) for f in container.decode(video=0)]


def _tracks(frames: list[np.ndarray]) -> np.ndarray:
    """(dot, frame, xy) centroids, each dot followed from where it is brightest in frame 0."""
    tracks = []
    for cx, cy in DOTS:
        r = 40
        window = frames[0][cy - r:cy + r, cx - r:cx + r]
        iy, ix = divmod(int(window.argmax()), window.shape[1])
        x, y, path = cx - r + ix, cy - r + iy, []
        for frame in frames:
            x0, y0 = int(round(x)) - 8, int(round(y)) - 8
            patch = frame[y0:y0 + 17, x0:x0 + 17]
            patch = np.clip(patch - np.median(patch) - 4, 0, None)
            wy, wx = np.mgrid[0:17, 0:17]
            x, y = x0 + (wx * patch).sum() / patch.sum(), y0 + (wy * patch).sum() / patch.sum()
            path.append((x, y))
        tracks.append(path)
    return np.array(tracks)


def _jitter(tracks: np.ndarray) -> float:
    """Largest frame-to-frame change of velocity (px/frame^2): stair steps show up as spikes."""
    return float(np.abs(np.diff(tracks, n=2, axis=1)).max())


@pytest.mark.parametrize("pattern", [0, 1, 2, 3], ids=["zoom-in", "zoom-out", "pan-right", "pan-left"])
def test_moves_are_smooth_to_a_fraction_of_a_pixel(tmp_path, card, pattern):
    frames_n = 120
    move = move_for_scene(pattern, frames_n / FPS, W, H)
    clip = moving_still(fit_to_frame(ffmpeg.input(str(card)), W, H), move, 0, frames_n, frames_n,
                        width=W, height=H, fps=FPS)
    frames = _render(clip, tmp_path / "move.mkv")
    assert len(frames) == frames_n
    tracks = _tracks(frames)
    travel = np.abs(tracks[:, -1] - tracks[:, 0]).max()
    assert travel > 4  # it really moves...
    assert _jitter(tracks) < 0.2  # ...and never in steps


def test_the_jitter_measure_catches_zoompan_stair_steps(tmp_path, card):
    """Control: FFmpeg's zoompan makes the same gentle zoom on whole pixels, and the measure says so."""
    frames_n = 120
    zoom = f"1+0.04*on/{frames_n}"
    clip = (ffmpeg.input(str(card)).filter("format", "yuv420p")
            .filter("zoompan", z=zoom, x="iw/2-(iw/zoom/2)", y="ih/2-(ih/zoom/2)", d=frames_n, s=f"{W}x{H}", fps=FPS))
    assert _jitter(_tracks(_render(clip, tmp_path / "zoompan.mkv"))) > 0.5


def test_a_move_drawn_in_parts_matches_the_move_drawn_whole(tmp_path, card):
    """Chunks and cross-fades draw a scene in pieces; the pieces must be the same frames."""
    total = 90
    still = lambda: fit_to_frame(ffmpeg.input(str(card)), W, H)  # noqa: E731
    for pattern in (0, 2):
        move = move_for_scene(pattern, total / FPS, W, H)
        whole = _render(moving_still(still(), move, 0, total, total, width=W, height=H, fps=FPS),
                        tmp_path / f"whole{pattern}.mkv")
        part = _render(moving_still(still(), move, 37, 20, total, width=W, height=H, fps=FPS),
                       tmp_path / f"part{pattern}.mkv")
        assert len(part) == 20
        # Same place to a tenth of a pixel (keyframes fall at other instants); same picture otherwise.
        assert np.abs(_tracks(part) - _tracks(whole[37:57])).max() < 0.1
        assert max(np.abs(a - b).mean() for a, b in zip(part, whole[37:57], strict=True)) < 0.5


def test_keyframes_are_at_most_a_pixel_apart():
    start, end = View(1.0, 320, 180), View(1.05, 330, 180)
    intervals = keyframe_count(start, end, W, H)
    move = Move(start, end)
    for k in range(intervals):
        a, b = move.at(k / intervals).corners(W, H), move.at((k + 1) / intervals).corners(W, H)
        assert max(max(abs(p[0] - q[0]), abs(p[1] - q[1])) for p, q in zip(a, b)) * 1.05 <= 1.0 + 1e-9

"""Pan and zoom are smooth to a fraction of a pixel: measured by tracking dots in decoded frames."""

from pathlib import Path

import av
import ffmpeg
import numpy as np
import pytest
from PIL import Image

from notes_pipeline.media.composer import fit_to_frame
from notes_pipeline.media.ffmpeg import run_ffmpeg
from notes_pipeline.media.motion import Move, View, keyframe_source, move_for_scene, moving_still, zoom_grid, zoom_side

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


def _tracks(frames: list[np.ndarray], scale: int = 1) -> np.ndarray:
    """(dot, frame, xy) centroids, each dot followed from where it is brightest in frame 0; `scale` 2
    for a chroma plane of 4:2:0 frames (half the size), whose centroids come back in its own pixels."""
    tracks = []
    for cx, cy in ((x // scale, y // scale) for x, y in DOTS):
        r = 40 // scale
        window = frames[0][cy - r : cy + r, cx - r : cx + r]
        iy, ix = divmod(int(window.argmax()), window.shape[1])
        x, y, path = cx - r + ix, cy - r + iy, []
        for frame in frames:
            x0, y0 = int(round(x)) - 8, int(round(y)) - 8
            patch = frame[y0 : y0 + 17, x0 : x0 + 17]
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
    source = keyframe_source(fit_to_frame(ffmpeg.input(str(card)), W, H), move, width=W, height=H)
    clip = moving_still(source, move, 0, frames_n, frames_n, width=W, height=H, fps=FPS)
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
    clip = (
        ffmpeg.input(str(card))
        .filter("format", "yuv420p")
        .filter("zoompan", z=zoom, x="iw/2-(iw/zoom/2)", y="ih/2-(ih/zoom/2)", d=frames_n, s=f"{W}x{H}", fps=FPS)
    )
    assert _jitter(_tracks(_render(clip, tmp_path / "zoompan.mkv"))) > 0.5


def test_a_move_drawn_in_parts_matches_the_move_drawn_whole(tmp_path, card):
    """Chunks and cross-fades draw a scene in pieces; the pieces must be the same frames."""
    total = 90
    for pattern in (0, 2):
        move = move_for_scene(pattern, total / FPS, W, H)
        source = lambda m=move: keyframe_source(fit_to_frame(ffmpeg.input(str(card)), W, H), m, width=W, height=H)  # noqa: E731
        whole = _render(
            moving_still(source(), move, 0, total, total, width=W, height=H, fps=FPS), tmp_path / f"whole{pattern}.mkv"
        )
        part = _render(
            moving_still(source(), move, 37, 20, total, width=W, height=H, fps=FPS), tmp_path / f"part{pattern}.mkv"
        )
        assert len(part) == 20
        # Same place to a tenth of a pixel (keyframes fall at other instants); same picture otherwise.
        assert np.abs(_tracks(part) - _tracks(whole[37:57])).max() < 0.1
        assert max(np.abs(a - b).mean() for a, b in zip(part, whole[37:57], strict=True)) < 0.5


@pytest.mark.parametrize(("width", "height"), [(640, 360), (360, 640), (854, 480), (720, 720)])
@pytest.mark.parametrize("zoom_in", [True, False])
def test_zoom_keyframes_are_at_most_a_pixel_apart_and_enclose_the_move(width, height, zoom_in):
    """Each zoom step moves every corner of the frame by one pixel or less, and the steps' instants
    run through the move in order, the first at or before its start and the last at or after its end."""
    views = [View(1.0, width / 2, height / 2), View(1.05, width / 2, height / 2)]
    move = Move(*(views if zoom_in else views[::-1]))
    total = 150
    grid = zoom_grid(move, total, width, height)
    side = zoom_side(move, width, height)
    steps = range(grid.first_step, grid.last_step + grid.direction, grid.direction)
    times = [grid.at_frame(k) for k in steps]
    assert times == sorted(times) and times[0] <= 1e-9 and times[-1] >= total - 1e-9
    for k in steps[:-1]:
        a, b = side / (side - 2 * k), side / (side - 2 * (k + grid.direction))
        # A frame corner shows the still point (w/2)/a from the centre; at zoom b it is (w/2)*b/a.
        assert max(width, height) / 2 * abs(b / a - 1) <= 1.0 + 1e-9
    # Step k is exact where the move's own zoom equals (side + 2k) / side.
    for k, t in zip(steps, times, strict=True):
        if 0 <= t <= total:
            assert move.at(t / total).zoom == pytest.approx(side / (side - 2 * k), rel=1e-9)


@pytest.fixture(scope="module")
def red_card(tmp_path_factory) -> Path:
    """Grey with soft red dots: each dot shows in the luma and, strongly, in the red-difference chroma."""
    yy, xx = np.mgrid[0:H, 0:W]
    spot = sum(np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 3.0**2)) for cx, cy in DOTS)
    image = np.stack([90 + 160 * spot, 90 - 40 * spot, 90 - 40 * spot], axis=-1)
    path = tmp_path_factory.mktemp("red") / "red.png"
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(path)
    return path


@pytest.mark.parametrize("pattern", [0, 1, 2, 3], ids=["zoom-in", "zoom-out", "pan-right", "pan-left"])
def test_colour_stays_on_its_picture_while_it_moves(tmp_path, red_card, pattern):
    """Keyframes are cut in 4:2:0, where odd offsets come from a copy shifted through 4:4:4; a copy
    off by a pixel would make the colour wobble against the picture at every other step."""
    frames_n = 120
    move = move_for_scene(pattern, frames_n / FPS, W, H)
    source = keyframe_source(fit_to_frame(ffmpeg.input(str(red_card)), W, H), move, width=W, height=H)
    clip = moving_still(source, move, 0, frames_n, frames_n, width=W, height=H, fps=FPS)
    path = tmp_path / "move.mkv"
    run_ffmpeg(ffmpeg.output(clip, str(path), vcodec="ffv1", pix_fmt="yuv420p"), what="a colour test clip")
    with av.open(str(path)) as container:
        planes = [f.to_ndarray(format="yuv420p").astype(np.float64) for f in container.decode(video=0)]
    luma = _tracks([p[:H] for p in planes])
    red = _tracks([p[H + H // 4 :].reshape(H // 2, W // 2) for p in planes], scale=2)  # the V plane
    offset = red * 2 - luma  # chroma against luma, in luma pixels: constant if registered
    travel = np.abs(luma[:, -1] - luma[:, 0]).max()
    assert travel > 4
    assert np.abs(offset - offset[:, :1]).max() < 0.35

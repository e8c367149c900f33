"""The quality gate every fetched or generated picture must pass before it becomes a scene image.

Image APIs fail quietly: a safety filter answers a black frame, a broken sampler answers
static, a thumbnail endpoint answers 150 pixels. The checks are cheap statistics on the
luminance, with thresholds measured on photographs, illustrations and our own slides:

- size: both sides at least the minimum (before any resizing, which would hide it);
- blank: luminance spread (std-dev) too small, or one tone covering almost the frame;
- noise: neighbouring pixels as unrelated as random ones. Natural pictures are smooth
  at the pixel scale: the mean difference between neighbours is about 0.3 of the
  std-dev for photographs and under 0.3 for illustrations and slides, while
  independent noise gives 2/sqrt(pi) ≈ 1.13. Checked at full resolution (per-pixel
  static) and on a 64-pixel thumbnail (blocky static), together with the histogram
  entropy, which noise pushes towards 8 bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from notes_pipeline.domain.errors import PipelineError


class LowQualityImageError(PipelineError):
    """A picture failed the gate; the next image source should be tried."""


@dataclass(frozen=True)
class ImageStats:
    width: int
    height: int
    mean: float
    std: float
    entropy_bits: float
    dominant_share: float
    neighbour_ratio: float
    thumbnail_neighbour_ratio: float


def _neighbour_ratio(values: np.ndarray) -> float:
    """Mean absolute difference of adjacent pixels over the std-dev (0: smooth, ~1.13: noise)."""
    spread = float(values.std())
    if spread < 1e-6 or min(values.shape) < 2:
        return 0.0
    across = np.abs(np.diff(values, axis=1)).mean()
    down = np.abs(np.diff(values, axis=0)).mean()
    return float((across + down) / 2 / spread)


def image_stats(image: Image.Image) -> ImageStats:
    gray = image.convert("L")
    width, height = gray.size
    small = gray.copy()
    small.thumbnail((256, 256), Image.Resampling.BOX)
    values = np.asarray(small, dtype=np.float64)
    # Tones in 8 bands of 32 levels: a frame that is all one band reads as blank however it is dithered.
    bands = np.bincount((values // 32).astype(np.int64).ravel(), minlength=8) / values.size
    side = min(256, width, height)
    left, top = (width - side) // 2, (height - side) // 2
    centre = np.asarray(gray.crop((left, top, left + side, top + side)), dtype=np.float64)
    # Entropy at full resolution: downscaling averages static away.
    histogram = np.bincount(centre.astype(np.uint8).ravel(), minlength=256) / centre.size
    nonzero = histogram[histogram > 0]
    thumb = gray.copy()
    thumb.thumbnail((64, 64), Image.Resampling.BOX)
    return ImageStats(
        width=width,
        height=height,
        mean=float(values.mean()),
        std=float(values.std()),
        entropy_bits=float(-(nonzero * np.log2(nonzero)).sum()),
        dominant_share=float(bands.max()),
        neighbour_ratio=_neighbour_ratio(centre),
        thumbnail_neighbour_ratio=_neighbour_ratio(np.asarray(thumb, dtype=np.float64)),
    )


@dataclass(frozen=True)
class QualityGate:
    min_width: int = 256
    min_height: int = 256
    min_std: float = 5.0
    max_dominant_share: float = 0.97
    noise_ratio: float = 0.9
    noise_min_entropy_bits: float = 5.0

    def problems(self, image: Image.Image) -> list[str]:
        """Why this picture is unusable; empty when it passes."""
        stats = image_stats(image)
        found: list[str] = []
        if stats.width < self.min_width or stats.height < self.min_height:
            found.append(f"too small ({stats.width}x{stats.height}, minimum {self.min_width}x{self.min_height})")
        if stats.std < self.min_std or stats.dominant_share > self.max_dominant_share:
            tone = "black" if stats.mean < 24 else "white" if stats.mean > 232 else "one flat tone"
            found.append(
                f"blank: almost entirely {tone} (std-dev {stats.std:.1f}, {stats.dominant_share:.0%} in one tone band)"
            )
        elif (
            stats.entropy_bits >= self.noise_min_entropy_bits
            and max(stats.neighbour_ratio, stats.thumbnail_neighbour_ratio) > self.noise_ratio
        ):
            found.append(
                f"noise: neighbouring pixels are unrelated (ratio {stats.neighbour_ratio:.2f} at full "
                f"size, {stats.thumbnail_neighbour_ratio:.2f} in a thumbnail; entropy "
                f"{stats.entropy_bits:.1f} bits)"
            )
        return found

    def check(self, image: Image.Image, *, source: str) -> None:
        found = self.problems(image)
        if found:
            raise LowQualityImageError(f"{source} gave an unusable image: " + "; ".join(found))

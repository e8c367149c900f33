"""The style lock: one palette, seed and size for every picture of a video.

Palettes are curated rather than random (random colours look like a bug); the seed picks
one and turns its accent slightly, so two videos differ while each stays consistent.
"""

from __future__ import annotations

import colorsys
import hashlib

from notes_pipeline.domain.models import Palette, StyleLock

# (background, surface, text, muted, accent)
_PALETTES: tuple[tuple[str, str, str, str, str], ...] = (
    ("#0f1b2d", "#1b2a44", "#f4f6fb", "#a9b6cc", "#4fc3f7"),  # midnight
    ("#f7f3ea", "#ffffff", "#1f2430", "#5b6272", "#e4572e"),  # paper
    ("#102820", "#173a2e", "#f1f7f3", "#a7c4b5", "#8bd17c"),  # forest
    ("#1d1a2f", "#2a2542", "#f5f3ff", "#b6afd6", "#f6c945"),  # ink & gold
    ("#eef4f8", "#ffffff", "#14213d", "#4a5a78", "#2a9d8f"),  # sky
    ("#2b1d1a", "#3b2924", "#fbf4ef", "#d2b8aa", "#ff8c61"),  # ember
)


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two '#rrggbb' colours (1 to 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _turn_hue(hex_colour: str, turn: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    r, g, b = colorsys.hls_to_rgb((hue + turn) % 1.0, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def style_lock(seed_text: str, style: str, width: int, height: int) -> StyleLock:
    seed = int.from_bytes(hashlib.sha256(f"{seed_text}|{style}".encode()).digest()[:8], "big")
    background, surface, text, muted, accent = _PALETTES[seed % len(_PALETTES)]
    turn = ((seed >> 8) % 41 - 20) / 360  # at most ±20° so the palette keeps its character
    palette = Palette(background=background, surface=surface, text=text, muted=muted, accent=_turn_hue(accent, turn))
    return StyleLock(seed=seed, style=style, palette=palette, width=width, height=height)

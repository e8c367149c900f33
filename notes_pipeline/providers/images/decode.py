"""Decoding images from outside with Pillow: a bomb is refused by its header size before any pixel is decoded."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from notes_pipeline.providers.http.errors import UnexpectedContentError


def open_image(data: bytes, *, max_pixels: int, provider: str = "") -> Image.Image:
    """The decoded picture, if Pillow can verify and fully decode it; bombs are refused by header size first."""

    def bad(why: str) -> UnexpectedContentError:
        return UnexpectedContentError(
            f"{provider + ': ' if provider else ''}not a usable image: {why}", provider=provider, retryable=False
        )

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise bad(f"{width}x{height} is over the {max_pixels}-pixel limit")
            image.verify()  # structure and checksums, without decoding
        image = Image.open(io.BytesIO(data))
        image.load()  # a truncated or corrupt pixel stream only fails here
        return image
    except UnexpectedContentError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise bad(type(err).__name__) from None


def verify_image(data: bytes, *, max_pixels: int, provider: str = "") -> tuple[int, int]:
    """(width, height) of an image that passes `open_image`."""
    return open_image(data, max_pixels=max_pixels, provider=provider).size

"""Decoding one image file into a square RGB array: the per-file step of preparing a subset.

Every image becomes ``(S, S, 3)`` uint8 RGB: JPEG decoding in draft mode (the decoder skips detail
the output cannot show), conversion of greyscale, CMYK and palette images to RGB, then the shorter
side resized to S and the centre cropped to S x S. Files are recognised by their content, not by
their name: a PNG named ``.JPEG`` (ILSVRC-2012 has one) is decoded like any PNG, only without the
draft speed-up. A file PIL cannot decode raises :class:`UnreadableImage`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


class UnreadableImage(Exception):
    """An image file that cannot be decoded (truncated, empty, not an image); the message says why."""


# What PIL raises on bad files: OSError (truncated data, unidentified format, also for empty files),
# ValueError and SyntaxError (malformed headers), EOFError (cut-off headers), decompression bombs.
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


def square_crop_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The centred square of side min(width, height), as a PIL box (left, top, right, bottom)."""
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def load_image(path: str | Path, size: int, draft: bool = True) -> tuple[np.ndarray, str]:
    """Decode the image at ``path``, resize its shorter side to ``size`` and crop the centre.

    With ``draft`` a JPEG is decoded directly at a reduced scale (1/2, 1/4 or 1/8) that still keeps
    both sides at least ``size``; other formats ignore it. Returns ``(image, original)``: image is
    ``(size, size, 3)`` uint8 RGB, original the file's ``"<format>/<mode>"`` before conversion,
    e.g. ``"JPEG/L"`` for a greyscale JPEG. Raises :class:`UnreadableImage`.
    """
    try:
        with Image.open(path) as im:
            original = f"{im.format}/{im.mode}"
            if draft:
                im.draft("RGB", (size, size))
            # draft() leaves greyscale JPEGs in mode "L" and CMYK ones in "CMYK": always convert.
            rgb = im.convert("RGB")
    except DECODE_ERRORS as error:
        raise UnreadableImage(f"{type(error).__name__}: {error}") from error
    # Resizing only the centred square does the shorter-side resize and the crop in one step.
    square = rgb.resize((size, size), Image.Resampling.BILINEAR, box=square_crop_box(*rgb.size))
    return np.asarray(square, dtype=np.uint8), original


def load_image_or_reason(path: str | Path, size: int, draft: bool = True
                         ) -> tuple[np.ndarray | None, str]:
    """:func:`load_image` for worker processes: ``(image, original)``, or ``(None, reason)`` when
    the file cannot be decoded, so that one bad file never stops a whole preparation."""
    try:
        return load_image(path, size, draft)
    except UnreadableImage as error:
        return None, str(error)

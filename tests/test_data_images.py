"""Decoding single image files and preparing many in parallel (autograder.data.images / .prepare).

Uses only images the tests make: RGB, greyscale and CMYK JPEGs, a PNG named .JPEG, a 1 x 1 image,
and broken files (truncated JPEG, empty file, text file named .JPEG).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from autograder.data.images import UnreadableImage, load_image
from autograder.data.prepare import prepare_images


def write_image(path: Path, array: np.ndarray, mode: str = "RGB", format: str = "JPEG") -> Path:
    """Save a (H, W, 3) uint8 array as ``format`` after converting it to ``mode``."""
    Image.fromarray(array, "RGB").convert(mode).save(path, format=format, quality=95)
    return path


def smooth_image(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A smooth colourful (height, width, 3) uint8 image: gradients plus a few blobs."""
    rng = np.random.default_rng(seed)
    v, u = np.mgrid[0:height, 0:width] / max(height, width)
    channels = [np.sin(2 * np.pi * (f1 * u + f2 * v) + p)
                for f1, f2, p in rng.uniform(0.3, 2.0, (3, 3))]
    return np.round(127.5 + 120 * np.stack(channels, axis=-1)).astype(np.uint8)


def thirds(height: int, width: int, vertical: bool) -> np.ndarray:
    """Red / green / blue thirds, side by side (vertical=False) or stacked (vertical=True)."""
    image = np.zeros((height, width, 3), np.uint8)
    n = height if vertical else width
    for k, cut in enumerate(np.array_split(np.arange(n), 3)):
        if vertical:
            image[cut, :, k] = 255
        else:
            image[:, cut, k] = 255
    return image


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    """One file of each kind the preparation meets."""
    colour = smooth_image(90, 120)
    truncated = write_image(tmp_path / "truncated.JPEG", smooth_image(200, 300, seed=1))
    data = truncated.read_bytes()
    truncated.write_bytes(data[:len(data) // 2])
    (tmp_path / "empty.JPEG").write_bytes(b"")
    (tmp_path / "text.JPEG").write_text("this is not an image\n")
    return {
        "rgb": write_image(tmp_path / "rgb.JPEG", colour),
        "grey": write_image(tmp_path / "grey.JPEG", colour, mode="L"),
        "cmyk": write_image(tmp_path / "cmyk.JPEG", colour, mode="CMYK"),
        "png": write_image(tmp_path / "png.JPEG", colour, mode="RGBA", format="PNG"),
        "tiny": write_image(tmp_path / "tiny.JPEG", np.full((1, 1, 3), (200, 40, 90), np.uint8)),
        "truncated": truncated,
        "empty": tmp_path / "empty.JPEG",
        "text": tmp_path / "text.JPEG",
    }


@pytest.mark.parametrize("size", [32, 64, 128])
def test_every_decodable_kind_becomes_square_rgb_uint8(files, size):
    originals = {}
    for kind in ("rgb", "grey", "cmyk", "png", "tiny"):
        image, originals[kind] = load_image(files[kind], size)
        assert image.shape == (size, size, 3) and image.dtype == np.uint8, kind
    assert originals == {"rgb": "JPEG/RGB", "grey": "JPEG/L", "cmyk": "JPEG/CMYK", "png": "PNG/RGBA",
                         "tiny": "JPEG/RGB"}


def test_greyscale_has_equal_channels_and_cmyk_keeps_its_colours(files):
    grey, _ = load_image(files["grey"], 64)
    assert np.array_equal(grey[..., 0], grey[..., 1]) and np.array_equal(grey[..., 1], grey[..., 2])
    rgb, _ = load_image(files["rgb"], 64, draft=False)
    cmyk, _ = load_image(files["cmyk"], 64, draft=False)
    assert np.abs(cmyk.astype(int) - rgb).mean() < 12  # CMYK -> RGB is lossy, not inverted or grey


def test_a_png_named_jpeg_is_decoded_like_the_same_pixels_as_png(files, tmp_path):
    image, _ = load_image(files["png"], 64)
    expected, _ = load_image(write_image(tmp_path / "same.png", smooth_image(90, 120), format="PNG"), 64)
    assert np.array_equal(image, expected)


def test_a_1x1_image_fills_the_square_with_its_colour(files):
    image, _ = load_image(files["tiny"], 32)
    assert (image == image[0, 0]).all()
    assert np.abs(image[0, 0].astype(int) - (200, 40, 90)).max() <= 8  # JPEG's colour rounding


@pytest.mark.parametrize("vertical", [False, True])
@pytest.mark.parametrize("draft", [False, True])
def test_the_centre_is_kept(tmp_path, vertical, draft):
    """Of an image in red/green/blue thirds along its long side, only the middle (green) third is
    kept: resizing the shorter side to S and cropping the centre S x S."""
    shape = (600, 200) if vertical else (200, 600)
    image, _ = load_image(write_image(tmp_path / "thirds.JPEG", thirds(*shape, vertical)), 32, draft)
    inner = image[4:-4, 4:-4].astype(int)
    assert inner[..., 1].min() > 200 and inner[..., 0].max() < 60 and inner[..., 2].max() < 60


@pytest.mark.parametrize("shape", [(375, 500), (500, 333), (1200, 1600)])
def test_draft_decoding_is_close_to_plain_decoding(tmp_path, shape):
    """Draft mode decodes at 1/2, 1/4 or 1/8 scale: pixels differ a little from the full decode,
    which is resized and centre-cropped here by PIL's ImageOps.fit, independently of our code."""
    path = write_image(tmp_path / "photo.JPEG", smooth_image(*shape))
    with Image.open(path) as im:
        reference = np.asarray(ImageOps.fit(im.convert("RGB"), (64, 64), Image.Resampling.BILINEAR))
    for draft in (False, True):
        image, _ = load_image(path, 64, draft)
        assert np.abs(image.astype(int) - reference).mean() < (2 if not draft else 6), draft


@pytest.mark.parametrize("kind, reason", [("truncated", "truncated"), ("empty", "cannot identify"),
                                          ("text", "cannot identify")])
def test_broken_files_raise_unreadable_image_saying_why(files, kind, reason):
    with pytest.raises(UnreadableImage, match=reason):
        load_image(files[kind], 64)


def test_prepare_skips_and_reports_broken_files_in_order(files):
    order = ["rgb", "truncated", "grey", "empty", "cmyk", "text", "png", "tiny"]
    paths, labels = [files[k] for k in order], np.arange(len(order)) * 10
    serial = prepare_images(paths, labels, 32, workers=1, progress=False)
    parallel = prepare_images(paths, labels, 32, workers=2, progress=False)
    for prepared in (serial, parallel):
        assert prepared.images.shape == (5, 32, 32, 3) and prepared.images.dtype == np.uint8
        assert prepared.kept.tolist() == [0, 2, 4, 6, 7]
        assert prepared.labels.tolist() == [0, 20, 40, 60, 70] and prepared.labels.dtype == np.int64
        assert [Path(p).name for p, _ in prepared.skipped] == ["truncated.JPEG", "empty.JPEG", "text.JPEG"]
        assert "truncated" in prepared.skipped[0][1] and "cannot identify" in prepared.skipped[2][1]
        assert prepared.originals == {"JPEG/CMYK": 1, "JPEG/L": 1, "JPEG/RGB": 2, "PNG/RGBA": 1}
    assert np.array_equal(serial.images, parallel.images)
    for row, index in enumerate(serial.kept):
        assert np.array_equal(serial.images[row], load_image(paths[index], 32)[0])


def test_prepare_checks_labels_match_paths(files):
    with pytest.raises(ValueError, match="2 paths but 1 labels"):
        prepare_images([files["rgb"], files["grey"]], np.array([0]), 32, progress=False)

"""The synthetic stand-in: images generated offline, deterministically, when no ImageNet is configured.

These are NOT ImageNet photographs. Each class is a texture drawn inside a disc or square at a random
position, scale, rotation and colour, over a random colour gradient with clutter shapes and pixel
noise. Telling the textures apart needs local, translation-invariant features (oriented stripes
against rings, dots, spokes...), which a convolutional network learns and a linear classifier on
pixels cannot; only a weak colour preference per class is linearly visible. Class k of the subset
gets texture ``PATTERNS[k]`` and the name ``"<ImageNet class name> (synthetic)"``, so that code and
figures written for the ImageNet subset run unchanged and say what they show.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import hsv_to_rgb

PATTERNS = ("stripes 0°", "stripes 45°", "stripes 90°", "stripes 135°", "rings", "checkerboard",
            "dots", "spokes", "grid lines", "wavy stripes")
DEFAULT_PER_CLASS = {"train": 260, "val": 50}
SPLIT_STREAMS = {"train": 0, "val": 1}  # independent random streams: val never repeats train
GENERATOR_VERSION = 1  # bump when the images change, so that recorded results can tell


def synthetic_class_names(names: list[str]) -> list[str]:
    """The class names of the stand-in: ``"kit fox"`` -> ``"kit fox (synthetic)"``."""
    return [f"{name} (synthetic)" for name in names]


def generate_synthetic(num_classes: int, split: str, size: int, per_class: int, seed: int = 0
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Generate ``per_class`` images of each of ``num_classes`` (at most 10) texture classes.

    Returns images (num_classes * per_class, size, size, 3) uint8 RGB, grouped by class, and labels
    (num_classes * per_class,) int64. The same seed, split, size and per_class always give the
    same images of a class, however many classes are asked for.
    """
    if not 1 <= num_classes <= len(PATTERNS):
        raise ValueError(f"the synthetic stand-in has {len(PATTERNS)} texture classes; "
                         f"{num_classes} classes were asked for")
    if split not in SPLIT_STREAMS:
        raise ValueError(f"split must be one of {list(SPLIT_STREAMS)}, not {split!r}")
    images = np.empty((num_classes * per_class, size, size, 3), dtype=np.uint8)
    for k in range(num_classes):
        rng = np.random.default_rng([seed, SPLIT_STREAMS[split], k])
        images[k * per_class:(k + 1) * per_class] = _class_images(k, per_class, size, rng)
    labels = np.repeat(np.arange(num_classes, dtype=np.int64), per_class)
    return images, labels


def _class_images(k: int, n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """n images of class k: (n, size, size, 3) uint8. Computed in float32, in place where possible."""
    # Pixel centres in [0, 1] as a row (1, 1, S) and a column (1, S, 1): offsets from per-image
    # centres stay (n, 1, S) and (n, S, 1) until combined, which keeps most steps cheap.
    u = ((np.arange(size, dtype=np.float32) + 0.5) / size)[None, None, :]
    v = u.transpose(0, 2, 1)
    image = _background(n, u, v, rng)
    for _ in range(3):  # clutter: hard-edged discs and squares of random colours anywhere
        cx, cy, radius = _uniform(rng, 0, 1, n), _uniform(rng, 0, 1, n), _uniform(rng, 0.05, 0.16, n)
        x, y = u - cx, v - cy
        square = rng.random((n, 1, 1)) < 0.5
        inside = np.where(square, (np.abs(x) < radius) & (np.abs(y) < radius),
                          x * x + y * y < radius * radius)
        np.copyto(image, _uniform(rng, 0, 1, n, channels=3), where=inside[..., None])
    cx, cy, radius = _uniform(rng, 0.28, 0.72, n), _uniform(rng, 0.28, 0.72, n), _uniform(rng, 0.22, 0.40, n)
    x, y = u - cx, v - cy
    period = radius * _uniform(rng, 0.30, 0.55, n)
    weight = _texture(k, x, y, period, rng)
    weight += 1
    weight *= 0.5
    # The object, a disc or a rotated square, with an antialiased edge: its coverage of each pixel
    # in [0, 1] from the pixel's distance to the outline.
    xr, yr = _rotate(x, y, _uniform(rng, 0, np.pi / 2, n))
    square = rng.random((n, 1, 1)) < 0.5
    distance = np.where(square, np.maximum(np.abs(xr), np.abs(yr)) * 1.1, np.hypot(x, y))
    coverage = np.clip((radius - distance) * size + 0.5, 0, 1)
    # Each class prefers a hue (weak, jittered): the only cue a linear model on pixels can use.
    hue = (k / len(PATTERNS) + rng.normal(0, 0.08, n)) % 1.0
    bright = hsv_to_rgb(np.stack([hue, rng.uniform(0.5, 1, n), rng.uniform(0.6, 1, n)], axis=1))
    dark = hsv_to_rgb(np.stack([rng.uniform(0, 1, n), rng.uniform(0, 0.7, n), rng.uniform(0, 0.45, n)],
                               axis=1))
    bright, dark = bright.astype(np.float32)[:, None, None], dark.astype(np.float32)[:, None, None]
    # image += coverage * (texture colour - image), the texture colour being dark + weight * (bright - dark)
    texture_colour = weight[..., None] * (bright - dark)
    texture_colour += dark
    texture_colour -= image
    texture_colour *= coverage[..., None]
    image += texture_colour
    noise = rng.standard_normal((n, size, size, 1), dtype=np.float32)  # grey noise, per-image strength
    noise *= _uniform(rng, 0.02, 0.10, n, channels=1)
    image += noise
    np.clip(image, 0, 1, out=image)
    image *= 255
    image += 0.5
    return image.astype(np.uint8)


def _uniform(rng: np.random.Generator, low: float, high: float, n: int, channels: int | None = None
             ) -> np.ndarray:
    """n uniform float32 numbers shaped to broadcast over images: (n, 1, 1), or (n, 1, 1, channels)."""
    shape = (n, 1, 1) if channels is None else (n, 1, 1, channels)
    return rng.uniform(low, high, shape).astype(np.float32)


def _texture(k: int, x: np.ndarray, y: np.ndarray, period: np.ndarray, rng: np.random.Generator
             ) -> np.ndarray:
    """Texture k around the object's centre: x (n, 1, S), y (n, S, 1) offsets, period (n, 1, 1)
    -> (n, S, S) float32 in [-1, 1]."""
    n = len(x)
    phase = _uniform(rng, 0, 2 * np.pi, n)
    if k < 4:  # stripes at 0, 45, 90, 135 degrees, orientation jittered
        angle = np.deg2rad(45 * k + rng.normal(0, 8, (n, 1, 1))).astype(np.float32)
        return np.cos(2 * np.pi * _rotate(x, y, angle)[0] / period + phase)
    if k == 4:  # rings
        return np.cos(2 * np.pi * np.hypot(x, y) / period + phase)
    if k == 7:  # spokes
        spokes = rng.integers(5, 10, (n, 1, 1)).astype(np.float32)
        return np.cos(spokes * np.arctan2(y, x) + phase)
    xr, yr = _rotate(x, y, _uniform(rng, 0, np.pi, n))
    if k == 9:  # wavy stripes
        wave = period * _uniform(rng, 1.5, 2.5, n)
        return np.cos(2 * np.pi * (xr + 0.5 * period * np.sin(2 * np.pi * yr / wave)) / period + phase)
    # Position within the cell of a square lattice with this period, in [-0.5, 0.5).
    fx = (xr / period + phase / (2 * np.pi)) % 1.0 - 0.5
    fy = (yr / period + phase / (2 * np.pi)) % 1.0 - 0.5
    if k == 5:  # checkerboard
        return np.tanh(32 * np.sign(fx) * np.sign(fy) * np.minimum(np.abs(fx), np.abs(fy)))
    if k == 6:  # dots
        return np.tanh((0.24 - np.hypot(fx, fy)) * 15)
    return np.tanh((np.maximum(np.abs(fx), np.abs(fy)) - 0.37) * 20)  # k == 8: grid lines


def _rotate(x: np.ndarray, y: np.ndarray, angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates x, y rotated by -angle (radians): the frame in which the pattern is axis-aligned."""
    cos, sin = np.cos(angle), np.sin(angle)
    return x * cos + y * sin, y * cos - x * sin


def _background(n: int, u: np.ndarray, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A linear gradient between two random colours in a random direction: (n, S, S, 3) float32."""
    angle = _uniform(rng, 0, 2 * np.pi, n)
    ramp = np.clip(0.5 + (u - 0.5) * np.cos(angle) + (v - 0.5) * np.sin(angle), 0, 1)[..., None]
    start, end = _uniform(rng, 0, 1, n, channels=3), _uniform(rng, 0, 1, n, channels=3)
    image = ramp * (end - start)
    image += start
    return image

"""Data drawn in the book's figures when no image data is at hand.

``standin_images`` generates a few labelled pictures for the ten classes of the module's subset, so
that a chapter can show "what the data looks like" anywhere, offline. They are synthetic stand-ins,
not ImageNet: every figure that shows them must say so (``STANDIN_LABEL``).
"""
from __future__ import annotations

import numpy as np

# The lecture's ten ImageNet classes, the module's subset: (WordNet synset id, name).
LECTURE_CLASSES: tuple[tuple[str, str], ...] = (
    ("n02119789", "kit fox"),
    ("n02100735", "English setter"),
    ("n02096294", "Australian terrier"),
    ("n02066245", "grey whale"),
    ("n02509815", "lesser panda"),
    ("n02124075", "Egyptian cat"),
    ("n02417914", "ibex"),
    ("n02123394", "Persian cat"),
    ("n02125311", "cougar"),
    ("n02423022", "gazelle"),
)

STANDIN_LABEL = "synthetic stand-in, not ImageNet"


def standin_images(num_per_class: int = 1, size: int = 64, num_classes: int = len(LECTURE_CLASSES),
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic synthetic images: each class is a wave pattern of its own colour, orientation and
    frequency, with a random phase, brightness and pixel noise per image.

    Returns images (num_classes * num_per_class, size, size, 3) uint8 and labels (same N,) int64,
    ordered by class.
    """
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(num_classes), num_per_class)
    n = len(labels)
    row, col = np.mgrid[0:size, 0:size] / size                                   # (size, size) each
    angle = np.pi * labels / num_classes                                          # (N,)
    frequency = 2.0 + 3.0 * (labels % 4)                                          # waves per image
    along = (np.cos(angle)[:, None, None] * col + np.sin(angle)[:, None, None] * row)  # (N, size, size)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1, 1))
    wave = 0.5 + 0.5 * np.sin(2 * np.pi * frequency[:, None, None] * along + phase)
    hue = labels / num_classes
    colour = 0.5 + 0.4 * np.cos(2 * np.pi * (hue[:, None] - np.array([0.0, 1 / 3, 2 / 3])))  # (N, 3)
    brightness = rng.uniform(0.7, 1.0, size=(n, 1, 1, 1))
    picture = brightness * (0.25 + 0.75 * wave[..., None] * colour[:, None, None, :])
    picture += rng.normal(scale=0.04, size=picture.shape)
    return np.round(255 * np.clip(picture, 0.0, 1.0)).astype(np.uint8), labels

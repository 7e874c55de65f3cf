"""The on-device batches: the crop/flip gather, normalisation and channel statistics match plain
numpy computations of the same thing, layouts stay channels-last, and the ranks' slices of an
epoch put together are the one-process epoch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.training.batches import (
    RESIZED_CROP_SCALE,
    DeviceImages,
    channel_stats,
    crop_and_flip,
    draw_augmentation,
    draw_resized_crops,
    epoch_batches,
    normalize,
    resized_crop_and_flip,
)


def random_images(n: int, size: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def numpy_crop_and_flip(images: np.ndarray, offsets: np.ndarray, flips: np.ndarray, pad: int) -> np.ndarray:
    """The textbook version, one image at a time: (N, S, S, 3) -> (N, S, S, 3)."""
    size = images.shape[1]
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out = np.empty_like(images)
    for i, ((r, c), flip) in enumerate(zip(offsets, flips)):
        window = padded[i, r:r + size, c:c + size]
        out[i] = window[:, ::-1] if flip else window
    return out


def test_device_images_are_channels_last_views_of_the_subset():
    images = random_images(5, 8)
    data = DeviceImages.from_arrays(images, np.arange(5))
    assert data.images.shape == (5, 3, 8, 8) and data.images.dtype == torch.uint8
    assert data.images.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(data.images[2, 1], torch.from_numpy(images[2, :, :, 1]))
    assert data.labels.dtype == torch.int64 and len(data) == 5 and data.image_size == 8


@pytest.mark.parametrize("bad", [np.zeros((2, 8, 8, 3), np.float32), np.zeros((2, 3, 8, 8), np.uint8)])
def test_device_images_reject_other_layouts(bad):
    with pytest.raises(ValueError, match="expected images of shape"):
        DeviceImages.from_arrays(bad, np.zeros(2))


def test_crop_and_flip_equals_pad_slice_and_mirror_per_image():
    images, pad = random_images(64, 12, seed=1), 3
    offsets, flips = draw_augmentation(64, pad, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert set(offsets.unique().tolist()) <= set(range(2 * pad + 1)) and 0 < flips.sum() < 64
    out = crop_and_flip(DeviceImages.from_arrays(images, np.zeros(64)).images, offsets, flips, pad)
    assert out.is_contiguous(memory_format=torch.channels_last)
    expected = numpy_crop_and_flip(images, offsets.numpy(), flips.numpy(), pad)
    np.testing.assert_array_equal(out.permute(0, 2, 3, 1).numpy(), expected)


def test_centre_offset_without_flip_is_the_identity():
    images = DeviceImages.from_arrays(random_images(4, 8), np.zeros(4)).images
    out = crop_and_flip(images, torch.full((4, 2), 2), torch.zeros(4, dtype=torch.bool), pad=2)
    assert torch.equal(out, images)


def test_normalize_and_channel_stats():
    images = DeviceImages.from_arrays(random_images(50, 8, seed=2), np.zeros(50)).images
    mean, std = channel_stats(images, chunk=7)
    as_float = images.double().permute(1, 0, 2, 3).reshape(3, -1)
    torch.testing.assert_close(mean, as_float.mean(dim=1).float())
    torch.testing.assert_close(std, as_float.std(dim=1, correction=0).float())
    x = normalize(images, mean, std, torch.float64)
    assert x.dtype == torch.float64 and x.is_contiguous(memory_format=torch.channels_last)
    normalised = x.permute(1, 0, 2, 3).reshape(3, -1)
    torch.testing.assert_close(normalised.mean(dim=1), torch.zeros(3, dtype=torch.float64), atol=1e-5, rtol=0)
    torch.testing.assert_close(normalised.std(dim=1, correction=0), torch.ones(3, dtype=torch.float64),
                               atol=1e-5, rtol=0)


def test_the_ranks_slices_put_together_are_the_single_process_batches():
    data = DeviceImages.from_arrays(random_images(40, 8, seed=3), np.arange(40) % 5)
    mean, std = channel_stats(data.images)

    def batches(rank: int, world_size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        return list(epoch_batches(data, 12, torch.Generator().manual_seed(4), 1, True, mean, std,
                                  rank=rank, world_size=world_size))

    single, first, second = batches(0, 1), batches(0, 2), batches(1, 2)
    assert len(single) == 40 // 12 and all(len(t) == 12 for _, t in single)
    for (x, t), (x0, t0), (x1, t1) in zip(single, first, second):
        assert torch.equal(torch.cat([x0, x1]), x) and torch.equal(torch.cat([t0, t1]), t)
    labels_seen = torch.cat([t for _, t in single])
    assert len(labels_seen) == 36 and not torch.equal(labels_seen, data.labels[:36]), "not shuffled"


def test_without_padding_or_flips_batches_are_the_shuffled_images():
    data = DeviceImages.from_arrays(random_images(16, 8, seed=5), np.arange(16))
    mean, std = torch.zeros(3), torch.ones(3)
    for x, t in epoch_batches(data, 8, torch.Generator().manual_seed(0), 0, False, mean, std):
        assert torch.equal(x, data.images[t].float())


def test_the_whole_image_as_a_resized_crop_is_the_image_or_its_mirror():
    x = torch.from_numpy(random_images(4, 8, seed=2)).permute(0, 3, 1, 2).double()
    whole = torch.tensor([[1.0, 0, 0], [0, 1.0, 0]]).expand(4, 2, 3)
    flips = torch.tensor([False, True, False, True])
    out = resized_crop_and_flip(x, whole, flips)
    torch.testing.assert_close(out[~flips], x[~flips])
    torch.testing.assert_close(out[flips], x[flips].flip(-1))


def test_a_resized_crop_of_the_left_half_stretches_it():
    """A window of half the width at the left: each output column pair reads one input column."""
    x = torch.arange(8.0).repeat(1, 3, 8, 1)  # (1, 3, 8, 8), value = column index
    left_half = torch.tensor([[[0.5, 0, -0.5], [0, 1.0, 0]]])
    out = resized_crop_and_flip(x, left_half, torch.tensor([False]))
    assert out.min() >= 0 and out.max() <= 3.5 and torch.all(out[..., 1:] >= out[..., :-1])


def test_resized_crop_windows_stay_inside_the_image_within_their_area_range():
    theta = draw_resized_crops(4000, torch.Generator().manual_seed(0), torch.device("cpu"))
    half_w, half_h, centre = theta[:, 0, 0], theta[:, 1, 1], theta[:, :, 2]
    assert torch.all(centre.abs() <= 1 - torch.stack([half_w, half_h], 1) + 1e-6)
    area = half_w * half_h
    assert area.min() >= RESIZED_CROP_SCALE[0] - 1e-6 and area.max() <= 1 + 1e-6
    assert 0.5 < area.median() < 0.8 and (half_w / half_h).max() <= 4 / 3 + 1e-5


def test_resized_crop_batches_have_the_right_shape_and_differ_from_plain_crops():
    data = DeviceImages.from_arrays(random_images(16, 8, seed=5), np.arange(16))
    mean, std = torch.zeros(3), torch.ones(3)
    plain = next(epoch_batches(data, 8, torch.Generator().manual_seed(0), 0, False, mean, std))
    resized = next(epoch_batches(data, 8, torch.Generator().manual_seed(0), 0, False, mean, std,
                                 augment="resized-crop"))
    assert resized[0].shape == plain[0].shape and torch.equal(resized[1], plain[1])
    assert not torch.allclose(resized[0], plain[0])
    with pytest.raises(ValueError, match="unknown augmentation"):
        next(epoch_batches(data, 8, torch.Generator(), 0, False, mean, std, augment="mixup"))

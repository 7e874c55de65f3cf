"""Small torch helpers that the references and the checks share: torch on one thread, and numpy
arrays turned into float64 or int64 tensors."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread: the tensors of the references are tiny, and waking a second thread for
    each operation costs up to tens of milliseconds when the machine's cores are busy (e.g. a class
    being graded)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def float64_tensor(array: np.ndarray, requires_grad: bool = False) -> torch.Tensor:
    """``array`` (any shape, any numeric dtype) as a new float64 tensor of its shape. Always a
    C-contiguous copy: torch refuses views with negative strides, such as a kernel flipped with
    ``[..., ::-1, ::-1]``, and the reference must never change the caller's array."""
    return torch.tensor(np.array(array, dtype=np.float64, order="C"), requires_grad=requires_grad)


def labels_tensor(labels: np.ndarray) -> torch.Tensor:
    """Class labels (N,) of any integer dtype as an int64 tensor (N,), as torch's losses take them."""
    return torch.as_tensor(np.asarray(labels), dtype=torch.int64)

"""PyTorch reference implementations, computed in float64, taking and returning numpy arrays."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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

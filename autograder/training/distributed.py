"""Several processes training one model with DistributedDataParallel, started by ``torchrun``.

``torchrun --nproc_per_node=N -m autograder.training.reference`` starts N copies of the program;
torchrun tells each its rank through environment variables (RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR, MASTER_PORT). :func:`init_from_env` joins the process group (NCCL between GPUs, gloo on
CPU) and the trainer then takes its world from :func:`current`.

How the trainer splits the work (it matches one process with the same global batch):
- every rank holds the whole subset on its device (it is small) and draws the same shuffled order
  and the same augmentation for each global batch of B images, from the same seed;
- rank r trains on its slice r of B / N images of that batch (like ``DistributedSampler``, which
  hands each rank a disjoint share of a shuffled epoch), and DDP averages the gradients, which
  equals the gradient of the mean loss over the whole batch.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class World:
    """This process's place among the training processes: rank in 0..size-1."""
    rank: int = 0
    size: int = 1

    @property
    def is_main(self) -> bool:
        """Rank 0 writes the files and shows the progress bars."""
        return self.rank == 0


def current() -> World:
    """The world of an initialised process group, else a single process."""
    if dist.is_available() and dist.is_initialized():
        return World(rank=dist.get_rank(), size=dist.get_world_size())
    return World()


def launched_by_torchrun() -> bool:
    """True inside a process started by ``torchrun`` (or any launcher that sets WORLD_SIZE)."""
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ


def init_from_env() -> World:
    """Join the process group torchrun describes; a single process when not started by torchrun.

    The backend is NCCL when CUDA is available (each rank then uses GPU ``LOCAL_RANK``), else gloo.
    """
    if not launched_by_torchrun() or dist.is_initialized():
        return current()
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
        dist.init_process_group("nccl")
    else:
        dist.init_process_group("gloo")
    return current()


def device_for_rank(cuda: bool) -> torch.device:
    """This rank's device: its GPU (``LOCAL_RANK``) when ``cuda``, else the CPU."""
    if cuda:
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", torch.cuda.current_device())))
    return torch.device("cpu")


def all_reduce_sum(tensor: torch.Tensor, world: World) -> torch.Tensor:
    """Sum ``tensor`` over all ranks, in place; nothing to do in a single process."""
    if world.size > 1:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def broadcast_buffers(module: torch.nn.Module, world: World) -> None:
    """Give every rank rank 0's buffers (batch-norm running statistics) before evaluating.

    DDP sends rank 0's buffers to the others at the start of each forward pass, but each rank then
    updates its copy with its own slice of the batch: without this the ranks would evaluate slightly
    different models.
    """
    if world.size > 1:
        for buffer in module.buffers():
            dist.broadcast(buffer, src=0)


def shutdown() -> None:
    """Leave the process group, if this process joined one."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()

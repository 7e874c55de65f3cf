"""The trainer under ``torchrun`` with two gloo processes on the CPU, against one process.

The test starts ``torchrun --nproc_per_node=2`` on this very file (bound to 127.0.0.1); each rank
trains, then saves its final parameters, the batch sizes its model saw, and its run record. With
the same global batch and seed the two-process run must equal the one-process run:

- the linear classifier in float64: same final parameters and per-step losses up to rounding.
  Every rank draws the same shuffled order and augmentation, trains on its half of each batch, and
  DDP averages the two gradients of half-batch means, which is the gradient of the full-batch mean;
- the small CNN: batch norm normalises each rank's half batch with that half's statistics
  (torch's SyncBatchNorm, which the trainer uses on GPUs, does not run on the CPU), so the result
  differs slightly from one process; the two ranks must still hold identical parameters and
  buffers, and the run must learn.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from autograder.training import SmallCNN, TrainConfig, build_model, build_optimizer, train
from autograder.training.distributed import init_from_env, shutdown
from test_training_trainer import CLASSES, SIZE, learnable_images

TRAIN = learnable_images(256, seed=0)
VAL = learnable_images(96, seed=1)
CONFIG = TrainConfig(epochs=2, batch_size=64, seed=11, progress=False, device="cpu")


def linear_model() -> torch.nn.Module:
    return build_model("linear", SIZE, CLASSES, seed=7).double()


def cnn_model() -> torch.nn.Module:
    torch.manual_seed(7)
    return SmallCNN(CLASSES, widths=(8, 16))


def train_one(model: torch.nn.Module, record_batch_sizes: list[int] | None = None) -> dict:
    if record_batch_sizes is not None:
        model.register_forward_pre_hook(
            lambda module, inputs: record_batch_sizes.append(len(inputs[0])) if module.training else None)
    optimizer = build_optimizer("momentum", model.parameters(), lr=0.02)
    return train(model, optimizer, TRAIN, VAL, CONFIG)


def rank_main(out: Path) -> None:
    """What each torchrun process runs: train both models, save what the test compares."""
    world = init_from_env()
    for name, make in [("linear", linear_model), ("cnn", cnn_model)]:
        model, sizes = make(), []
        record = train_one(model, sizes)
        torch.save(model.state_dict(), out / f"{name}-rank{world.rank}.pt")
        (out / f"{name}-rank{world.rank}.json").write_text(json.dumps({"record": record, "batch_sizes": sizes}))
    shutdown()
    os._exit(0)  # everything is saved: skip the interpreter's teardown, seconds with torch loaded


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_gloo_processes_match_one_process(tmp_path):
    env = {**os.environ, "GLOO_SOCKET_IFNAME": "lo", "OMP_NUM_THREADS": "1"}  # loopback only
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2",
               "--monitor-interval=0.1", "--master_addr=127.0.0.1", f"--master_port={free_port()}",
               __file__, str(tmp_path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    saved = {(name, rank): (torch.load(tmp_path / f"{name}-rank{rank}.pt"),
                            json.loads((tmp_path / f"{name}-rank{rank}.json").read_text()))
             for name in ("linear", "cnn") for rank in (0, 1)}
    for name in ("linear", "cnn"):
        for rank in (0, 1):
            record, sizes = saved[name, rank][1]["record"], saved[name, rank][1]["batch_sizes"]
            assert record["world_size"] == 2
            assert set(sizes) == {CONFIG.batch_size // 2}, "each rank must train on half of each batch"
            assert len(sizes) == CONFIG.epochs * (len(TRAIN[1]) // CONFIG.batch_size)
        # The replicas stay identical: DDP averages gradients, the trainer shares the buffers.
        for key, value in saved[name, 0][0].items():
            assert torch.equal(value, saved[name, 1][0][key]), f"{name}: ranks differ in {key}"

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        single_linear, single_cnn = linear_model(), cnn_model()
        linear_record, cnn_record = train_one(single_linear), train_one(single_cnn)
    finally:
        torch.set_num_threads(threads)

    ddp_linear, ddp_linear_record = saved["linear", 0][0], saved["linear", 0][1]["record"]
    assert (ddp_linear["fc.weight"] - linear_model().fc.weight).abs().max() > 1e-3, "nothing was trained"
    for key, value in single_linear.state_dict().items():
        torch.testing.assert_close(ddp_linear[key], value, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ddp_linear_record["loss_per_step"], linear_record["loss_per_step"], rtol=1e-9)
    assert ddp_linear_record["epochs"][-1]["val_accuracy"] == linear_record["epochs"][-1]["val_accuracy"]

    ddp_cnn_record = saved["cnn", 0][1]["record"]
    losses = ddp_cnn_record["loss_per_step"]
    assert np.mean(losses[-3:]) < 0.7 * np.mean(losses[:2])
    np.testing.assert_allclose(losses[0], cnn_record["loss_per_step"][0], rtol=0.05)


if __name__ == "__main__":
    rank_main(Path(sys.argv[1]))

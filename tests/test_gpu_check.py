"""The GPU run's script (``make gpu-check``) on the CPU, on its tiny setting, so that it cannot rot:
every step runs, the records and the summary are written, and the report names each target."""
from __future__ import annotations

import json

import pytest
import torch

from autograder.training import gpu_check, read_run
from autograder.training.reference import COMPARED_SCHEDULES, SWEEP

pytestmark = pytest.mark.usefixtures("torch_on_one_thread")


def test_the_tiny_check_runs_every_step_and_writes_its_figures(tmp_path, capsys):
    assert gpu_check.main(["--tiny", "--source", "synthetic", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "gpu_check.json").read_text())
    assert results["tiny"] is True and results["device"].startswith("cpu")
    assert [(t["size"], t["split"]) for t in results["preparation"]] == [(16, "train"), (16, "val"),
                                                                          (32, "train"), (32, "val")]
    every_run = sum(len(lrs) for lrs in SWEEP.values()) + len(COMPARED_SCHEDULES)
    assert len(results["reference_runs"]) == every_run and set(results["targets"]) == set(gpu_check.TARGETS)
    resnet = read_run(tmp_path / "runs" / "resnet.json")
    assert resnet["model"] == "resnet" and resnet["data"]["image_size"] == 32
    assert resnet["hyperparameters"]["schedule"] == "one-cycle"
    assert resnet["hyperparameters"]["augment"] == "resized-crop"
    assert (tmp_path / "checkpoints" / "resnet.pt").is_file()
    report = capsys.readouterr().out
    for words in ("prepare train  16 px", "resnet 32 px", "target resnet_accuracy", "the targets are for the full run"):
        assert words in report


def test_without_a_gpu_the_full_check_refuses_with_the_reason(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu_check.main(["--source", "synthetic", "--out", str(tmp_path)]) == 2
    assert "no CUDA GPU" in capsys.readouterr().err and not (tmp_path / "gpu_check.json").exists()


def test_a_wrong_data_folder_is_reported_not_raised(tmp_path, capsys):
    assert gpu_check.main(["--tiny", "--source", "imagenette", "--root", str(tmp_path / "nowhere"),
                           "--out", str(tmp_path / "out")]) == 2
    assert "nowhere" in capsys.readouterr().err

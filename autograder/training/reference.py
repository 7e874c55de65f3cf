"""The reference runs: both models with SGD, momentum and Adam, a learning-rate sweep, a confusion matrix.

One command writes everything the capstone chapter shows::

    python -m autograder.training.reference                      # the offline synthetic stand-in
    python -m autograder.training.reference --source ilsvrc --root /data/imagenet --size 64
    torchrun --nproc_per_node=8 -m autograder.training.reference --source ilsvrc --root ...

It writes, under ``--out`` (default: the repository's ``references/``), one run record per run in
``runs/`` (see :mod:`.metrics`) and ``summary.json``: the data used, every run's final accuracy,
the sweep, the best run and its validation confusion matrix. Checkpoints go to ``--checkpoints``
(default ``checkpoints/``, not committed). The committed results come from the synthetic stand-in
on a CPU, and say so (``data.is_synthetic``); an instructor with ImageNet and a GPU regenerates them
with the same command. :func:`load_references` reads them back for the book.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch

from . import distributed
from .metrics import read_run, versions, write_json
from .models import build_model
from .optimizers import build_optimizer
from .trainer import TrainConfig, accuracy, pick_device, save_checkpoint, train

REFERENCES = Path(__file__).resolve().parents[2] / "references"
SUMMARY_SCHEMA_ID = "cnn2-reference-summary-1"

# Learning rates of the main runs, chosen on the synthetic stand-in with the learning-rate sweep.
LEARNING_RATES = {
    ("linear", "sgd"): 0.01, ("linear", "momentum"): 0.001, ("linear", "adam"): 1e-4,
    ("small_cnn", "sgd"): 0.05, ("small_cnn", "momentum"): 0.01, ("small_cnn", "adam"): 2e-3,
}
EPOCHS = 15
SWEEP_MODEL, SWEEP_OPTIMIZER = "small_cnn", "sgd"
SWEEP_LEARNING_RATES = (0.01, 0.05, 0.25, 1.25)  # includes the main run's, which is not trained twice


def run_name(model: str, optimizer: str, lr: float | None = None) -> str:
    """``small_cnn-adam``, or ``small_cnn-sgd-lr0.25`` for a sweep run."""
    return f"{model}-{optimizer}" if lr is None else f"{model}-{optimizer}-lr{lr:g}"


def reference_runs(train_set, val_set, config: TrainConfig, checkpoints: Path | None) -> tuple[dict, dict]:
    """Train every reference run; returns ({name: record} of the main runs, {lr: name} of the sweep).

    Each model starts from the same initial weights (seed ``config.seed``) whatever the optimizer
    and learning rate, so the curves differ by these alone. A sweep learning rate equal to the main
    run's reuses that run.
    """
    size, classes = train_set.images.shape[1], len(train_set.class_names)
    main_lr = LEARNING_RATES[SWEEP_MODEL, SWEEP_OPTIMIZER]
    plan = [(model, optimizer, lr, run_name(model, optimizer))
            for (model, optimizer), lr in LEARNING_RATES.items()]
    plan += [(SWEEP_MODEL, SWEEP_OPTIMIZER, lr, run_name(SWEEP_MODEL, SWEEP_OPTIMIZER, lr))
             for lr in SWEEP_LEARNING_RATES if lr != main_lr]
    records = {}
    for model_name, optimizer_name, lr, name in plan:
        model = build_model(model_name, size, classes, seed=config.seed)
        optimizer = build_optimizer(optimizer_name, model.parameters(), lr)
        records[name] = train(model, optimizer, train_set, val_set, config,
                              model_name=model_name, optimizer_name=optimizer_name)
        if checkpoints is not None and distributed.current().is_main:
            save_checkpoint(checkpoints / f"{name}.pt", model, optimizer, records[name])
    sweep = {lr: run_name(SWEEP_MODEL, SWEEP_OPTIMIZER, None if lr == main_lr else lr)
             for lr in SWEEP_LEARNING_RATES}
    return records, sweep


def summarize(records: dict, sweep: dict, command: str, wall_time: float) -> dict:
    """The summary the book reads: data, final results per run, the sweep, the best run's confusion."""
    def final(name: str) -> dict:
        record = records[name]
        last = record["epochs"][-1]
        return {"file": f"runs/{name}.json", "model": record["model"], "optimizer": record["optimizer"],
                "lr": record["hyperparameters"]["lr"], "epochs": len(record["epochs"]),
                "final_train_loss": last["train_loss"], "final_val_accuracy": last["val_accuracy"],
                "wall_time_s": record["wall_time_s"], "images_per_s": record["images_per_s"]}

    main = [run_name(model, optimizer) for model, optimizer in LEARNING_RATES]
    best = max(main, key=lambda name: records[name]["epochs"][-1]["val_accuracy"])
    first = records[main[0]]
    return {
        "schema": SUMMARY_SCHEMA_ID,
        "command": command,
        "data": first["data"],
        "device": first["device"],
        "world_size": first["world_size"],
        "versions": versions(),
        "wall_time_s": wall_time,
        "runs": {name: final(name) for name in main},
        "sweep": {"model": SWEEP_MODEL, "optimizer": SWEEP_OPTIMIZER,
                  "runs": [{"name": name, **final(name)} for name in sweep.values()]},
        "best_run": best,
        "confusion": {"run": best, "class_names": first["data"]["class_names"],
                      "matrix": records[best]["val_confusion"],
                      "accuracy": accuracy(records[best]["val_confusion"])},
    }


def rounded(value, digits: int = 5):
    """``value`` with every float rounded to ``digits`` significant digits (smaller committed files)."""
    if isinstance(value, float) and value != 0 and math.isfinite(value):
        return round(value, digits - 1 - math.floor(math.log10(abs(value))))
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, digits) for v in value]
    return value


def load_references(folder: str | Path = REFERENCES) -> dict:
    """The summary written by the reference command, each run's full record added under ``record``.

    ``summary["runs"]["small_cnn-adam"]["record"]["loss_per_step"]``, ``summary["sweep"]["runs"]``,
    ``summary["confusion"]["matrix"]``, ``summary["data"]["is_synthetic"]``, ...
    """
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text())
    if summary.get("schema") != SUMMARY_SCHEMA_ID:
        raise ValueError(f"{folder / 'summary.json'} is not a reference summary ({SUMMARY_SCHEMA_ID})")
    for entry in [*summary["runs"].values(), *summary["sweep"]["runs"]]:
        entry["record"] = read_run(folder / entry["file"])
    return summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m autograder.training.reference", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", help="data source, as autograder.data.load_subset takes it "
                                         "(default: its own default, the synthetic stand-in unless configured)")
    parser.add_argument("--root", help="the data source's folder (e.g. the ILSVRC-2012 copy)")
    parser.add_argument("--size", type=int, help="image size in pixels (default: 64 on a GPU, 32 on the CPU)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=REFERENCES,
                        help="where the JSON results go (default: %(default)s)")
    parser.add_argument("--checkpoints", type=Path, default=Path("checkpoints"),
                        help="where the checkpoints go (default: %(default)s; not committed)")
    parser.add_argument("--per-class", type=int, help="at most this many images per class and split "
                                                      "(default: all; for a quick trial run)")
    parser.add_argument("--workers", type=int, help="processes preparing the images")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def load_splits(args: argparse.Namespace, size: int, world: distributed.World):
    """Training and validation subsets; under torchrun rank 0 prepares (and caches) them first."""
    from autograder.data import load_subset

    def load(split: str):
        return load_subset(split, size=size, source=args.source, root=args.root, workers=args.workers,
                           per_class=args.per_class, progress=world.is_main and not args.no_progress)

    if world.size > 1 and not world.is_main:
        torch.distributed.barrier()
    splits = load("train"), load("val")
    if world.size > 1 and world.is_main:
        torch.distributed.barrier()
    return splits


def main(argv: list[str] | None = None) -> None:
    start = time.perf_counter()
    args = parse_args(argv)
    world = distributed.init_from_env()
    size = args.size or (64 if pick_device().type == "cuda" else 32)
    train_set, val_set = load_splits(args, size, world)
    if world.is_main:
        kind = "SYNTHETIC stand-in (not ImageNet)" if train_set.is_synthetic else f"source {train_set.source}"
        print(f"Reference runs on {kind}: {len(train_set.labels)} training and {len(val_set.labels)} "
              f"validation images of {size} px, {len(train_set.class_names)} classes, {world.size} process(es)")
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                         progress=not args.no_progress)
    records, sweep = reference_runs(train_set, val_set, config, args.checkpoints)
    if world.is_main:
        arguments = sys.argv[1:] if argv is None else argv
        command = " ".join(["python -m autograder.training.reference", *arguments])
        for name, record in records.items():
            write_json(rounded(record), args.out / "runs" / f"{name}.json")
        summary = summarize(records, sweep, command, time.perf_counter() - start)
        write_json(rounded(summary), args.out / "summary.json")
        for name, record in records.items():
            print(f"{name:24s} lr {record['hyperparameters']['lr']:<8g} val accuracy "
                  f"{record['epochs'][-1]['val_accuracy']:.3f} ({record['wall_time_s']:.1f} s, "
                  f"{record['images_per_s']:.0f} images/s)")
        print(f"best: {summary['best_run']}; all runs in {summary['wall_time_s']:.1f} s; results in {args.out}")
    distributed.shutdown()


if __name__ == "__main__":
    main()

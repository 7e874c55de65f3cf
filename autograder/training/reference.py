"""The reference runs: both models with SGD, momentum and Adam over a learning-rate sweep, the best
rate of each chosen by a stated rule, a schedule comparison, and the figures the capstone shows.

One command writes everything the capstone chapter shows::

    python -m autograder.training.reference                      # the offline synthetic stand-in
    python -m autograder.training.reference --source imagenette --root ../shared/imagenette-160
    python -m autograder.training.reference --source ilsvrc --root /data/imagenet --size 64
    torchrun --nproc_per_node=8 -m autograder.training.reference --source ilsvrc --root ...

What it trains, all from the same initial weights per model and with the same batches:

1. the sweep: every model x optimizer at each learning rate of :data:`SWEEP` (constant rate);
2. the selection: for each model and optimizer, the main run is the sweep run chosen by
   :data:`SELECTION_RULE` (best final validation accuracy);
3. the schedules: the small CNN with SGD at its selected rate again, with the rate decayed by each
   schedule of :data:`COMPARED_SCHEDULES` instead of kept constant.

It writes, under ``--out`` (default: the repository's ``references/``), one run record per run in
``runs/`` (see :mod:`.metrics`), ``summary.json`` (the data used, the rule, every run's final
figures, the main runs, the schedules, the best run and its validation confusion matrix) and the
figures in ``figures/`` (see :mod:`.figures`). Checkpoints go to ``--checkpoints`` (default
``checkpoints/``, not committed). ``--figures-only`` redraws the figures from a written summary and
its checkpoints. :func:`load_references` reads the results back for the book.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

from . import distributed
from .metrics import read_run, versions, write_json
from .models import build_model
from .optimizers import build_optimizer
from .trainer import TrainConfig, accuracy, pick_device, save_checkpoint, train

REFERENCES = Path(__file__).resolve().parents[2] / "references"
SUMMARY_SCHEMA_ID = "cnn2-reference-summary-2"
EPOCHS = 20

# Learning rates tried per model and optimizer, a factor of 5 apart; the CNN's grids reach one step
# past the first grid, whose best SGD and Adam rates were its largest. Momentum's are SGD's
# divided by 10, since with mu = 0.9 a steady gradient moves the weights 1 / (1 - mu) = 10 times
# farther per step; Adam's are in units of the weights (see the optimizers chapter).
SWEEP = {
    ("linear", "sgd"): (0.002, 0.01, 0.05),
    ("linear", "momentum"): (0.0002, 0.001, 0.005),
    ("linear", "adam"): (2e-5, 1e-4, 5e-4),
    ("small_cnn", "sgd"): (0.02, 0.1, 0.5, 2.5),
    ("small_cnn", "momentum"): (0.002, 0.01, 0.05, 0.25),
    ("small_cnn", "adam"): (2e-4, 1e-3, 5e-3, 2.5e-2),
}
SELECTION_RULE = ("for each model and optimizer, the learning rate whose run has the highest validation "
                  "accuracy after the last epoch (a tie goes to the smaller rate)")
SCHEDULE_MODEL, SCHEDULE_OPTIMIZER = "small_cnn", "sgd"
COMPARED_SCHEDULES = ("step", "cosine")  # against the selected run's constant rate


def run_name(model: str, optimizer: str, lr: float, schedule: str = "constant") -> str:
    """``small_cnn-sgd-lr0.1`` for a constant rate, ``small_cnn-sgd-lr0.1-cosine`` for a schedule."""
    name = f"{model}-{optimizer}-lr{lr:g}"
    return name if schedule == "constant" else f"{name}-{schedule}"


def final_val_accuracy(record: dict) -> float:
    return record["epochs"][-1]["val_accuracy"]


def select_learning_rates(records: dict) -> dict:
    """{(model, optimizer): name of its selected run} by :data:`SELECTION_RULE`."""
    selected = {}
    for (model, optimizer), lrs in SWEEP.items():
        names = [run_name(model, optimizer, lr) for lr in sorted(lrs)]
        selected[model, optimizer] = max(names, key=lambda name: final_val_accuracy(records[name]))
    return selected


def reusable_record(path: Path, train_set, config: TrainConfig, model: str, optimizer: str, lr: float,
                    schedule: str) -> dict | None:
    """The record saved in the checkpoint ``path`` if that run is the one asked for (same model,
    optimizer, rate, schedule, epochs, batch size, seed and training images), else None."""
    if not path.is_file():
        return None
    record = torch.load(path, map_location="cpu", weights_only=True)["record"]
    hyper = record["hyperparameters"]
    same = (record["model"], record["optimizer"], hyper["lr"], hyper["schedule"], hyper["epochs"],
            hyper["batch_size"], record["seed"], record["data"]["train_images_sha256"]) == \
        (model, optimizer, lr, schedule, config.epochs, config.batch_size, config.seed,
         train_set.manifest.get("images_sha256"))
    return record if same else None


def reference_runs(train_set, val_set, config: TrainConfig, checkpoints: Path | None,
                   resume: bool = False) -> tuple[dict, dict]:
    """Train the sweep, select, train the schedules; returns ({name: record}, {(model, optimizer):
    selected run name}). Each model starts from the same initial weights (seed ``config.seed``)
    whatever the optimizer, rate and schedule, so the curves differ by these alone. ``resume``:
    a run whose checkpoint shows it was already trained exactly so is read back, not trained again
    (an interrupted or extended reference run costs only the missing runs)."""
    size, classes = train_set.images.shape[1], len(train_set.class_names)
    records = {}

    def run(model_name: str, optimizer_name: str, lr: float, schedule: str = "constant") -> None:
        name = run_name(model_name, optimizer_name, lr, schedule)
        if resume and checkpoints is not None:
            saved = reusable_record(checkpoints / f"{name}.pt", train_set, config, model_name, optimizer_name,
                                    lr, schedule)
            if saved is not None:
                records[name] = saved
                return
        model = build_model(model_name, size, classes, seed=config.seed)
        optimizer = build_optimizer(optimizer_name, model.parameters(), lr)
        records[name] = train(model, optimizer, train_set, val_set, replace(config, schedule=schedule),
                              model_name=model_name, optimizer_name=optimizer_name)
        if checkpoints is not None and distributed.current().is_main:
            save_checkpoint(checkpoints / f"{name}.pt", model, optimizer, records[name])

    for (model_name, optimizer_name), lrs in SWEEP.items():
        for lr in lrs:
            run(model_name, optimizer_name, lr)
    selected = select_learning_rates(records)
    schedule_lr = records[selected[SCHEDULE_MODEL, SCHEDULE_OPTIMIZER]]["hyperparameters"]["lr"]
    for schedule in COMPARED_SCHEDULES:
        run(SCHEDULE_MODEL, SCHEDULE_OPTIMIZER, schedule_lr, schedule)
    return records, selected


def summarize(records: dict, selected: dict, command: str) -> dict:
    """The summary the book reads: data, rule, every run's final figures, the main runs, the
    schedules, the best main run and its confusion matrix; ``wall_time_s`` is the sum of the runs'."""
    def final(name: str) -> dict:
        record = records[name]
        last = record["epochs"][-1]
        return {"name": name, "file": f"runs/{name}.json", "model": record["model"],
                "optimizer": record["optimizer"], "lr": record["hyperparameters"]["lr"],
                "schedule": record["hyperparameters"]["schedule"], "epochs": len(record["epochs"]),
                "final_train_loss": last["train_loss"], "final_train_accuracy": last["train_accuracy"],
                "final_val_accuracy": last["val_accuracy"], "wall_time_s": record["wall_time_s"],
                "images_per_s": record["images_per_s"]}

    main_runs = {f"{model}-{optimizer}": final(name) for (model, optimizer), name in selected.items()}
    best = max(main_runs, key=lambda key: main_runs[key]["final_val_accuracy"])
    chosen = set(selected.values())
    constant = selected[SCHEDULE_MODEL, SCHEDULE_OPTIMIZER]
    schedule_runs = [constant] + [run_name(SCHEDULE_MODEL, SCHEDULE_OPTIMIZER,
                                           records[constant]["hyperparameters"]["lr"], schedule)
                                  for schedule in COMPARED_SCHEDULES]
    first = records[selected[next(iter(SWEEP))]]
    best_record = records[main_runs[best]["name"]]
    return {
        "schema": SUMMARY_SCHEMA_ID,
        "command": command,
        "data": first["data"],
        "device": first["device"],
        "world_size": first["world_size"],
        "versions": versions(),
        "wall_time_s": sum(record["wall_time_s"] for record in records.values()),
        "epochs": len(first["epochs"]),
        "batch_size": first["hyperparameters"]["batch_size"],
        "flip": first["hyperparameters"]["flip"],
        "selection_rule": SELECTION_RULE,
        "runs": main_runs,
        "sweep": [{**final(run_name(model, optimizer, lr)),
                   "selected": run_name(model, optimizer, lr) in chosen}
                  for (model, optimizer), lrs in SWEEP.items() for lr in lrs],
        "schedules": {"model": SCHEDULE_MODEL, "optimizer": SCHEDULE_OPTIMIZER,
                      "runs": [final(name) for name in schedule_runs]},
        "best_run": best,
        "confusion": {"run": best, "class_names": first["data"]["class_names"],
                      "matrix": best_record["val_confusion"],
                      "accuracy": accuracy(best_record["val_confusion"])},
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

    ``summary["runs"]["small_cnn-adam"]["record"]["loss_per_step"]``, ``summary["sweep"]``,
    ``summary["schedules"]["runs"]``, ``summary["confusion"]["matrix"]``, ``summary["data"]``, ...
    """
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text())
    if summary.get("schema") != SUMMARY_SCHEMA_ID:
        raise ValueError(f"{folder / 'summary.json'} is not a reference summary ({SUMMARY_SCHEMA_ID}); "
                         f"run python -m autograder.training.reference again")
    records = {}
    for entry in [*summary["runs"].values(), *summary["sweep"], *summary["schedules"]["runs"]]:
        if entry["file"] not in records:
            records[entry["file"]] = read_run(folder / entry["file"])
        entry["record"] = records[entry["file"]]
    return summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m autograder.training.reference", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", help="data source, as autograder.data.load_subset takes it "
                                         "(default: its own default, the synthetic stand-in unless configured)")
    parser.add_argument("--root", help="the data source's folder (an ILSVRC-2012 copy, an Imagenette "
                                       "archive or its extracted folder)")
    parser.add_argument("--size", type=int, help="image size in pixels (default: 64 on a GPU, 32 on the CPU)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=REFERENCES,
                        help="where the JSON results and figures go (default: %(default)s)")
    parser.add_argument("--checkpoints", type=Path, default=Path("checkpoints"),
                        help="where the checkpoints go (default: %(default)s; not committed)")
    parser.add_argument("--per-class", type=int, help="at most this many images per class and split "
                                                      "(default: all; for a quick trial run)")
    parser.add_argument("--workers", type=int, help="processes preparing the images")
    parser.add_argument("--resume", action="store_true",
                        help="reuse every run whose checkpoint shows it was trained exactly as asked")
    parser.add_argument("--figures-only", action="store_true",
                        help="train nothing: redraw the figures from --out's summary and the checkpoints")
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


def redraw_figures(args: argparse.Namespace) -> None:
    """The figures of a written summary, from its checkpoints and the data it was trained on."""
    from .figures import draw_reference_figures

    summary = load_references(args.out)
    train_set, val_set = load_splits(args, summary["data"]["image_size"], distributed.World())
    draw_reference_figures(summary, args.out, args.checkpoints, train_set, val_set, args)


def main(argv: list[str] | None = None) -> None:
    start = time.perf_counter()
    args = parse_args(argv)
    if args.figures_only:
        redraw_figures(args)
        return
    world = distributed.init_from_env()
    size = args.size or (64 if pick_device().type == "cuda" else 32)
    train_set, val_set = load_splits(args, size, world)
    if world.is_main:
        kind = "SYNTHETIC stand-in (not ImageNet)" if train_set.is_synthetic else train_set.describe()
        print(f"Reference runs on {kind}: {len(train_set.labels)} training and {len(val_set.labels)} "
              f"validation images of {size} px, {len(train_set.class_names)} classes, {world.size} process(es)")
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                         progress=not args.no_progress)
    records, selected = reference_runs(train_set, val_set, config, args.checkpoints, args.resume)
    if world.is_main:
        arguments = sys.argv[1:] if argv is None else argv
        command = " ".join(["python -m autograder.training.reference", *arguments])
        for name, record in records.items():
            write_json(rounded(record), args.out / "runs" / f"{name}.json")
        summary = summarize(records, selected, command)
        write_json(rounded(summary), args.out / "summary.json")
        for name, record in records.items():
            chosen = " (selected)" if name in selected.values() else ""
            print(f"{name:30s} val accuracy {final_val_accuracy(record):.3f} ({record['wall_time_s']:.1f} s, "
                  f"{record['images_per_s']:.0f} images/s){chosen}")
        from .figures import draw_reference_figures

        draw_reference_figures(load_references(args.out), args.out, args.checkpoints, train_set, val_set, args)
        print(f"best: {summary['best_run']}; the runs took {summary['wall_time_s']:.1f} s "
              f"({time.perf_counter() - start:.1f} s now); results in {args.out}")
    distributed.shutdown()


if __name__ == "__main__":
    main()

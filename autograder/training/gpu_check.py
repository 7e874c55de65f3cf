"""The GPU run as one command: prepare the data at 64 and 128 px, train every reference run at 64 px
and a ResNet at 128 px, and print the speed and accuracy figures next to their targets.

    make gpu-check        # = python -m autograder.training.gpu_check (Imagenette in ../shared/)
    python -m autograder.training.gpu_check --source ilsvrc --root /data/imagenet --out gpu-check
    python -m autograder.training.gpu_check --tiny      # seconds on a CPU: what the tests run

Steps, each timed:

1. prepare the training and validation images at 64 and 128 px into a fresh cache under ``--out``
   (so that preparation is measured, not read back from an earlier cache);
2. every reference run of :mod:`.reference` (sweep and schedules) at 64 px; target: under
   :data:`TARGETS` ``["reference_training_s"]`` seconds of training in all;
3. a ResNet (:class:`.models.ResNet`) at 128 px with SGD with momentum, a one-cycle schedule,
   resized-crop augmentation and label smoothing; targets: validation accuracy of at least
   ``["resnet_accuracy"]`` within ``["resnet_wall_s"]`` seconds including its data preparation
   (the published Imagenette results for ResNet-size networks at 128 px are 85-92 % top-1).

It prints images/s, epoch times, wall times and final accuracies, and writes every run record and
``gpu_check.json`` (all figures, the device, the targets and whether each was met) under ``--out``.
``--tiny`` runs the same steps on a few images at 16 and 32 px for one epoch, on whatever device is
there: it checks that the script works, not how fast the GPU is. Without a GPU and without
``--tiny`` it refuses (the full run would take hours on a CPU).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.data.ilsvrc import DataSourceError

from .metrics import device_name, versions, write_json
from .models import build_model
from .optimizers import build_optimizer
from .reference import EPOCHS, reference_runs, rounded
from .trainer import TrainConfig, pick_device, save_checkpoint, train

TARGETS = {"reference_training_s": 60.0, "resnet_accuracy": 0.90, "resnet_wall_s": 120.0}
DEFAULT_SOURCE, DEFAULT_ROOT = "imagenette", Path(__file__).resolve().parents[3] / "shared" / "imagenette-160"


@dataclass(frozen=True)
class Setting:
    """What the check trains: image sizes, images per class (None: all), and the two trainings."""
    reference_size: int = 64
    resnet_size: int = 128
    per_class: int | None = None
    reference: TrainConfig = TrainConfig(epochs=EPOCHS, progress=False)
    resnet: TrainConfig = TrainConfig(epochs=36, batch_size=256, schedule="one-cycle", augment="resized-crop",
                                      label_smoothing=0.1, progress=False)
    resnet_lr: float = 0.4
    resnet_weight_decay: float = 5e-4


FULL = Setting()
TINY = Setting(reference_size=16, resnet_size=32, per_class=8,
               reference=TrainConfig(epochs=1, batch_size=16, progress=False),
               resnet=replace(FULL.resnet, epochs=1, batch_size=16))


def prepare(args: argparse.Namespace, setting: Setting) -> tuple[dict, list[dict]]:
    """Prepare both splits at both sizes into a fresh cache; returns ({size: (train, val)}, timings)."""
    from autograder.data import load_subset

    subsets, timings = {}, []
    for size in (setting.reference_size, setting.resnet_size):
        pair = []
        for split in ("train", "val"):
            start = time.perf_counter()
            subset = load_subset(split, size=size, source=args.source, root=args.root, per_class=setting.per_class,
                                 cache_dir=args.out / "cache", workers=args.workers, progress=False)
            seconds = time.perf_counter() - start
            timings.append({"size": size, "split": split, "images": len(subset), "seconds": seconds,
                            "images_per_s": len(subset) / seconds, "reused_cache": subset.manifest.get("reused_cache")})
            pair.append(subset)
        subsets[size] = tuple(pair)
    return subsets, timings


def train_resnet(train_set, val_set, setting: Setting, checkpoints: Path) -> dict:
    """The ResNet run of step 3; returns its record (checkpoint saved under ``checkpoints``)."""
    model = build_model("resnet", setting.resnet_size, train_set.num_classes)
    optimizer = build_optimizer("momentum", model.parameters(), setting.resnet_lr,
                                weight_decay=setting.resnet_weight_decay)
    record = train(model, optimizer, train_set, val_set, setting.resnet, model_name="resnet",
                   optimizer_name="momentum")
    save_checkpoint(checkpoints / "resnet.pt", model, optimizer, record)
    return record


def report(results: dict) -> str:
    """The figures side by side, one line each, and each target with its verdict."""
    lines = [f"device: {results['device']}; data: {results['data']}"]
    for t in results["preparation"]:
        lines.append(f"prepare {t['split']:5s} {t['size']:>3d} px: {t['images']:>6,d} images in {t['seconds']:6.1f} s "
                     f"({t['images_per_s']:,.0f} images/s)")
    for name, run in results["reference_runs"].items():
        lines.append(f"{name:32s} {run['wall_time_s']:6.1f} s  {run['images_per_s']:>9,.0f} images/s  "
                     f"val accuracy {run['final_val_accuracy']:.3f}")
    resnet = results["resnet"]
    lines.append(f"resnet {results['resnet_size']} px: epochs {', '.join(f'{s:.1f}' for s in resnet['epoch_s'])} s; "
                 f"{resnet['images_per_s']:,.0f} images/s; val accuracy {resnet['final_val_accuracy']:.3f}")
    for name, check in results["targets"].items():
        verdict = "(tiny run: the targets are for the full run on a GPU)" if results["tiny"] \
            else "-> met" if check["met"] else "-> NOT met"
        lines.append(f"target {name}: {check['measured']:.3f} against {check['target']:g} {verdict}")
    lines.append(f"whole check: {results['wall_time_s']:.1f} s")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m autograder.training.gpu_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="data source (default: %(default)s)")
    parser.add_argument("--root", help=f"its folder (default for imagenette: {DEFAULT_ROOT})")
    parser.add_argument("--out", type=Path, default=Path("gpu-check"), help="where records go (default: %(default)s)")
    parser.add_argument("--workers", type=int, help="processes preparing the images (default: one per core)")
    parser.add_argument("--tiny", action="store_true", help="a few images, one epoch: a check of the script")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    start = time.perf_counter()
    args = parse_args(argv)
    if args.root is None and args.source == DEFAULT_SOURCE:
        args.root = str(DEFAULT_ROOT)
    setting = TINY if args.tiny else FULL
    device = pick_device()
    if device.type != "cuda" and not args.tiny:
        print("error: no CUDA GPU found. The full check trains for hours on a CPU; run it on a GPU machine, "
              "or add --tiny to check the script on a few images.", file=sys.stderr)
        return 2
    try:
        subsets, timings = prepare(args, setting)
    except (DataSourceError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    reference_train, reference_val = subsets[setting.reference_size]
    records, _ = reference_runs(reference_train, reference_val, setting.reference, checkpoints=None)
    reference_seconds = sum(record["wall_time_s"] for record in records.values())
    resnet_train, resnet_val = subsets[setting.resnet_size]
    resnet = train_resnet(resnet_train, resnet_val, setting, args.out / "checkpoints")
    resnet_preparation = sum(t["seconds"] for t in timings if t["size"] == setting.resnet_size)
    resnet_accuracy = resnet["epochs"][-1]["val_accuracy"]
    for name, record in {**records, "resnet": resnet}.items():
        write_json(rounded(record), args.out / "runs" / f"{name}.json")
    results = {
        "command": " ".join(["python -m autograder.training.gpu_check", *(sys.argv[1:] if argv is None else argv)]),
        "tiny": args.tiny, "device": device_name(device), "versions": versions(),
        "data": reference_train.describe(), "preparation": timings,
        "reference_size": setting.reference_size, "resnet_size": setting.resnet_size,
        "reference_runs": {name: {"wall_time_s": r["wall_time_s"], "images_per_s": r["images_per_s"],
                                  "final_val_accuracy": r["epochs"][-1]["val_accuracy"]}
                           for name, r in records.items()},
        "resnet": {"epoch_s": [e["train_time_s"] for e in resnet["epochs"]], "images_per_s": resnet["images_per_s"],
                   "wall_time_s": resnet["wall_time_s"], "final_val_accuracy": resnet_accuracy,
                   "hyperparameters": resnet["hyperparameters"]},
        "targets": {
            "reference_training_s": {"target": TARGETS["reference_training_s"], "measured": reference_seconds,
                                     "met": reference_seconds <= TARGETS["reference_training_s"]},
            "resnet_accuracy": {"target": TARGETS["resnet_accuracy"], "measured": resnet_accuracy,
                                "met": resnet_accuracy >= TARGETS["resnet_accuracy"]},
            "resnet_wall_s": {"target": TARGETS["resnet_wall_s"],
                              "measured": resnet_preparation + resnet["wall_time_s"],
                              "met": resnet_preparation + resnet["wall_time_s"] <= TARGETS["resnet_wall_s"]},
        },
    }
    results["wall_time_s"] = time.perf_counter() - start
    write_json(rounded(results), args.out / "gpu_check.json")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

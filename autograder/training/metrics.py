"""The record of one training run, as JSON: what was trained, on what, how fast, and how well.

A run record is a plain dict (see :data:`RUN_SCHEMA`, a JSON Schema checked with ``jsonschema``):

- ``model``, ``optimizer``, ``num_parameters``, ``seed`` and ``hyperparameters`` (base learning
  rate, schedule, batch size, epochs, augmentation, label smoothing, the optimizer's own settings);
- ``data``: the subset's source, description and whether it is the synthetic stand-in
  (``is_synthetic``), image size, class names, number of training and validation images, the
  training images' hash where the subset's manifest has one;
- ``loss_per_step``: the training loss of every optimizer step (mean over the global batch);
- ``epochs``: per epoch, the learning rate at its first step, training loss and accuracy (on the
  augmented batches, as trained),
  validation loss and accuracy, seconds and training images per second;
- ``val_confusion``: the final confusion matrix on the validation set, rows = true class;
- ``wall_time_s``, ``images_per_s``, ``device``, ``world_size``, ``autocast``, ``deterministic``
  and ``versions`` (python, torch, numpy).
"""
from __future__ import annotations

import json
import platform
from pathlib import Path

import jsonschema
import numpy as np
import torch

from .batches import AUGMENTATIONS
from .schedules import SCHEDULES

SCHEMA_ID = "cnn2-training-run-2"

_NUMBER = {"type": "number"}
_COUNT = {"type": "integer", "minimum": 0}
_FRACTION = {"type": "number", "minimum": 0, "maximum": 1}
_OPTIONAL_NUMBER = {"type": ["number", "null"]}
_OPTIONAL_FRACTION = {"anyOf": [_FRACTION, {"type": "null"}]}

RUN_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["schema", "model", "optimizer", "num_parameters", "seed", "hyperparameters", "data",
                 "loss_per_step", "epochs", "val_confusion", "wall_time_s", "images_per_s", "device",
                 "world_size", "autocast", "deterministic", "versions", "normalization"],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "model": {"type": "string"},
        "optimizer": {"type": "string"},
        "num_parameters": _COUNT,
        "seed": {"type": "integer"},
        "hyperparameters": {
            "type": "object",
            "required": ["lr", "batch_size", "epochs", "pad", "flip", "augment", "schedule", "label_smoothing"],
            "properties": {"lr": _NUMBER, "batch_size": _COUNT, "epochs": _COUNT, "pad": _COUNT,
                           "flip": {"type": "boolean"}, "augment": {"enum": list(AUGMENTATIONS)},
                           "schedule": {"enum": list(SCHEDULES)},
                           "label_smoothing": _FRACTION},
        },
        "data": {
            "type": "object",
            "required": ["source", "is_synthetic", "image_size", "class_names", "num_train", "num_val"],
            "properties": {
                "source": {"type": "string"},
                "description": {"type": "string"},
                "train_images_sha256": {"type": ["string", "null"]},
                "is_synthetic": {"type": ["boolean", "null"]},
                "image_size": _COUNT,
                "class_names": {"type": "array", "items": {"type": "string"}},
                "synsets": {"type": "array", "items": {"type": "string"}},
                "num_train": _COUNT,
                "num_val": _COUNT,
            },
        },
        "loss_per_step": {"type": "array", "items": _NUMBER},
        "epochs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["epoch", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
                             "train_time_s", "images_per_s"],
                "properties": {"epoch": _COUNT, "lr": _NUMBER, "train_loss": _NUMBER, "train_accuracy": _FRACTION,
                               "val_loss": _OPTIONAL_NUMBER, "val_accuracy": _OPTIONAL_FRACTION,
                               "train_time_s": _NUMBER, "images_per_s": _NUMBER},
            },
        },
        "val_confusion": {"type": ["array", "null"], "items": {"type": "array", "items": _COUNT}},
        "wall_time_s": _NUMBER,
        "images_per_s": _NUMBER,
        "device": {"type": "string"},
        "world_size": {"type": "integer", "minimum": 1},
        "autocast": {"type": ["string", "null"]},
        "deterministic": {"type": "boolean"},
        "versions": {
            "type": "object",
            "required": ["python", "torch", "numpy"],
            "properties": {"python": {"type": "string"}, "torch": {"type": "string"},
                           "numpy": {"type": "string"}},
        },
        "normalization": {
            "type": "object",
            "required": ["mean", "std"],
            "properties": {"mean": {"type": "array", "items": _NUMBER, "minItems": 3, "maxItems": 3},
                           "std": {"type": "array", "items": _NUMBER, "minItems": 3, "maxItems": 3}},
        },
    },
}


def validate_run(record: dict) -> dict:
    """Return ``record`` if it follows :data:`RUN_SCHEMA`, else raise ``jsonschema.ValidationError``."""
    jsonschema.validate(record, RUN_SCHEMA)
    return record


def versions() -> dict:
    """Versions of the libraries a result depends on."""
    return {"python": platform.python_version(), "torch": str(torch.__version__), "numpy": np.__version__}


def device_name(device: torch.device) -> str:
    """A readable device name: the GPU's model (e.g. "NVIDIA H200") or "cpu (N threads)"."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({torch.get_num_threads()} threads)"


def write_json(record: dict, path: str | Path) -> Path:
    """Write a record as indented JSON (parent folders created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def read_run(path: str | Path) -> dict:
    """Load and validate one run record."""
    return validate_run(json.loads(Path(path).read_text()))

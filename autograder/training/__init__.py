"""Training on the image subset with PyTorch: one trainer for the book, the reference runs and the grader.

One concept per module:

- ``models``: the lecture's one-FC-layer softmax classifier, a small CNN and a ResNet (``build_model``).
- ``optimizers``: torch's SGD, momentum and Adam (``build_optimizer``), and ``StepRuleOptimizer``,
  which turns a numpy step rule from the optimizers chapter into a ``torch.optim.Optimizer``.
- ``batches``: the subset held on the device as uint8; batched crops, flips and normalisation there.
- ``schedules``: learning-rate schedules (constant, step, cosine, one-cycle).
- ``trainer``: ``train(model, optimizer, train_set, val_set, TrainConfig(...)) -> record``.
- ``distributed``: several processes under ``torchrun`` (DistributedDataParallel).
- ``metrics``: the JSON record of a run and its schema.
- ``reference``: the reference runs (``python -m autograder.training.reference``) and reading their
  committed results (``load_references``).
- ``figures``: the reference runs' figures (thumbnails, templates, accuracy curves, confusion, mistakes).
- ``gpu_check``: the GPU run as one command (``python -m autograder.training.gpu_check``, ``make gpu-check``).

Example (CPU, a few seconds)::

    from autograder.data import load_subset
    from autograder.training import TrainConfig, build_model, build_optimizer, train

    train_set, val_set = load_subset("train", size=32), load_subset("val", size=32)
    model = build_model("small_cnn", image_size=32, num_classes=len(train_set.class_names))
    record = train(model, build_optimizer("adam", model.parameters(), lr=1e-3), train_set, val_set,
                   TrainConfig(epochs=2))
    record["epochs"][-1]["val_accuracy"]
"""
from .batches import DeviceImages
from .metrics import read_run, validate_run
from .models import LinearClassifier, SmallCNN, build_model, count_parameters
from .optimizers import StepRuleOptimizer, build_optimizer
from .trainer import TrainConfig, evaluate, load_checkpoint, pick_device, save_checkpoint, train

__all__ = ["DeviceImages", "LinearClassifier", "SmallCNN", "StepRuleOptimizer", "TrainConfig",
           "build_model", "build_optimizer", "count_parameters", "evaluate", "load_checkpoint",
           "pick_device", "read_run", "save_checkpoint", "train", "validate_run"]

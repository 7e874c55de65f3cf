"""The check of a short training run: the student's loop and ``Adam`` train a small float32 CNN on four
classes of the synthetic stand-in at 16 px, and must reach the validation accuracy of the reference loop
with ``torch.optim.Adam`` within ``ACCURACY_MARGIN``."""
from __future__ import annotations

from collections.abc import Callable

import torch

from autograder.checks.capstone.driver import LOCAL, driver_for, state_after, warning_if_torch_optimizers_used
from autograder.compare import fail
from autograder.grading import torch_driver
from autograder.reference import capstone as ref
from autograder.torch_helpers import one_thread

ACCURACY_MARGIN = 0.05
RUN_CLASSES, RUN_SIZE, RUN_PER_CLASS, RUN_VAL_PER_CLASS = 4, 16, 60, 25
RUN_EPOCHS, RUN_BATCH, RUN_LR, RUN_WIDTHS = 4, 20, 1e-2, (16, 32)


def run_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The run's data: four classes of the synthetic stand-in (stripes at four orientations) at 16 px,
    normalised with the training set's channel statistics, the training images shuffled once.

    Returns x (240, 3, 16, 16) float32, t (240,) int64, x_val (100, 3, 16, 16) float32, t_val (100,)
    int64. Always the stand-in, whatever source is configured, so the check is the same everywhere.
    """
    from autograder.data import LECTURE_SYNSETS, load_subset

    def load(split: str, per_class: int):
        subset = load_subset(split, RUN_SIZE, source="synthetic", synsets=LECTURE_SYNSETS[:RUN_CLASSES],
                             per_class=per_class, progress=False)
        return torch.from_numpy(subset.images).permute(0, 3, 1, 2).float(), torch.from_numpy(subset.labels)

    x, t = load("train", RUN_PER_CLASS)
    x_val, t_val = load("val", RUN_VAL_PER_CLASS)
    mean, std = x.mean(dim=(0, 2, 3), keepdim=True), x.std(dim=(0, 2, 3), keepdim=True)
    order = torch.randperm(len(t), generator=torch.Generator().manual_seed(0))  # the subset is sorted by class
    return ((x[order] - mean) / std).contiguous(), t[order], (x_val - mean) / std, t_val


def run_model() -> list:
    """The run's network as the torch driver builds it (:func:`~autograder.grading.torch_driver.build_model`):
    ``SmallCNN(RUN_CLASSES, RUN_WIDTHS)``'s layers in order (conv-batch norm-ReLU-pool blocks, global
    average pooling, one linear layer), which the sandbox can build without ``autograder``."""
    blocks = []
    for c_in, c_out in zip((3, *RUN_WIDTHS), RUN_WIDTHS):
        blocks += [["Conv2d", c_in, c_out, 3, 1, False], ["BatchNorm2d", c_out], ["ReLU"], ["MaxPool2d", 2]]
    return [*blocks, ["AdaptiveAvgPool2d", 1], ["Flatten"], ["Linear", RUN_WIDTHS[-1], RUN_CLASSES]]


def training_run(train_one_epoch: Callable, optimizer_class, x, t, x_val, t_val, what: str | None = None) -> float:
    """Train the run's network (:func:`run_model`, seed 0) for RUN_EPOCHS epochs with ``train_one_epoch``
    and ``optimizer_class(params, lr=RUN_LR)``, where they live; returns the validation accuracy,
    computed here from the weights that came back. With ``what`` (the student's), a crash fails."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        state = torch_driver.model_state(torch_driver.build_model(run_model()))
    driver = driver_for(train_one_epoch) if what else LOCAL
    result = driver["run_epochs"](train_one_epoch, {"class": optimizer_class, "options": {"lr": RUN_LR}},
                                  run_model(), state, x.numpy(), t.numpy(), RUN_BATCH, RUN_EPOCHS)
    after = state_after(result, state, what)
    model = torch_driver.load_model(run_model(), {name: value.astype(state[name].dtype)
                                                  for name, value in after.items()})
    return ref.accuracy(model, x_val, t_val)


def check_training_run(train_one_epoch: Callable, Adam) -> None:
    """Your loop and your Adam train a small CNN for 4 epochs on 240 synthetic images; the validation
    accuracy must be within ACCURACY_MARGIN of the reference loop's with ``torch.optim.Adam``."""
    what = (f"{RUN_EPOCHS} epochs of your train_one_epoch with your Adam(lr={RUN_LR}) on "
            f"{RUN_CLASSES * RUN_PER_CLASS} images of the synthetic stand-in ({RUN_CLASSES} classes, "
            f"{RUN_SIZE} px, batches of {RUN_BATCH})")
    with one_thread():
        data = run_data()
        with warning_if_torch_optimizers_used(train_one_epoch):
            accuracy = training_run(train_one_epoch, Adam, *data, what=what)
        expected = training_run(ref.train_one_epoch, torch.optim.Adam, *data)
    if not abs(accuracy - expected) <= ACCURACY_MARGIN:
        fail(what, f"reached a validation accuracy of {accuracy:.2f} on {len(data[3])} images; the "
                   f"reference loop with torch.optim.Adam reaches {expected:.2f}, and the two must agree "
                   f"within {ACCURACY_MARGIN}. The checks above say which part differs.",
             requirement=f"the validation accuracy is not within {ACCURACY_MARGIN} of the reference's.")
    print(f"validation accuracy after {RUN_EPOCHS} epochs: yours {accuracy:.2f}, "
          f"reference {expected:.2f} (chance {1 / RUN_CLASSES:.2f})")


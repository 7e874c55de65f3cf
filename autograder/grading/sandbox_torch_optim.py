"""``torch.optim`` inside the capstone's grading sandbox: the base class ``Optimizer`` and
``lr_scheduler``, and nothing else.

:mod:`autograder.grading.sandbox` mounts this file as ``torch/optim/__init__.py`` over an otherwise empty
folder holding only torch's ``optimizer.py`` and ``lr_scheduler.py``: torch's optimizers (``SGD``,
``Adam``, ... and their functional forms) are not in the sandbox, so a student's class cannot hand its
work to them, whatever name or path it tries.
"""
from torch.optim import lr_scheduler as lr_scheduler
from torch.optim.optimizer import Optimizer as Optimizer

NOT_AVAILABLE = "is not available when graded: the capstone's optimizers are yours to write"
FILES = ("optimizer.py", "lr_scheduler.py")  # of torch's own torch/optim, the ones mounted


def __getattr__(name: str):
    raise AttributeError(f"torch.optim.{name} {NOT_AVAILABLE}")

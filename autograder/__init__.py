"""cnn2's course package: PyTorch reference implementations, the checks that grade students' numpy
code against them, and (in later modules) the data pipeline, reference training and grading pipeline.

Layout, one concept per module:

- ``autograder.compare``: comparing a student's array with a reference, with plain-words failure messages.
- ``autograder.reference.<topic>``: PyTorch reference implementations, float64.
- ``autograder.checks.<topic>``: the checks that the exercise notebooks' test cells call.
- ``autograder.hints``: the catalogue of known mistakes and the hint each one gets.
- ``autograder.optim_problems``: functions to minimise, with their gradients (optimizers chapter and checks).
- ``autograder.data``: the ImageNet subset (ILSVRC, Imagenette archives, or an offline synthetic stand-in).
- ``autograder.training``: the one trainer (models, optimizers incl. students' step rules, on-device
  batches, torchrun/DDP) and the reference runs.
- ``autograder.release``: regenerates the student notebooks in ``exercises/`` with nbgrader.
"""

"""The known implementations of assignment 07 (training on ImageNet): data for
tests/test_assignment_contracts.py. Its wrong optimizers and loops, classes and sources, are tried in
tests/test_checks_capstone.py; the contract runs the solution's hidden checks with ``OTHER_SEEDS`` too.
"""
SEED = 123  # the hidden checks' seed for the wrong implementations of tests/test_checks_capstone.py
OTHER_SEEDS = [SEED]

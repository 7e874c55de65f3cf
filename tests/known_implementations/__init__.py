"""Each assignment's known implementations, one module per topic (``known_implementations.<topic>``),
data for tests/test_assignment_contracts.py, which finds them through the registry's topic.

``CORRECT_VARIANTS``: other correct ways of writing an exercise, ``(exercise, function)`` params (a tuple
of functions where the check takes several) that the checks must pass. ``WRONG``: wrong implementations a
student could plausibly write, ``case(exercise, function, visible, hidden, id)``: how the self-check and
the hidden test must fail and which mistake (a key of ``HINTS``) they must name. Optional:
``OTHER_SEEDS`` (hidden-test seeds tried besides the notebook's; default ``check_harness.OTHER_SEEDS``),
``BROKEN``, ``OWN_BROKEN_TESTS`` and ``every_seed_speedup`` (see the contract test's docstring). A topic
without a module (06's answers) keeps only the contract's other parts.
"""

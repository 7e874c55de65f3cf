"""Each assignment's known implementations, one module per topic (``known_implementations.<topic>``),
found by tests/test_assignment_contracts.py through the registry's topic; see that test's docstring for
the names a module may define. A topic without one (06's answers) keeps only the contract's other parts.
"""

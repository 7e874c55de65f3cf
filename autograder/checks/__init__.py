"""The checks that the exercise notebooks' test cells call, one module per assignment topic.

Each student function has a visible check (``check_<name>``: quick, seeded, shown to students) and a
hidden one (``check_<name>_edge_cases``: the edge cases students tend to get wrong, run when graded).
"""

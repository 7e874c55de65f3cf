"""The checks that the exercise notebooks' test cells call, one module or package per assignment topic
(a package holds one module per concept, e.g. per layer or per loss, and re-exports its checks).

Each student function has a visible check (``check_<name>``: quick, seeded, shown to students) and a
hidden one (``check_<name>_edge_cases``: the edge cases students tend to get wrong, run when graded).
"""

"""nbgrader configuration for students (not the instructor's: that is the course root's nbgrader_config.py).

Found through JUPYTER_CONFIG_PATH (see the README's "For students"), so that `nbgrader validate` from any
folder and the Validate button read it, and nbgrader does not warn that no configuration was found.
"""
c = get_config()  # noqa: F821 (provided by nbgrader)

# nbgrader validate cuts every output line at Validator.width - 3 characters: wide enough that a failed
# check's lines, the likely mistake at their end, are printed whole.
c.Validator.width = 120
# The same per-cell limit as when graded (the instructor's nbgrader_config.py), so that a cell that
# validates does not time out when graded.
c.Execute.timeout = 60

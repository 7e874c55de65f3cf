"""Run nbgrader's command-line apps from Python, in a course directory."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader: this interpreter's bin/ first on PATH (nbgrader starts `alembic`
    from PATH to create the gradebook, and grading kernels must import ``autograder``)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run_nbgrader(course_root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` with ``course_root`` as working directory (nbgrader reads
    ``nbgrader_config.py`` from there). Raises ``RuntimeError`` with nbgrader's log when it fails."""
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_root,
                            env=nbgrader_env(), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed with exit code {result.returncode}:\n"
                           f"{result.stdout}\n{result.stderr}")
    return result

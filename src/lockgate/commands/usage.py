"""Usage mistakes: `CliError` is shown as one line (what is wrong, what to do), exit code 2.

Its own module, so that `python -m lockgate.cli` (where cli.py runs as `__main__`) and the
commands share one class."""

from __future__ import annotations

from pathlib import Path


class CliError(Exception):
    """An ordinary mistake: shown as one line saying what is wrong and what to do; exit code 2."""


def require_template(path: Path) -> Path:
    """The template file, or CliError when there is none (run outside the project)."""
    if not path.is_file():
        raise CliError(
            f"no {path} here: run lockgate in the project folder (beside template.yaml), or --template PATH"
        )
    return path

"""The CLI's one error class: `CliError` is shown as one line on stderr (what is wrong, what to do).

Exit status 2 for a mistake or a failure, 1 for a negative answer (`CliError(..., exit_code=NOT_FOUND)`:
no such endpoint, package, alarm, lineage). Its own module, so that `python -m lockgate.cli` (where
cli.py runs as `__main__`) and the commands share one class."""

from __future__ import annotations

from pathlib import Path

USAGE = 2  # a mistake (bad argument, unreachable endpoint, AWS refused): nothing changed
NOT_FOUND = 1  # a negative answer: what was asked for does not exist


class CliError(Exception):
    """An ordinary mistake or a negative answer: one line saying what is wrong and what to do."""

    def __init__(self, message: str, exit_code: int = USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def not_found(message: str) -> CliError:
    """A negative answer (exit status 1): `raise not_found("no such endpoint x; ...")`."""
    return CliError(message, NOT_FOUND)


def require_template(path: Path) -> Path:
    """The template file, or CliError when there is none (run outside the project)."""
    if not path.is_file():
        raise CliError(
            f"no {path} here: run lockgate in the project folder (beside template.yaml), or --template PATH"
        )
    return path

"""What ships is typed and small: `dict[str, Any]` in the Lambda layer and the handlers stays at 30 or
fewer, each at a true JSON boundary a comment names; no module is over 450 lines (issue 23)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOOSE = "dict[str, Any]"
BUDGET = 30


def _shipped() -> list[Path]:
    source = REPO / "layer" / "runtime_modules.py"
    spec = importlib.util.spec_from_file_location("runtime_modules_json", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handlers = sorted((REPO / "functions").glob("*/app.py"))
    return [*module.runtime_modules(REPO / "src", handlers).values(), *handlers]


def _uses(paths: list[Path]) -> list[tuple[Path, int, list[str]]]:
    found = []
    for path in paths:
        lines = path.read_text().splitlines()
        found += [(path, number, lines) for number, line in enumerate(lines) if LOOSE in line]
    return found


def _explained(lines: list[str], number: int) -> bool:
    """A `#` comment on the line or the one before, or within the statement's next two lines (a
    wrapped signature), or the docstring right after it."""
    near = lines[max(0, number - 1) : number + 3]
    return any("#" in line or '"""' in line for line in near)


def test_the_shipped_runtime_keeps_within_its_budget_of_loose_dicts() -> None:
    uses = _uses(_shipped())
    where = [f"{path.relative_to(REPO)}:{number + 1}" for path, number, _ in uses]
    assert len(uses) <= BUDGET, f"{len(uses)} `{LOOSE}` in what ships (budget {BUDGET}): {where}"


def test_every_loose_dict_that_ships_says_which_json_it_carries() -> None:
    bare = [
        f"{path.relative_to(REPO)}:{number + 1}"
        for path, number, lines in _uses(_shipped())
        if not _explained(lines, number)
    ]
    assert not bare, f"`{LOOSE}` without a comment naming its JSON boundary: {bare}"


def test_the_checks_see_a_bare_loose_dict(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from typing import Any\n\n\ndef f(x: dict[str, Any]) -> int:\n    return 1\n")
    ((_, number, lines),) = _uses([module])
    assert not _explained(lines, number)


def test_no_module_that_ships_or_runs_offline_is_over_450_lines() -> None:
    long = {
        str(path.relative_to(REPO)): lines
        for path in [*(REPO / "src").rglob("*.py"), *(REPO / "functions").rglob("*.py")]
        if (lines := len(path.read_text().splitlines())) > 450
    }
    assert not long, f"split these along a seam that reads well: {long}"

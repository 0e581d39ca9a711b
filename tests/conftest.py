"""Shared test helpers: load a function's handler module by its folder name."""

from __future__ import annotations

import importlib.util
import random
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
# tests/notebook needs the `notebook` extra (the Step Functions Data Science SDK on sagemaker 2.x),
# which lives in its own venv: `make notebook` runs them there.
collect_ignore_glob = [] if importlib.util.find_spec("stepfunctions") else ["notebook/*"]


@pytest.fixture(scope="session")
def load_handler() -> Callable[[str], ModuleType]:
    """The loader below, as a fixture (test modules cannot import conftest)."""
    return _load_handler


def _load_handler(function_dir: str) -> ModuleType:
    """Import functions/<dir>/app.py under a unique module name (every function has an app.py)."""
    path = REPO / "functions" / function_dir / "app.py"
    name = f"lockgate_function_{function_dir}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    # A fresh Lambda container has no metrics yet; Powertools keeps them process-wide (one set for
    # every Metrics()), so what an earlier test file added without a flush would land in this
    # handler's first EMF record (the files run in a random order).
    if hasattr(module, "metrics"):
        module.metrics.clear_metrics()
    return module


# -- Test files in a random order (`--file-order random`, the seed printed in the header; give
# `--file-order-seed N` to repeat one). Tests inside a file keep their order; the files are shuffled,
# so a file that passes only after another one fails here. The seed travels to pytest-xdist's
# workers, which must all collect the same order.

_SEED_KEY = "lockgate_file_order_seed"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lockgate")
    group.addoption(
        "--file-order",
        choices=["declared", "random"],
        default="declared",
        help="run test files in their declared order (default) or shuffled",
    )
    group.addoption("--file-order-seed", type=int, default=None, help="the shuffle's seed (default: new)")


def _file_order_seed(config: pytest.Config) -> int | None:
    if config.getoption("file_order") != "random":
        return None
    worker_input = getattr(config, "workerinput", None)
    if worker_input is not None:
        return int(worker_input[_SEED_KEY])
    if not hasattr(config, "_lockgate_seed"):
        given = config.getoption("file_order_seed")
        config._lockgate_seed = given if given is not None else random.SystemRandom().randrange(10**6)  # type: ignore[attr-defined]
    return int(config._lockgate_seed)  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker shuffles with the controller's seed."""
    seed = _file_order_seed(node.config)
    if seed is not None:
        node.workerinput[_SEED_KEY] = seed


def pytest_report_header(config: pytest.Config) -> str | None:
    seed = _file_order_seed(config)
    return None if seed is None else f"test files in random order: --file-order-seed {seed}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seed = _file_order_seed(config)
    if seed is None:
        return
    by_file: dict[Path, list[pytest.Item]] = {}
    for item in items:
        by_file.setdefault(item.path, []).append(item)
    files = list(by_file)
    random.Random(seed).shuffle(files)
    items[:] = [item for path in files for item in by_file[path]]

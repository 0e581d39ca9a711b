"""Shared test helpers: load a function's handler module by its folder name."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

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
    return module

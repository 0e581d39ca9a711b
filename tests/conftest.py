"""Shared test helpers: load a function's handler module by its folder name."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


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

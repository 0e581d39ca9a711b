"""layer/runtime_modules.py: the layer gets what the handlers import, never the offline tooling."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("runtime_modules", REPO / "layer" / "runtime_modules.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["runtime_modules"] = module
    spec.loader.exec_module(module)
    return module


runtime_modules = _load()


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_real_layer_has_every_handler_import_and_no_offline_tooling(tmp_path: Path) -> None:
    copied = runtime_modules.copy_runtime(REPO / "src", REPO / "functions", tmp_path)
    for offline in runtime_modules.OFFLINE:
        assert not any(m == offline or m.startswith(offline + ".") for m in copied)
        assert not tmp_path.joinpath(*offline.split(".")).exists()
        assert not tmp_path.joinpath(*offline.split(".")).with_suffix(".py").exists()
    for handler in (REPO / "functions").glob("*/app.py"):
        for node in ast.walk(ast.parse(handler.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lockgate"):
                assert node.module in copied, f"{handler}: {node.module} not in the layer"
    for module in copied:  # and every copied module's file is there
        parts = module.split(".")
        assert tmp_path.joinpath(*parts).with_suffix(".py").is_file() or (
            tmp_path.joinpath(*parts, "__init__.py").is_file()
        )


def test_follows_relative_and_nested_imports_and_skips_type_checking(tmp_path: Path) -> None:
    _write(
        tmp_path / "src",
        {
            "lockgate/__init__.py": "",
            "lockgate/a/__init__.py": "from . import b\n",
            "lockgate/a/b.py": "def f():\n    from ..c import g\n",
            "lockgate/a/schema.json": "{}",
            "lockgate/c.py": "import typing\nif typing.TYPE_CHECKING:\n    import lockgate.local\n",
            "lockgate/local/__init__.py": "",
            "lockgate/unused.py": "",
        },
    )
    _write(tmp_path / "functions", {"fn/app.py": "from lockgate.a import b\n"})
    out = tmp_path / "out"
    copied = runtime_modules.copy_runtime(tmp_path / "src", tmp_path / "functions", out)
    assert copied == ["lockgate", "lockgate.a", "lockgate.a.b", "lockgate.c"]
    assert (out / "lockgate/a/schema.json").is_file()
    assert not (out / "lockgate/unused.py").exists()


def test_a_runtime_module_that_imports_offline_tooling_fails_the_build(tmp_path: Path) -> None:
    _write(
        tmp_path / "src",
        {
            "lockgate/__init__.py": "",
            "lockgate/pipeline.py": "from lockgate.local.cloud import LocalCloud\n",
            "lockgate/local/__init__.py": "",
            "lockgate/local/cloud.py": "",
        },
    )
    _write(tmp_path / "functions", {"fn/app.py": "import lockgate.pipeline\n"})
    with pytest.raises(SystemExit, match=r"lockgate\.local \(imported by lockgate\.pipeline\)"):
        runtime_modules.copy_runtime(tmp_path / "src", tmp_path / "functions", tmp_path / "out")

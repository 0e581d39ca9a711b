"""Copy into the layer the lockgate modules the Lambda handlers import, and only those.

The layer gets the runtime package by construction: starting from functions/*/app.py, follow every
static import into src/lockgate (imports inside functions included, `if TYPE_CHECKING:` blocks
not: they never run) and copy the modules reached, their packages' __init__.py and the packages'
data files (JSON, YAML, HTML). The offline tooling (the local cloud, the CLI, its commands, the
sample data) is reached from no handler, so it is never copied; if a runtime module ever imports
it, the build fails and names the import, rather than shipping moto-dependent code to Lambda.

Usage: python runtime_modules.py <src dir> <functions dir> <target python/ dir>
"""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

PACKAGE = "lockgate"
OFFLINE = ("lockgate.local", "lockgate.commands", "lockgate.cli", "lockgate.sample_data")
DATA_SUFFIXES = (".json", ".yaml", ".yml", ".html", ".typed")


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, package: str) -> list[str]:
    """Dotted names a module imports (relative ones resolved against `package`), outside TYPE_CHECKING."""
    names: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names)  # maybe submodules
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def _module_file(src: Path, name: str) -> Path | None:
    """src/lockgate/a/b.py or src/lockgate/a/b/__init__.py for 'lockgate.a.b', else None."""
    path = src.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def runtime_modules(src: Path, handlers: list[Path]) -> dict[str, Path]:
    """Every lockgate module reachable from the handlers: dotted name -> file."""
    found: dict[str, Path] = {}
    importers: dict[str, str] = {}
    pending = [(name, str(h)) for h in handlers for name in _imports(ast.parse(h.read_text()), "")]
    while pending:
        name, importer = pending.pop()
        if name != PACKAGE and not name.startswith(PACKAGE + "."):
            continue
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):  # the packages along the way run their __init__ too
            module = ".".join(parts[:depth])
            path = _module_file(src, module)
            if path is None or module in found:
                continue
            found[module] = path
            importers[module] = importer
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            pending += [(n, module) for n in _imports(ast.parse(path.read_text()), package)]
    offline = sorted(m for m in found if any(m == o or m.startswith(o + ".") for o in OFFLINE))
    if offline:
        why = ", ".join(f"{m} (imported by {importers[m]})" for m in offline)
        raise SystemExit(f"layer: the runtime package would pull in offline tooling: {why}")
    return found


def copy_runtime(src: Path, functions: Path, target: Path) -> list[str]:
    """Copy the reachable modules and their packages' data files under target; returns the modules."""
    modules = runtime_modules(src, sorted(functions.glob("*/app.py")))
    packages = {path.parent for path in modules.values()}
    files = set(modules.values())
    files |= {f for p in packages for f in p.iterdir() if f.is_file() and f.suffix in DATA_SUFFIXES}
    for path in sorted(files):
        destination = target / path.relative_to(src)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    return sorted(modules)


if __name__ == "__main__":
    src_dir, functions_dir, target_dir = (Path(arg) for arg in sys.argv[1:4])
    copied = copy_runtime(src_dir, functions_dir, target_dir)
    print(f"layer: {len(copied)} lockgate modules reached from the handlers")

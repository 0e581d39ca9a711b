"""The layers of src/lockgate, read from every module's import statements (AST, imports inside
functions and `if TYPE_CHECKING:` blocks included): no import runs back up.

    functions/*/app.py -> composition -> adapters -> domain -> messages

A domain module that must reach AWS declares a port (a Protocol) and the composition module of
its function passes the adapter in.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOMAIN = (
    "data",
    "bias",
    "pipeline",
    "deployment",
    "registry",
    "remediation",
    "monitoring",
    "evaluation",
    "serving",
)
OFFLINE = ("commands", "local", "cli", "review_console")  # tooling no runtime layer may import
# layer -> the lockgate packages it must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "messages": (*DOMAIN, "adapters", "composition", *OFFLINE),
    **dict.fromkeys(DOMAIN, ("adapters", "composition", *OFFLINE)),
    "adapters": ("composition", *OFFLINE),
    "composition": OFFLINE,
}
# What a handler may import of lockgate: its composition module, the message models, the tracer.
HANDLER_ALLOWED = ("composition", "messages", "tracing")


def lockgate_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every `lockgate.*` import in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.startswith("lockgate.")]


def _layer(module: str) -> str:
    return module.split(".")[1]


def violations(src: Path) -> list[str]:
    """Each import under src/lockgate that runs back up a layer, as `file:line imports module`."""
    found = []
    for path in sorted((src / "lockgate").rglob("*.py")):
        parts = path.relative_to(src / "lockgate").with_suffix("").parts
        forbidden = FORBIDDEN.get(parts[0], ())
        for line, name in lockgate_imports(path):
            if _layer(name) in forbidden:
                found.append(f"{path.relative_to(src)}:{line} imports {name}")
    return found


def handler_violations(functions: Path) -> list[str]:
    """Each handler import of lockgate beyond its composition module, messages and the tracer."""
    return [
        f"{path.relative_to(functions)}:{line} imports {name}"
        for path in sorted(functions.glob("*/app.py"))
        for line, name in lockgate_imports(path)
        if _layer(name) not in HANDLER_ALLOWED
    ]


def test_no_import_in_src_lockgate_runs_back_up_a_layer() -> None:
    assert violations(REPO / "src") == []


def test_handlers_import_only_composition_messages_and_the_tracer() -> None:
    assert handler_violations(REPO / "functions") == []


def test_every_domain_package_and_layer_exists() -> None:  # a renamed package must not escape the rules
    for package in (*DOMAIN, "messages", "adapters", "composition"):
        assert (REPO / "src" / "lockgate" / package / "__init__.py").is_file(), package


def test_the_checks_see_an_import_that_runs_back_up(tmp_path: Path) -> None:
    files = {
        "lockgate/messages/deploy.py": "from lockgate.deployment.variants import check_weights\n",
        "lockgate/deployment/service.py": "def f():\n    import lockgate.adapters.s3\n",
        "lockgate/adapters/s3.py": "from lockgate.composition.settings import HandlerSettings\n",
        "lockgate/pipeline/ok.py": "from lockgate.messages import base\nfrom lockgate.data import x\n",
        "functions/fn/app.py": "from lockgate.composition import fn\nfrom lockgate.adapters.s3 import S3\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert violations(tmp_path) == [
        "lockgate/adapters/s3.py:1 imports lockgate.composition.settings",
        "lockgate/deployment/service.py:2 imports lockgate.adapters.s3",
        "lockgate/messages/deploy.py:1 imports lockgate.deployment.variants",
    ]
    assert handler_violations(tmp_path / "functions") == ["fn/app.py:2 imports lockgate.adapters.s3"]

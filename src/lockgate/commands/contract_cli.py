"""`lockgate contract check FILE...` and `lockgate contract migrate FILE`: dataset contracts, locally.

check: every problem with its line and column (`FILE:LINE:COLUMN: field: message`), after migrating an
older schema in memory (said as a deprecation); exit 0 valid, 1 invalid. migrate: rewrites an older
schema's file in the current schema, editing only what changed (comments and layout stay).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lockgate.commands.usage import CliError


def add_parsers(sub: Any) -> None:
    """`contract check|migrate` (cli.py calls this once)."""
    contract = sub.add_parser("contract", help="check a dataset contract locally, or migrate an older one")
    actions = contract.add_subparsers(dest="contract_command", required=True, help="check or migrate")
    check = actions.add_parser(
        "check",
        help="validate contract files; every error with its line and column (exit 1 when one is invalid)",
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE", help="contract YAML or JSON files")
    migrate_parser = actions.add_parser(
        "migrate", help="rewrite a contract of an older schema in the current schema, in place"
    )
    migrate_parser.add_argument("file", type=Path, metavar="FILE", help="contract YAML or JSON file")
    migrate_parser.add_argument(
        "--stdout", action="store_true", help="print the migrated contract instead of rewriting FILE"
    )


def run_contract(args: argparse.Namespace) -> int:
    """Dispatch check / migrate."""
    if args.contract_command == "check":
        return _check(args.files)
    return _migrate(args.file, to_stdout=args.stdout)


def contract_errors(text: str, source: str) -> list[tuple[int, int, str, str]]:
    """Every problem of a contract's text as (line, column, field, message); [] when it is valid."""
    import yaml
    from pydantic import ValidationError

    from lockgate.data.contract import Contract, field_path
    from lockgate.data.contract_schema import locate, migrate
    from lockgate.errors import ContractInvalid

    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return [(line, column, "<syntax>", " ".join(str(getattr(exc, "problem", exc)).split()))]
    if not isinstance(data, dict):
        return [(1, 1, "<root>", "must be a mapping")]
    try:
        Contract.model_validate(migrate(data, source)[0])
    except ContractInvalid as exc:
        return [(*locate(text, (exc.field,)), exc.field, exc.detail)]
    except ValidationError as exc:
        return [(*locate(text, tuple(e["loc"])), field_path(tuple(e["loc"])), e["msg"]) for e in exc.errors()]
    return []


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc.strerror if isinstance(exc, OSError) else exc}") from exc


def _check(files: list[Path]) -> int:
    from lockgate.data.contract import load_contract
    from lockgate.data.contract_schema import CURRENT_SCHEMA_VERSION

    invalid = 0
    for path in files:
        text = _read(path)
        errors = contract_errors(text, str(path))
        for line, column, field, message in errors:
            print(f"{path}:{line}:{column}: {field}: {message}")
        if errors:
            invalid += 1
            continue
        contract = load_contract(text, str(path))
        for note in contract.deprecations:
            print(f"{path}: deprecated: {note.removeprefix(f'{path}: ')}")
        print(f"{path}: valid contract of dataset {contract.name} (schema_version {CURRENT_SCHEMA_VERSION})")
    if invalid:
        print(f"{invalid} of {len(files)} contract(s) invalid", file=sys.stderr)
    return 1 if invalid else 0


def _migrate(path: Path, *, to_stdout: bool) -> int:
    import yaml

    from lockgate.data.contract_schema import CURRENT_SCHEMA_VERSION, migrate, migrate_text
    from lockgate.errors import ContractInvalid

    text = _read(path)
    source = str(path)
    try:
        new_text, notes = migrate_text(text, source)
    except ContractInvalid as exc:
        raise CliError(f"{exc}; nothing changed") from exc
    expected = migrate(yaml.safe_load(text), source)[0]
    if yaml.safe_load(new_text) != expected:  # the in-place edit must say what the in-memory migration says
        raise CliError(
            f"{path}: cannot rewrite this layout safely; nothing changed (edit format.type by hand)"
        )
    if to_stdout:
        sys.stdout.write(new_text)
        return 0
    if new_text == text:
        print(f"{path}: already schema_version {CURRENT_SCHEMA_VERSION}; unchanged")
        return 0
    path.write_text(new_text, encoding="utf-8")
    for note in notes:
        print(f"migrated: {note.removeprefix(f'{source}: ')}")
    print(
        f"{path}: rewritten as schema_version {CURRENT_SCHEMA_VERSION}; "
        f"check it with `lockgate contract check {path}`"
    )
    return 0

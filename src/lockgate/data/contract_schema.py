"""Contract schema versions: every shape this repository ever published still loads.

History (`git log -p -- contracts/ src/lockgate/data/contract.py`):

- schema 1 (2026-11-22, 2112d3d): `format.type: csv | parquet`, one file format per dataset
  (default csv). Later sections (bias intervals, training, evaluation, approval) were added to it
  on branches, so a schema-1 contract may carry them too.
- schema 2 (2026-12-02, 43306f0): `format.accept: [csv, parquet]`, each file's format decided
  from its name and bytes; `type` is gone. Sections added since (training, evaluation, approval,
  deployment) are optional, so they did not need a new version. `schema_version` itself is new
  with schema 2: a contract without it is schema 2, or schema 1 when it has `format.type`.

`migrate` brings a parsed contract to the current schema in memory and says what it changed (the
deprecation lines reports carry); `migrate_text` rewrites a file's text the same way, in place,
keeping its comments and layout. `locate` maps a field path to the YAML line and column.
"""

from __future__ import annotations

import copy

import yaml

from lockgate.errors import ContractInvalid
from lockgate.messages.base import JsonObject

CURRENT_SCHEMA_VERSION = 2
SCHEMA_FIELD = "schema_version"


def schema_version_of(data: JsonObject, source: str) -> int:
    """The schema a parsed contract is written for (explicit, else inferred from its shape).

    `data` is the contract as YAML parsed it, before any model (a true JSON boundary)."""
    if SCHEMA_FIELD in data:
        version = data[SCHEMA_FIELD]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ContractInvalid(source, SCHEMA_FIELD, f"must be a positive integer, got {version!r}")
        if version > CURRENT_SCHEMA_VERSION:
            raise ContractInvalid(
                source,
                SCHEMA_FIELD,
                f"{version} is newer than this Lockgate knows (up to {CURRENT_SCHEMA_VERSION}): "
                "upgrade lockgate",
            )
        return version
    fmt = data.get("format")
    return 1 if isinstance(fmt, dict) and "type" in fmt else CURRENT_SCHEMA_VERSION


def migrate(data: JsonObject, source: str) -> tuple[JsonObject, list[str]]:
    """(the contract in the current schema, one deprecation line per change); `data` is not changed.

    Both are the contract as parsed YAML, before `Contract.model_validate` (a true JSON boundary)."""
    version = schema_version_of(data, source)
    migrated, notes = copy.deepcopy(data), list[str]()
    if version == 1:
        fmt = migrated.get("format")
        if fmt is None:
            fmt = migrated["format"] = {}
        if isinstance(fmt, dict):
            kind = fmt.pop("type", "csv")  # schema 1's default
            fmt.setdefault("accept", [kind])
            notes.append(
                f"{source}: schema 1 contract (format.type: {kind}) read as schema "
                f"{CURRENT_SCHEMA_VERSION} (format.accept: [{kind}]); format.type is deprecated: "
                f"rewrite the file with `lockgate contract migrate {source}`"
            )
    migrated[SCHEMA_FIELD] = CURRENT_SCHEMA_VERSION
    return migrated, notes


def migrate_text(text: str, source: str) -> tuple[str, list[str]]:
    """The file's text in the current schema, edited in place (comments and layout kept), and
    the deprecation lines of what changed; the same text back when it is current already."""
    root = _compose(text, source)
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise ContractInvalid(source, "<root>", "must be a mapping")
    version = schema_version_of(data, source)
    _, notes = migrate(data, source)
    edits: list[tuple[int, int, str]] = []
    if version == 1:
        format_node = _child(root, "format")
        if isinstance(format_node, yaml.MappingNode):
            for key, value in format_node.value:
                if key.value == "type":
                    edits.append((key.start_mark.index, value.end_mark.index, f"accept: [{value.value}]"))
        elif format_node is None:  # schema 1 without a format section: its default was csv only
            edits.append(
                (len(text), len(text), ("" if text.endswith("\n") else "\n") + "format: {accept: [csv]}\n")
            )
    version_node = _child(root, SCHEMA_FIELD)
    if version_node is not None:
        if version_node.value != str(CURRENT_SCHEMA_VERSION):
            edits.append(
                (version_node.start_mark.index, version_node.end_mark.index, str(CURRENT_SCHEMA_VERSION))
            )
    elif root.flow_style:
        start = root.start_mark.index + 1
        edits.append((start, start, f"{SCHEMA_FIELD}: {CURRENT_SCHEMA_VERSION}, "))
    else:
        first = root.value[0][0].start_mark
        line_start = first.index - first.column
        edits.append((line_start, line_start, f"{SCHEMA_FIELD}: {CURRENT_SCHEMA_VERSION}\n"))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text, notes


def locate(text: str, loc: tuple[int | str, ...]) -> tuple[int, int]:
    """(line, column), 1-based, of the deepest node of `loc` the YAML text has (the root: 1, 1)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return 1, 1
    where = node.start_mark if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                continue  # pydantic's own validator names, or a field the text lacks: stay here
            where, node = pair[0].start_mark, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            where = node.start_mark
        elif isinstance(part, str) and not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            break
    return (where.line + 1, where.column + 1) if where is not None else (1, 1)


def _compose(text: str, source: str) -> yaml.Node | None:
    try:
        return yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ContractInvalid(source, "<syntax>", str(exc).replace("\n", " ")) from exc


def _child(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    return next((v for k, v in mapping.value if k.value == key), None)

"""What an EventBridge target receives: Input, InputPath or InputTransformer applied to an event.

Pure functions (no moto): the moto patch for rule targets calls `target_input`.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_MISSING = object()


def target_input(event: dict[str, Any], target: dict[str, Any]) -> str:
    """The JSON text the target is invoked with, as EventBridge builds it."""
    if "Input" in target and target["Input"] is not None:
        return str(target["Input"])
    if target.get("InputPath"):
        return json.dumps(json_path(event, target["InputPath"]))
    transformer = target.get("InputTransformer")
    if transformer:
        return render_template(event, transformer.get("InputPathsMap", {}), transformer["InputTemplate"])
    return json.dumps(event)


def json_path(document: Any, path: str) -> Any:
    """Evaluate the simple JSONPath EventBridge allows ($, $.a.b, $.a[0]); missing -> None."""
    if path in ("$", ""):
        return document
    if not path.startswith("$."):
        raise ValueError(f"unsupported JSONPath {path!r}: it must start with '$.'")
    current: Any = document
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path[2:]):
        if part.startswith("["):
            index = int(part[1:-1])
            current = current[index] if isinstance(current, list) and index < len(current) else _MISSING
        else:
            current = current.get(part, _MISSING) if isinstance(current, dict) else _MISSING
        if current is _MISSING:
            return None
    return current


def render_template(event: dict[str, Any], paths: dict[str, str], template: str) -> str:
    """Fill <name> placeholders: raw text inside quotes, JSON outside, as EventBridge does."""
    values = {name: json_path(event, path) for name, path in paths.items()}
    values["aws.events.event"] = event
    values["aws.events.event.json"] = event

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        inside_quotes = _inside_string(template, match.start())
        if inside_quotes and isinstance(value, str):
            return json.dumps(value)[1:-1]
        if inside_quotes and value is None:
            return ""
        return json.dumps(value)

    return _PLACEHOLDER.sub(fill, template)


def _inside_string(template: str, position: int) -> bool:
    """True when `position` lies inside a JSON string literal of the template."""
    inside, escaped = False, False
    for char in template[:position]:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = inside
        elif char == '"':
            inside = not inside
    return inside

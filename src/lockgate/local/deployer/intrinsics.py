"""CloudFormation intrinsic functions, resolved offline against what the deployer has created.

A `Resolver` knows the parameters, pseudo-parameters, mappings, conditions and the resources created
so far; `resolve` turns a template fragment into plain data. `references` lists the logical ids a
fragment depends on, so the deployer can create resources in dependency order.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lockgate.local.deployer.model import PhysicalResource

NO_VALUE = object()  # AWS::NoValue: the enclosing key or list item disappears
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class IntrinsicError(ValueError):
    """A fragment cannot be resolved (unknown reference, malformed function)."""


@dataclass
class Resolver:
    """Resolves intrinsics for one stack.

    `placeholder` is called for a reference to a resource that was not created (unsupported type):
    it returns a stand-in value (and warns) instead of failing the whole deployment.
    """

    parameters: dict[str, Any]
    pseudo: dict[str, str]
    resources: dict[str, PhysicalResource] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    condition_defs: dict[str, Any] = field(default_factory=dict)
    placeholder: Callable[[str, str | None], str] | None = None
    _conditions: dict[str, bool] = field(default_factory=dict)

    # --- conditions -------------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        """The value of a named condition from the template's Conditions section."""
        if name not in self._conditions:
            if name not in self.condition_defs:
                raise IntrinsicError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self._evaluate(self.condition_defs[name]))
        return self._conditions[name]

    def _evaluate(self, expr: Any) -> Any:
        if isinstance(expr, dict) and len(expr) == 1:
            ((key, arg),) = expr.items()
            if key == "Fn::Equals":
                left, right = (self.resolve(a) for a in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self._evaluate(arg[0])
            if key == "Fn::And":
                return all(self._evaluate(a) for a in arg)
            if key == "Fn::Or":
                return any(self._evaluate(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
        value = self.resolve(expr)
        return value if isinstance(value, bool) else str(value).lower() == "true"

    # --- resolution -------------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic replaced by its result; AWS::NoValue entries removed."""
        if isinstance(value, list):
            items = (self.resolve(v) for v in value)
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = _FUNCTIONS.get(key)
            # {"Condition": ...} is a function only with a name (an IAM statement's Condition is a map)
            if handler is not None and (key != "Condition" or isinstance(arg, str)):
                return handler(self, arg)
        out = {}
        for k, v in value.items():
            resolved = self.resolve(v)
            if resolved is not NO_VALUE:
                out[k] = resolved
        return out

    def ref(self, name: str) -> Any:
        """Ref: a parameter, a pseudo-parameter or a resource's physical id."""
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return self.resources[name].physical_id
        return self._missing(name, None)

    def get_att(self, name: str, attribute: str) -> Any:
        """Fn::GetAtt: an attribute recorded when the resource was created."""
        resource = self.resources.get(name)
        if resource is None:
            return self._missing(name, attribute)
        if attribute in resource.attributes:
            return resource.attributes[attribute]
        raise IntrinsicError(f"{name} ({resource.type}) has no attribute {attribute!r} offline")

    def _missing(self, name: str, attribute: str | None) -> str:
        if self.placeholder is None:
            target = f"{name}.{attribute}" if attribute else name
            raise IntrinsicError(f"unresolvable reference {target!r}")
        return self.placeholder(name, attribute)

    def sub(self, arg: Any) -> str:
        """Fn::Sub in both forms: a string, or [string, {Var: value}]."""
        if isinstance(arg, str):
            template, variables = arg, {}
        else:
            template, variables = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}

        def replace(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("!"):
                return "${" + expr[1:] + "}"
            expr = expr.strip()
            if expr in variables:
                return str(variables[expr])
            if "." in expr and not expr.startswith("AWS::"):
                name, attribute = expr.split(".", 1)
                return str(self.get_att(name, attribute))
            return str(self.ref(expr))

        return _SUB_VAR.sub(replace, template)


def _if(r: Resolver, arg: list[Any]) -> Any:
    name, when_true, when_false = arg
    return r.resolve(when_true if r.condition(name) else when_false)


def _get_att(r: Resolver, arg: Any) -> Any:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    name, attribute = (r.resolve(a) for a in arg)
    return r.get_att(name, attribute)


def _join(r: Resolver, arg: list[Any]) -> str:
    delimiter, items = arg
    return str(delimiter).join(str(v) for v in r.resolve(items))


def _select(r: Resolver, arg: list[Any]) -> Any:
    index, items = r.resolve(arg[0]), r.resolve(arg[1])
    return items[int(index)]


def _split(r: Resolver, arg: list[Any]) -> list[str]:
    delimiter, text = arg
    return str(r.resolve(text)).split(delimiter)


def _find_in_map(r: Resolver, arg: list[Any]) -> Any:
    name, top, second = (r.resolve(a) for a in arg[:3])
    try:
        return r.mappings[name][top][second]
    except KeyError as exc:
        raise IntrinsicError(f"Fn::FindInMap: no {name}/{top}/{second}") from exc


def _base64(r: Resolver, arg: Any) -> str:
    return base64.b64encode(str(r.resolve(arg)).encode()).decode()


def _get_azs(r: Resolver, arg: Any) -> list[str]:
    region = r.resolve(arg) or r.pseudo["AWS::Region"]
    return [f"{region}{letter}" for letter in "abc"]


_FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": lambda r, a: r.ref(r.resolve(a)),
    "Fn::GetAtt": _get_att,
    "Fn::Sub": lambda r, a: r.sub(a),
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": _base64,
    "Fn::GetAZs": _get_azs,
    "Fn::ToJsonString": lambda r, a: json.dumps(r.resolve(a), separators=(",", ":")),
    "Fn::Length": lambda r, a: len(r.resolve(a)),
    "Fn::Equals": lambda r, a: r._evaluate({"Fn::Equals": a}),
    "Fn::Not": lambda r, a: r._evaluate({"Fn::Not": a}),
    "Fn::And": lambda r, a: r._evaluate({"Fn::And": a}),
    "Fn::Or": lambda r, a: r._evaluate({"Fn::Or": a}),
    "Condition": lambda r, a: r.condition(a),
}


def references(value: Any, known: set[str]) -> set[str]:
    """The logical ids in `known` that `value` refers to (Ref, GetAtt, ${X} / ${X.Attr} in Sub)."""
    found: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, list):
            for item in v:
                walk(item)
            return
        if not isinstance(v, dict):
            return
        if len(v) == 1:
            ((key, arg),) = v.items()
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg.split(".", 1)[0] if isinstance(arg, str) else arg[0])
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                local = set() if isinstance(arg, str) else set(arg[1])
                for expr in _SUB_VAR.findall(text):
                    if not expr.startswith("!"):
                        name = expr.strip().split(".", 1)[0]
                        if name not in local:
                            found.add(name)
        for item in v.values():
            walk(item)

    walk(value)
    return found & known

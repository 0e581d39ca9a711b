"""Identity-based policy evaluation for the local cloud (pure: no moto, no boto3).

What it decides, as IAM does (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit Deny wins; otherwise an Allow is needed; otherwise the request is implicitly denied.
Action / NotAction match case-insensitively with `*` and `?` wildcards; Resource / NotResource match
case-sensitively with the same wildcards.

Conditions (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
are evaluated against the request context the caller gives (`Context`): String*, Arn*, Bool, Null,
Numeric*, Date*, the `...IfExists` forms and the ForAnyValue / ForAllValues set operators. A key the
context models but the request does not carry is absent, as on AWS (a positive operator fails, Null
true holds). A key the context does not model (say aws:SourceIp, or aws:ResourceTag when the resource's
tags are not looked up) or an operator not implemented (IpAddress, Binary*) cannot be decided offline:
that statement is undecided, an Allow is applied as if it held, a Deny is not applied, and the caller is
told (one warning per policy), never silently.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

# AWS managed policies moto does not load by default (MOTO_IAM_LOAD_MANAGED_POLICIES): the statements
# Lockgate's functions rely on, from the policies' published versions.
AWS_MANAGED: dict[str, list[dict[str, Any]]] = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": [
        {
            "Effect": "Allow",
            "Action": [
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            "Resource": "*",
        }
    ],
}

# (operator, key, values), operator as written (e.g. "ForAnyValue:StringLike", "ArnEqualsIfExists").
Condition = tuple[str, str, tuple[str, ...]]


@dataclass(frozen=True)
class Statement:
    """One policy statement, normalised (lists everywhere)."""

    policy: str  # the policy's name, for messages
    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    sid: str = ""

    @property
    def has_condition(self) -> bool:
        """Whether the statement has a Condition block."""
        return bool(self.conditions)


@dataclass(frozen=True)
class Context:
    """The request context offline: `values` by key (case-insensitive; a multivalued key has several
    values), and which keys the local cloud models (`modelled`: exact lower-case keys, or prefixes
    ending in `/`, e.g. "aws:requesttag/"). A modelled key missing from `values` is absent from the
    request; an unmodelled one is unknown."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    modelled: frozenset[str] = frozenset()

    def lookup(self, key: str) -> tuple[str, ...] | None:
        """The key's values; () when absent from the request; None when not known offline."""
        low = key.lower()
        if low in self.values:
            return self.values[low]
        prefix = low.split("/", 1)[0] + "/" if "/" in low else None
        if low in self.modelled or (prefix is not None and prefix in self.modelled):
            return ()
        return None


NO_CONTEXT = Context()


@dataclass(frozen=True)
class Decision:
    """The outcome for one (action, resource)."""

    allowed: bool
    reason: str  # "allowed by <policy>", "explicitly denied by <policy>", "no identity-based policy allows"
    undecided: tuple[str, ...] = field(default_factory=tuple)  # policies whose Condition was not decided


def _list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, bool):
        return ("true" if value else "false",)
    if isinstance(value, list):
        return tuple(("true" if v else "false") if isinstance(v, bool) else str(v) for v in value)
    return (str(value),)


def _conditions(block: Any) -> tuple[Condition, ...]:
    if not isinstance(block, dict):
        return ()
    return tuple(
        (str(operator), str(key), _list(values))
        for operator, keys in block.items()
        if isinstance(keys, dict)
        for key, values in keys.items()
    )


def statements(policy_name: str, document: Any) -> list[Statement]:
    """The statements of one policy document (JSON text or dict)."""
    doc = json.loads(document) if isinstance(document, str) else document
    raw = doc.get("Statement", [])
    raw = [raw] if isinstance(raw, dict) else raw
    return [
        Statement(
            policy=policy_name,
            effect=str(s.get("Effect", "Deny")),
            actions=_list(s.get("Action")),
            not_actions=_list(s.get("NotAction")),
            resources=_list(s.get("Resource")),
            not_resources=_list(s.get("NotResource")),
            conditions=_conditions(s.get("Condition")),
            sid=str(s.get("Sid", "")),
        )
        for s in raw
    ]


@lru_cache(maxsize=4096)
def _pattern(glob: str, case_sensitive: bool) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(glob), 0 if case_sensitive else re.IGNORECASE)


def _matches(patterns: tuple[str, ...], value: str, *, case_sensitive: bool) -> bool:
    return any(_pattern(p, case_sensitive).match(value) for p in patterns)


def _applies(statement: Statement, action: str, resource: str | None) -> bool:
    if statement.not_actions:
        action_ok = not _matches(statement.not_actions, action, case_sensitive=False)
    else:
        action_ok = _matches(statement.actions, action, case_sensitive=False)
    if not action_ok:
        return False
    if resource is None:  # the resource could not be derived offline: the action decides
        return True
    if statement.not_resources:
        return not _matches(statement.not_resources, resource, case_sensitive=True)
    return _matches(statement.resources, resource, case_sensitive=True)


# ---- conditions -------------------------------------------------------------------------------


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    number = _number(text)
    if number is not None:
        return number  # epoch seconds
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _arn_like(pattern: str, value: str) -> bool:
    """ArnLike: the six colon-separated parts match one by one, wildcards within each part."""
    p_parts, v_parts = pattern.split(":", 5), value.split(":", 5)
    if len(p_parts) != 6 or len(v_parts) != 6:
        return False
    return all(_pattern(p, True).match(v) for p, v in zip(p_parts, v_parts, strict=True))


_NUMERIC = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}


def _one(base: str, expected: str, actual: str) -> bool | None:
    """Whether one request value matches one policy value under the positive form of `base`;
    None when the operator is not implemented offline."""
    if base == "StringEquals":
        return actual == expected
    if base == "StringEqualsIgnoreCase":
        return actual.lower() == expected.lower()
    if base == "StringLike":
        return bool(_pattern(expected, True).match(actual))
    if base in ("ArnEquals", "ArnLike"):
        return _arn_like(expected, actual)
    if base == "Bool":
        return actual.lower() == expected.lower()
    for prefix, parse in (("Numeric", _number), ("Date", _date)):
        if base.startswith(prefix) and base[len(prefix) :] in _NUMERIC:
            a, b = parse(actual), parse(expected)
            return False if a is None or b is None else bool(_NUMERIC[base[len(prefix) :]](a, b))
    return None


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
}


def condition_holds(condition: Condition, context: Context) -> bool | None:
    """One (operator, key, values) against the context: True, False, or None (not decidable offline)."""
    operator, key, expected = condition
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    actual = context.lookup(key)
    if base == "Null":
        if actual is None:
            return None
        return (len(actual) == 0) == (expected[0].lower() == "true") if expected else None
    negated = base in _NEGATED
    positive = _NEGATED.get(base, base)
    if _one(positive, "", "") is None and positive not in ("ArnEquals", "ArnLike"):
        return None  # IpAddress, Binary*, ...: not implemented offline
    if actual is None:
        return None
    if not actual:  # absent from the request
        if if_exists:
            return True
        if qualifier == "ForAllValues":
            return True  # AWS: ForAllValues holds for an empty set
        return negated and qualifier != "ForAnyValue"

    def matches(value: str) -> bool:
        return any(bool(_one(positive, e, value)) for e in expected)

    if qualifier == "ForAllValues":
        return all(matches(v) != negated for v in actual)
    if qualifier == "ForAnyValue":
        return any(matches(v) != negated for v in actual)
    hit = any(matches(v) for v in actual)
    return not hit if negated else hit


def conditions_hold(conditions: tuple[Condition, ...], context: Context) -> bool | None:
    """Every condition of a statement (AND): False if one fails, None if none fails but one is undecided."""
    undecided = False
    for condition in conditions:
        held = condition_holds(condition, context)
        if held is False:
            return False
        undecided = undecided or held is None
    return None if undecided else True


def evaluate(
    policy_statements: list[Statement],
    action: str,
    resource: str | None,
    context: Context = NO_CONTEXT,
) -> Decision:
    """Decide `action` on `resource` (None: unknown offline, matched on the action alone) in `context`."""
    undecided: list[str] = []
    allowed_by = ""
    for statement in policy_statements:
        if not _applies(statement, action, resource):
            continue
        if statement.conditions:
            held = conditions_hold(statement.conditions, context)
            if held is False:
                continue
            if held is None:
                undecided.append(statement.policy + (f" ({statement.sid})" if statement.sid else ""))
                if statement.effect == "Deny":
                    continue
        if statement.effect == "Deny":
            return Decision(False, f"explicitly denied by {statement.policy}", tuple(undecided))
        allowed_by = allowed_by or statement.policy
    if allowed_by:
        return Decision(True, f"allowed by {allowed_by}", tuple(undecided))
    return Decision(False, f"no identity-based policy allows the {action} action", tuple(undecided))

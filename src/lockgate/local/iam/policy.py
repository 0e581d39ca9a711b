"""Identity-based policy evaluation for the local cloud (pure: no moto, no boto3).

What it decides, as IAM does (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit Deny wins; otherwise an Allow is needed; otherwise the request is implicitly denied.
Action / NotAction match case-insensitively with `*` and `?` wildcards; Resource / NotResource match
case-sensitively with the same wildcards. A statement with a Condition cannot be decided offline (the
request context keys are not modelled): an Allow with a Condition is applied as if it held, a Deny with a
Condition is not applied, and either way the caller is told (one warning per policy), never silently.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Statement:
    """One policy statement, normalised (lists everywhere)."""

    policy: str  # the policy's name, for messages
    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    has_condition: bool = False
    sid: str = ""


@dataclass(frozen=True)
class Decision:
    """The outcome for one (action, resource)."""

    allowed: bool
    reason: str  # "allowed by <policy>", "explicitly denied by <policy>", "no identity-based policy allows"
    undecided: tuple[str, ...] = field(default_factory=tuple)  # policies whose Condition was not evaluated


def _list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


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
            has_condition=bool(s.get("Condition")),
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


def evaluate(policy_statements: list[Statement], action: str, resource: str | None) -> Decision:
    """Decide `action` on `resource` (None: unknown offline, matched on the action alone)."""
    undecided: list[str] = []
    allowed_by = ""
    for statement in policy_statements:
        if not _applies(statement, action, resource):
            continue
        if statement.has_condition:
            undecided.append(statement.policy + (f" ({statement.sid})" if statement.sid else ""))
            if statement.effect == "Deny":
                continue
        if statement.effect == "Deny":
            return Decision(False, f"explicitly denied by {statement.policy}", tuple(undecided))
        allowed_by = allowed_by or statement.policy
    if allowed_by:
        return Decision(True, f"allowed by {allowed_by}", tuple(undecided))
    return Decision(False, f"no identity-based policy allows the {action} action", tuple(undecided))

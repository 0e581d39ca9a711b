"""Which resources a lean local cloud deploys for one function (`lockgate invoke` without a URL).

The function, what it needs to run (its role, layers, dead-letter queue, EventInvokeConfig, log
group) and every resource its Environment names (buckets, tables, topics, state machines it
starts), each with what *it* needs in turn (a state machine's role and the functions it calls).
References from IAM roles and policies are not followed: a policy naming a resource that is not
deployed resolves to a placeholder ARN, as it grants nothing the function's environment points to.
"""

from __future__ import annotations

from typing import Any

from lockgate.local.deployer.intrinsics import references

# Followed for what they reference only where something already kept references them (their
# policy statements name half the template).
_POLICY_TYPES = frozenset({"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"})
# Kept whenever they reference a kept resource: they configure it rather than stand on their own.
_ATTACHMENT_TYPES = frozenset(
    {
        "AWS::Logs::LogGroup",
        "AWS::Lambda::Permission",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::Lambda::Version",
        "AWS::Lambda::Alias",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::SQS::QueuePolicy",
    }
)


def lean_resources(resources: dict[str, Any], roots: set[str]) -> set[str]:
    """The logical ids of `resources` (a translated template's) that `roots` need, roots included."""
    known = set(resources)
    missing = roots - known
    if missing:
        raise KeyError(f"no resource {', '.join(sorted(missing))} in the template")
    needs = {
        logical_id: references(resource.get("Properties", {}), known) | _depends_on(resource, known)
        for logical_id, resource in resources.items()
    }
    kept: set[str] = set()
    pending = list(roots)
    while pending:
        while pending:
            logical_id = pending.pop()
            if logical_id in kept:
                continue
            kept.add(logical_id)
            if resources[logical_id].get("Type") not in _POLICY_TYPES:
                pending.extend(needs[logical_id] - kept)
            else:
                pending.extend(_depends_on(resources[logical_id], known) - kept)
        pending = [
            logical_id
            for logical_id, resource in resources.items()
            if logical_id not in kept and _attaches(resource, needs[logical_id], kept, resources)
        ]
    return kept


def _attaches(resource: dict[str, Any], needed: set[str], kept: set[str], resources: dict[str, Any]) -> bool:
    """Whether a resource left out configures kept ones only: a log group or permission of a kept
    function (not a permission for another function's rule), a policy attached to a kept role."""
    kind = resource.get("Type")
    if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        properties = resource.get("Properties", {})
        return bool(references(properties.get("Roles", []), set(resources)) & kept)
    return kind in _ATTACHMENT_TYPES and bool(needed & kept) and _attaches_only_to(needed, kept, resources)


def _attaches_only_to(needed: set[str], kept: set[str], resources: dict[str, Any]) -> bool:
    """Every resource an attachment names is kept, roles aside."""
    return all(n in kept or resources[n].get("Type") in _POLICY_TYPES for n in needed)


def _depends_on(resource: dict[str, Any], known: set[str]) -> set[str]:
    depends = resource.get("DependsOn", [])
    return ({depends} if isinstance(depends, str) else set(depends)) & known

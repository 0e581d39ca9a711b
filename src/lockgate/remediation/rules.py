"""Two safety rules of the rollback reaction: which package to go back to, and whether the endpoint
changed after the alarm fired (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from lockgate.sagemaker_ports import EndpointInfo


def previous(approved_newest_first: list[str], current: str) -> str | None:
    """The Approved package before the live one (the newest Approved one when the live one is no
    longer Approved, e.g. rejected after it went live)."""
    if current in approved_newest_first:
        index = approved_newest_first.index(current)
        rest = approved_newest_first[index + 1 :]
        return rest[0] if rest else None
    return approved_newest_first[0] if approved_newest_first else None


def changed_since(endpoint: EndpointInfo, alarm_timestamp: str) -> bool:
    """True when the endpoint was updated after the alarm's state timestamp."""
    if endpoint.last_modified is None:
        return False
    try:
        fired = datetime.strptime(alarm_timestamp, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return False
    modified = endpoint.last_modified
    modified = modified if modified.tzinfo else modified.replace(tzinfo=UTC)
    return modified > fired

"""Which package a registry event asks to deploy, and why nothing happens when nothing should."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PackageSummary:
    """What the plan needs to know about one model package."""

    arn: str
    version: int
    status: str


@dataclass(frozen=True)
class Decision:
    """Deploy `target` (mode "deploy": staging first; "restore": straight to production) or skip."""

    action: str  # "deploy" | "restore" | "skip"
    target: PackageSummary | None
    reason: str


def decide(event: PackageSummary, approved: list[PackageSummary], live_package: str | None) -> Decision:
    """Approved -> deploy it unless a newer one is approved; Rejected while live -> restore the
    latest Approved package before it; anything else -> skip, saying why."""
    newer = [p for p in approved if p.version > event.version and p.status == "Approved"]
    if event.status == "Approved":
        if newer:
            return Decision(
                "skip", None, f"package v{event.version} is superseded by approved v{newer[-1].version}"
            )
        if live_package == event.arn:
            return Decision("skip", None, f"package v{event.version} is already live")
        return Decision("deploy", event, f"package v{event.version} was approved")
    if event.status == "Rejected":
        if live_package != event.arn:
            return Decision("skip", None, f"package v{event.version} was rejected but is not live")
        older = sorted(
            (p for p in approved if p.version < event.version and p.status == "Approved"),
            key=lambda p: p.version,
        )
        if not older:
            return Decision(
                "skip",
                None,
                f"live package v{event.version} was rejected and no earlier approved package exists",
            )
        return Decision(
            "restore",
            older[-1],
            f"live package v{event.version} was rejected: restoring approved v{older[-1].version}",
        )
    return Decision("skip", None, f"status {event.status} deploys nothing")

"""`lockgate reject` of a package no production approval waits for: set Rejected in the registry
(who and why in its ApprovalDescription); when it is live, the deploy pipeline's Rejected run puts
production back on the latest Approved package before it. A live package with none before it is
refused (nothing changed), with what to do instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lockgate.commands.identity import who
from lockgate.commands.usage import CliError
from lockgate.deployment.plan import PackageSummary, decide
from lockgate.names import prod_endpoint_of_group

if TYPE_CHECKING:
    from lockgate.sagemaker_ports import Endpoints, PackageInfo, Registry


def reject_in_registry(registry: Registry, endpoints: Endpoints, package: PackageInfo, reason: str) -> str:
    """Set the package Rejected; returns what happens next, in one line."""
    arn = package.arn
    if package.status == "Rejected":
        raise CliError(f"{arn} is already Rejected; nothing changed")
    endpoint = prod_endpoint_of_group(package.group)
    restore = restore_target(registry, endpoints, package, endpoint)
    # the metadata go back unchanged: moto 5.2.5 drops them on a status-only update
    registry.set_approval(arn, "Rejected", f"rejected by {who('reject')}: {reason}", package.metadata)
    if restore is None:
        return f"rejected {arn} in the registry; it is not live on {endpoint}, nothing to roll back"
    return (
        f"rejected {arn} in the registry; {endpoint} goes back to approved v{restore.version} "
        f"({restore.arn}): the deploy run restoring it shows in `lockgate runs`"
    )


def restore_target(
    registry: Registry, endpoints: Endpoints, package: PackageInfo, endpoint: str
) -> PackageSummary | None:
    """The package production goes back to when this one is rejected; None when it is not live.
    Live with no earlier Approved package: CliError, nothing changed."""
    described = endpoints.endpoint(endpoint)
    if described is None:
        return None
    live = described.tags.get("lockgate:package")
    arn, group = package.arn, package.group
    approved = [PackageSummary(a, v, "Approved") for a, v in registry.approved_packages(group)]
    decision = decide(PackageSummary(arn, package.version, "Rejected"), approved, live)
    if decision.action == "restore" and decision.target is not None:
        return decision.target
    if live != arn:
        return None
    raise CliError(
        f"{arn} is live on {endpoint} and no earlier Approved package of {group} exists to go back to; "
        f"nothing changed. To stop serving it, delete the endpoint "
        f"(`aws sagemaker delete-endpoint --endpoint-name {endpoint}`), then reject it again; or approve "
        "a newer package to replace it"
    )

"""`lockgate reject` of a package no production approval waits for: set Rejected in the registry
(who and why in its ApprovalDescription); when it is live, the deploy pipeline's Rejected run puts
production back on the latest Approved package before it. A live package with none before it is
refused (nothing changed), with what to do instead."""

from __future__ import annotations

from typing import Any

from lockgate.commands.identity import who
from lockgate.commands.usage import CliError
from lockgate.deployment.plan import PackageSummary, decide
from lockgate.names import prod_endpoint_of_group


def reject_in_registry(sagemaker: Any, package: dict[str, Any], reason: str) -> str:
    """Set the package Rejected; returns what happens next, in one line."""
    arn = package["ModelPackageArn"]
    if package.get("ModelApprovalStatus") == "Rejected":
        raise CliError(f"{arn} is already Rejected; nothing changed")
    endpoint = prod_endpoint_of_group(package["ModelPackageGroupName"])
    restore = restore_target(sagemaker, package, endpoint)
    # CustomerMetadataProperties are sent back unchanged: moto 5.2.5 drops them on a status-only update.
    sagemaker.update_model_package(
        ModelPackageArn=arn,
        ModelApprovalStatus="Rejected",
        ApprovalDescription=f"rejected by {who('reject')}: {reason}"[:1024],
        CustomerMetadataProperties=package.get("CustomerMetadataProperties", {}),
    )
    if restore is None:
        return f"rejected {arn} in the registry; it is not live on {endpoint}, nothing to roll back"
    return (
        f"rejected {arn} in the registry; {endpoint} goes back to approved v{restore.version} "
        f"({restore.arn}): the deploy run restoring it shows in `lockgate runs`"
    )


def restore_target(sagemaker: Any, package: dict[str, Any], endpoint: str) -> PackageSummary | None:
    """The package production goes back to when this one is rejected; None when it is not live.
    Live with no earlier Approved package: CliError, nothing changed."""
    from botocore.exceptions import ClientError

    try:
        described = sagemaker.describe_endpoint(EndpointName=endpoint)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("ValidationException", "ResourceNotFound"):
            return None
        raise
    tags = sagemaker.list_tags(ResourceArn=described["EndpointArn"]).get("Tags", [])
    live = next((t["Value"] for t in tags if t["Key"] == "lockgate:package"), None)
    arn, group = package["ModelPackageArn"], package["ModelPackageGroupName"]
    approved, token = list[PackageSummary](), None
    while True:
        page = sagemaker.list_model_packages(
            ModelPackageGroupName=group,
            ModelApprovalStatus="Approved",
            SortOrder="Descending",
            **({"NextToken": token} if token else {}),
        )
        approved += [
            PackageSummary(p["ModelPackageArn"], int(p.get("ModelPackageVersion", 0)), "Approved")
            for p in page["ModelPackageSummaryList"]
        ]
        if not (token := page.get("NextToken")):
            break
    decision = decide(
        PackageSummary(arn, int(package.get("ModelPackageVersion", 0)), "Rejected"), approved, live
    )
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

"""Amazon SageMaker's model registry, as the register step uses it (typed, one place).

Throttling, 5xx and connection failures become TransientError through the one error map
(`adapters.errors.guarded`; the state machine retries them); anything else is raised as
botocore's ClientError, whose code names the problem."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.literals import ModelApprovalStatusType

from lockgate.adapters.errors import guarded
from lockgate.registry.package import PackageInfo


class ModelRegistry:
    """Model package groups and packages."""

    def __init__(self, client: Any | None = None) -> None:
        self._client = guarded(client or boto3.client("sagemaker"))

    def ensure_group(self, name: str, description: str) -> None:
        """Create the model package group unless it exists."""
        try:
            self._client.describe_model_package_group(ModelPackageGroupName=name)
            return
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("ValidationException", "ResourceNotFound"):
                raise
        self._client.create_model_package_group(
            ModelPackageGroupName=name,
            ModelPackageGroupDescription=description[:1024],
        )

    def packages(self, group: str, status: str | None = None) -> list[str]:
        """Package ARNs of a group, newest first (SortOrder=Descending: moto defaults to Ascending)."""
        kwargs: dict[str, Any] = {
            "ModelPackageGroupName": group,
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
        }
        if status:
            kwargs["ModelApprovalStatus"] = status
        arns: list[str] = []
        while True:
            page = self._client.list_model_packages(**kwargs)
            arns += [p["ModelPackageArn"] for p in page.get("ModelPackageSummaryList", [])]
            if not page.get("NextToken"):
                return arns
            kwargs["NextToken"] = page["NextToken"]

    def describe(self, arn: str) -> PackageInfo:
        """One package's status, metadata and model quality statistics URI."""
        out = self._client.describe_model_package(ModelPackageName=arn)
        quality = (out.get("ModelMetrics") or {}).get("ModelQuality", {}).get("Statistics", {})
        return PackageInfo(
            arn,
            out.get("ModelApprovalStatus", ""),
            dict(out.get("CustomerMetadataProperties") or {}),
            quality.get("S3Uri"),
            out.get("ApprovalDescription", ""),
        )

    def latest_approved(self, group: str) -> PackageInfo | None:
        """The newest Approved package of the group, or None."""
        arns = self.packages(group, "Approved")
        return self.describe(arns[0]) if arns else None

    def find(self, group: str, metadata: dict[str, str]) -> PackageInfo | None:
        """The newest package whose CustomerMetadataProperties include all of `metadata`."""
        for arn in self.packages(group):
            info = self.describe(arn)
            if all(info.metadata.get(k) == v for k, v in metadata.items()):
                return info
        return None

    def create(self, request: dict[str, Any]) -> str:
        """CreateModelPackage; returns the ARN."""
        return str(self._client.create_model_package(**request)["ModelPackageArn"])

    def set_approval(self, arn: str, status: str, description: str) -> None:
        """UpdateModelPackage: the approval status and its reasons (CreateModelPackage takes no
        ApprovalDescription, so the register step records the reasons with this call)."""
        self._client.update_model_package(
            ModelPackageArn=arn,
            ModelApprovalStatus=cast("ModelApprovalStatusType", status),
            ApprovalDescription=description[:1024],
        )

"""Amazon SageMaker's model registry: package groups and packages (lockgate.sagemaker_ports.Registry).

The one place that calls the model package APIs. Throttling, 5xx and connection failures become
TransientError through the one error map (`adapters.errors.guarded`; the state machines retry
them); the deploy pipeline's reads and notes also retry ResourceLimitExceeded. Anything else is
raised as botocore's ClientError, whose code names the problem."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.exceptions import ClientError

from lockgate.adapters.errors import guarded, quota_is_transient
from lockgate.messages.package import PackageMetadata
from lockgate.sagemaker_ports import APPROVED, Container, PackageInfo

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.client import SageMakerClient
    from mypy_boto3_sagemaker.literals import ModelApprovalStatusType
    from mypy_boto3_sagemaker.type_defs import (
        CreateModelPackageInputTypeDef,
        DescribeModelPackageOutputTypeDef,
        ModelPackageSummaryTypeDef,
    )

_MISSING = ("ValidationException", "ResourceNotFound")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def package_info(described: DescribeModelPackageOutputTypeDef) -> PackageInfo:
    """DescribeModelPackage, reduced: the XGBoost container is the one that runs no script (a
    pipeline's encoder does)."""
    containers = [
        Container(
            image=c.get("Image", ""),
            model_data_url=c.get("ModelDataUrl", ""),
            environment=dict(c.get("Environment") or {}),
        )
        for c in described.get("InferenceSpecification", {}).get("Containers", [])
    ] or [Container()]
    main = next((c for c in containers if not c.environment.get("SAGEMAKER_PROGRAM")), containers[0])
    quality = (described.get("ModelMetrics") or {}).get("ModelQuality", {}).get("Statistics", {})
    return PackageInfo(
        arn=described["ModelPackageArn"],
        group=described.get("ModelPackageGroupName", ""),
        version=int(described.get("ModelPackageVersion", 0)),
        status=described.get("ModelApprovalStatus", ""),
        approval_description=described.get("ApprovalDescription", ""),
        metadata=dict(described.get("CustomerMetadataProperties") or {}),
        model_quality_uri=quality.get("S3Uri"),
        image=main.image,
        model_data_url=main.model_data_url,
        containers=containers if described.get("InferenceSpecification", {}).get("Containers") else [],
    )


class ModelRegistry:
    """Model package groups and packages."""

    def __init__(self, client: Any | None = None) -> None:
        self._client: SageMakerClient = guarded(client or boto3.client("sagemaker"))

    def ensure_group(self, name: str, description: str) -> None:
        """Create the model package group unless it exists."""
        try:
            self._client.describe_model_package_group(ModelPackageGroupName=name)
            return
        except ClientError as error:
            if _code(error) not in _MISSING:
                raise
        self._client.create_model_package_group(
            ModelPackageGroupName=name,
            ModelPackageGroupDescription=description[:1024],
        )

    def groups(self, name_contains: str) -> list[str]:
        """Names of the model package groups whose name contains `name_contains` (first 100)."""
        found = self._client.list_model_package_groups(NameContains=name_contains, MaxResults=100)
        return [g["ModelPackageGroupName"] for g in found["ModelPackageGroupSummaryList"]]

    def _summaries(self, group: str, status: str | None) -> list[ModelPackageSummaryTypeDef]:
        """ListModelPackages, every page, newest first (SortOrder is explicit: moto defaults to
        Ascending)."""
        kwargs: dict[str, Any] = {  # ListModelPackages' parameters (a boto3 request)
            "ModelPackageGroupName": group,
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
        }
        if status:
            kwargs["ModelApprovalStatus"] = status
        found: list[ModelPackageSummaryTypeDef] = []
        while True:
            page = quota_is_transient(
                "list_model_packages", lambda: self._client.list_model_packages(**kwargs)
            )
            found += page.get("ModelPackageSummaryList", [])
            if not page.get("NextToken"):
                return found
            kwargs["NextToken"] = page["NextToken"]

    def packages(self, group: str, status: str | None = None) -> list[str]:
        """Package ARNs of a group, newest first."""
        return [p["ModelPackageArn"] for p in self._summaries(group, status)]

    def approved_packages(self, group: str) -> list[tuple[str, int]]:
        """(arn, version) of every Approved package of the group, oldest first ([] when the group
        does not exist)."""
        try:
            summaries = self._summaries(group, APPROVED)
        except ClientError as error:
            if _code(error) in _MISSING:
                return []
            raise
        found = [(p["ModelPackageArn"], int(p.get("ModelPackageVersion", 0))) for p in summaries]
        return sorted(found, key=lambda item: item[1])

    def package(self, arn: str) -> PackageInfo:
        """DescribeModelPackage, reduced."""
        return package_info(
            quota_is_transient(
                "describe_model_package", lambda: self._client.describe_model_package(ModelPackageName=arn)
            )
        )

    def latest_approved(self, group: str) -> PackageInfo | None:
        """The newest Approved package of the group, or None."""
        arns = self.packages(group, APPROVED)
        return self.package(arns[0]) if arns else None

    def find(self, group: str, metadata: dict[str, str]) -> PackageInfo | None:
        """The newest package whose CustomerMetadataProperties include all of `metadata`."""
        for arn in self.packages(group):
            info = self.package(arn)
            if all(info.metadata.get(k) == v for k, v in metadata.items()):
                return info
        return None

    def create(self, request: CreateModelPackageInputTypeDef) -> str:
        """CreateModelPackage (the request as lockgate.registry.package builds it); returns the ARN."""
        return str(self._client.create_model_package(**request)["ModelPackageArn"])

    def set_approval(
        self, arn: str, status: str, description: str, metadata: dict[str, str] | None = None
    ) -> None:
        """UpdateModelPackage: the approval status and its reasons (CreateModelPackage takes no
        ApprovalDescription, so the register step records the reasons with this call). `metadata`
        is sent back as given (moto 5.2.5 drops the fields an update omits)."""
        self._update(arn, status, description, metadata)

    def note_package(self, arn: str, note: str) -> None:
        """Keep a deployment note on the package (CustomerMetadataProperties `deployNote`).

        Status and description are sent back unchanged: moto 5.2.5 drops the fields an update omits."""
        package = self.package(arn)
        self._update(
            arn,
            package.status,
            package.approval_description,
            PackageMetadata.from_properties(package.metadata).with_note(note).to_properties(),
        )

    def _update(
        self, arn: str, status: str, description: str, metadata: dict[str, str] | None = None
    ) -> None:
        """UpdateModelPackage."""
        extra: dict[str, Any] = {}  # UpdateModelPackage's optional parameters (a boto3 request)
        if metadata is not None:
            extra["CustomerMetadataProperties"] = metadata
        quota_is_transient(
            "update_model_package",
            lambda: self._client.update_model_package(
                ModelPackageArn=arn,
                ModelApprovalStatus=cast("ModelApprovalStatusType", status),
                ApprovalDescription=description[:1024],
                **extra,
            ),
        )

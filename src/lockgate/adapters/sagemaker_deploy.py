"""SageMaker for deployments: the registry reads, models, endpoint configs, endpoints, invocations.

Only the public API: the same calls run against AWS and the offline endpoint twin. ClientErrors
that are worth retrying become TransientError; an endpoint busy with another update is
EndpointBusy (retried by the state machine, then failed with the reason).
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from botocore.exceptions import ClientError

from lockgate.adapters.errors import guarded
from lockgate.deployment.ports import EndpointInfo, PackageInfo, VariantInfo
from lockgate.errors import EndpointBusy, TransientError
from lockgate.messages.package import PackageMetadata

# Beyond the one error map (adapters.errors.guarded, on both clients): an account's instance quota
# frees up as other endpoints are deleted, so ResourceLimitExceeded is worth the state machine's retry.
_QUOTA = "ResourceLimitExceeded"


def model_containers(
    image: str, model_data_url: str, containers: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """CreateModel's container fields for a package's containers (see ensure_model)."""
    keep = ("Image", "ModelDataUrl", "Environment")
    if containers and len(containers) > 1:
        return {
            "Containers": [{k: c[k] for k in keep if c.get(k)} for c in containers],
            "InferenceExecutionConfig": {"Mode": "Serial"},
        }
    return {"PrimaryContainer": {"Image": image, "ModelDataUrl": model_data_url}}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _missing(error: ClientError) -> bool:
    message = str(error.response.get("Error", {}).get("Message", ""))
    return _code(error) in ("ValidationException", "ResourceNotFound") and "ould not find" in message


class SageMakerDeploy:
    """Typed wrapper over the sagemaker and sagemaker-runtime clients."""

    def __init__(self, client: Any | None = None, runtime: Any | None = None) -> None:
        self._client: Any = guarded(client or boto3.client("sagemaker"))
        self._runtime: Any = guarded(runtime or boto3.client("sagemaker-runtime"))

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as error:
            if _code(error) == _QUOTA:
                raise TransientError(f"sagemaker {operation}: {error}") from error
            raise

    def package(self, arn: str) -> PackageInfo:
        """DescribeModelPackage, reduced."""
        described = self._call("describe_model_package", ModelPackageName=arn)
        containers = described.get("InferenceSpecification", {}).get("Containers", [{}])
        # the XGBoost container: the one that runs no script (a pipeline's encoder does)
        container = next(
            (c for c in containers if not (c.get("Environment") or {}).get("SAGEMAKER_PROGRAM")),
            containers[0],
        )
        return PackageInfo(
            arn=described["ModelPackageArn"],
            group=described.get("ModelPackageGroupName", ""),
            version=int(described.get("ModelPackageVersion", 0)),
            status=described.get("ModelApprovalStatus", ""),
            model_data_url=container.get("ModelDataUrl", ""),
            image=container.get("Image", ""),
            metadata=dict(described.get("CustomerMetadataProperties", {})),
            approval_description=described.get("ApprovalDescription", ""),
            containers=[dict(c) for c in containers],
        )

    def approved_packages(self, group: str) -> list[tuple[str, int]]:
        """(arn, version) of every Approved package of the group, oldest first."""
        found: list[tuple[str, int]] = []
        kwargs: dict[str, Any] = {
            "ModelPackageGroupName": group,
            "ModelApprovalStatus": "Approved",
            "SortOrder": "Descending",
        }
        while True:
            page = self._call("list_model_packages", **kwargs)
            found += [
                (p["ModelPackageArn"], int(p.get("ModelPackageVersion", 0)))
                for p in page["ModelPackageSummaryList"]
            ]
            if not page.get("NextToken"):
                return sorted(found, key=lambda item: item[1])
            kwargs["NextToken"] = page["NextToken"]

    def note_package(self, arn: str, note: str) -> None:
        """Keep a deployment note on the package (CustomerMetadataProperties `deployNote`).

        Status and description are sent back unchanged: moto 5.2.5 drops the fields an update omits."""
        package = self.package(arn)
        self._call(
            "update_model_package",
            ModelPackageArn=arn,
            ModelApprovalStatus=package.status,
            ApprovalDescription=package.approval_description,
            CustomerMetadataProperties=PackageMetadata.from_properties(package.metadata)
            .with_note(note)
            .to_properties(),
        )

    def ensure_model(
        self,
        name: str,
        image: str,
        model_data_url: str,
        role_arn: str,
        tags: dict[str, str],
        *,
        containers: list[dict[str, Any]] | None = None,
    ) -> None:
        """CreateModel unless it exists (a retried step must not fail on its own earlier success).

        More than one container is an inference pipeline: `Containers` run in order
        (`InferenceExecutionConfig: Serial`); one is the PrimaryContainer."""
        try:
            self._client.describe_model(ModelName=name)
            return
        except ClientError as error:
            if not _missing(error):
                raise
        self._call(
            "create_model",
            ModelName=name,
            ExecutionRoleArn=role_arn,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            **model_containers(image, model_data_url, containers),
        )

    def ensure_endpoint_config(
        self,
        name: str,
        model: str,
        *,
        instance_type: str,
        instances: int,
        capture_uri: str | None,
        tags: dict[str, str],
    ) -> None:
        """One variant, AllTraffic (see ensure_variants_config)."""
        self.ensure_variants_config(
            name,
            [("AllTraffic", model, 1.0)],
            instance_type=instance_type,
            instances=instances,
            capture_uri=capture_uri,
            tags=tags,
        )

    def ensure_variants_config(
        self,
        name: str,
        variants: list[tuple[str, str, float]],
        *,
        instance_type: str,
        instances: int,
        capture_uri: str | None,
        tags: dict[str, str],
    ) -> None:
        """CreateEndpointConfig unless it exists: one ProductionVariant per (name, model, weight),
        each `instances` strong; data capture when asked."""
        try:
            self._client.describe_endpoint_config(EndpointConfigName=name)
            return
        except ClientError as error:
            if not _missing(error):
                raise
        extra: dict[str, Any] = {}
        if capture_uri:
            extra["DataCaptureConfig"] = {
                "EnableCapture": True,
                "InitialSamplingPercentage": 100,
                "DestinationS3Uri": capture_uri,
                "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
                "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"]},
            }
        self._call(
            "create_endpoint_config",
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": variant,
                    "ModelName": model,
                    "InitialInstanceCount": instances,
                    "InstanceType": instance_type,
                    "InitialVariantWeight": weight,
                }
                for variant, model, weight in variants
            ],
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            **extra,
        )

    def endpoint(self, name: str) -> EndpointInfo | None:
        """DescribeEndpoint (+ tags), or None when it does not exist."""
        try:
            described = self._client.describe_endpoint(EndpointName=name)
        except ClientError as error:
            if _missing(error):
                return None
            raise
        tags = self._call("list_tags", ResourceArn=described["EndpointArn"]).get("Tags", [])
        return EndpointInfo(
            name=name,
            status=described["EndpointStatus"],
            config=described["EndpointConfigName"],
            failure_reason=described.get("FailureReason", "") or "",
            tags={t["Key"]: t["Value"] for t in tags},
            variants=[
                {
                    k: v
                    for k, v in variant.items()
                    if k in ("VariantName", "CurrentWeight", "CurrentInstanceCount")
                }
                for variant in described.get("ProductionVariants", [])
            ],
        )

    def create_endpoint(self, name: str, config: str, tags: dict[str, str]) -> None:
        """CreateEndpoint with tags."""
        self._call(
            "create_endpoint",
            EndpointName=name,
            EndpointConfigName=config,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )

    def update_endpoint(self, name: str, config: str, deployment_config: dict[str, Any] | None) -> None:
        """UpdateEndpoint; EndpointBusy when another update holds the endpoint."""
        extra = {"DeploymentConfig": deployment_config} if deployment_config else {}
        try:
            self._client.update_endpoint(EndpointName=name, EndpointConfigName=config, **extra)
        except ClientError as error:
            message = str(error.response.get("Error", {}).get("Message", ""))
            if "in-progress" in message or "Cannot update" in message:
                raise EndpointBusy(name, message) from error
            raise

    def set_tags(self, name: str, tags: dict[str, str]) -> None:
        """Replace these tag keys on the endpoint."""
        arn = self._call("describe_endpoint", EndpointName=name)["EndpointArn"]
        self._call("delete_tags", ResourceArn=arn, TagKeys=list(tags))
        self._call("add_tags", ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    def invoke_csv(self, endpoint: str, body: str) -> tuple[str, float]:
        """InvokeEndpoint with text/csv; returns (body, milliseconds)."""
        began = time.perf_counter()
        response = self._runtime.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=body)
        text = response["Body"].read().decode()
        return text, (time.perf_counter() - began) * 1000

    def variants(self, endpoint: str) -> list[VariantInfo]:
        """The live variants: weights and counts (DescribeEndpoint), models (DescribeEndpointConfig)
        and each model's `lockgate:package` tag."""
        described = self._call("describe_endpoint", EndpointName=endpoint)
        config = self._call("describe_endpoint_config", EndpointConfigName=described["EndpointConfigName"])
        models = {v["VariantName"]: v.get("ModelName", "") for v in config.get("ProductionVariants", [])}
        found: list[VariantInfo] = []
        for variant in described.get("ProductionVariants", []):
            model = models.get(variant["VariantName"], "")
            current = variant.get("CurrentWeight")
            found.append(
                VariantInfo(
                    name=variant["VariantName"],
                    model=model,
                    package_arn=self._model_package(model),
                    current_weight=float(current if current is not None else 0.0),
                    desired_weight=float(variant.get("DesiredWeight", current) or 0.0),
                    instances=int(variant.get("CurrentInstanceCount") or 0),
                )
            )
        return found

    def _model_package(self, model: str) -> str:
        if not model:
            return ""
        try:
            arn = self._call("describe_model", ModelName=model)["ModelArn"]
        except ClientError as error:
            if _missing(error):
                return ""  # the model was deleted; the endpoint still serves it
            raise
        tags = self._call("list_tags", ResourceArn=arn).get("Tags", [])
        return next((t["Value"] for t in tags if t["Key"] == "lockgate:package"), "")

    def set_weights(self, endpoint: str, weights: dict[str, float]) -> None:
        """UpdateEndpointWeightsAndCapacities (weights only); EndpointBusy while the endpoint updates."""
        try:
            self._call(
                "update_endpoint_weights_and_capacities",
                EndpointName=endpoint,
                DesiredWeightsAndCapacities=[
                    {"VariantName": name, "DesiredWeight": weight} for name, weight in weights.items()
                ],
            )
        except ClientError as error:
            message = str(error.response.get("Error", {}).get("Message", ""))
            if "in-progress" in message or "Cannot update" in message:
                raise EndpointBusy(endpoint, message) from error
            raise

"""Amazon SageMaker hosting: models, endpoint configs, endpoints, their variants and invocations
(lockgate.sagemaker_ports.Endpoints), for the deploy steps, the alarm reactions, the monitor, the
CLI and the console.

The one place that calls these APIs; each is called from one method here (the public methods
compose them). Only the public API: the same calls run against AWS, moto and the endpoint twin.
Throttling, 5xx and connection failures become TransientError through the one error map
(`adapters.errors.guarded`, on both clients), and so does ResourceLimitExceeded (an account's
instance quota frees up); an endpoint busy with another update is EndpointBusy (retried by the
state machine, then failed with the reason)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from lockgate.adapters.errors import guarded, quota_is_transient
from lockgate.errors import EndpointBusy
from lockgate.sagemaker_ports import Container, EndpointInfo, Invocation, PackageInfo, VariantInfo
from lockgate.serving import artifact

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import (
        DeploymentConfigTypeDef,
        DescribeEndpointConfigOutputTypeDef,
        DescribeEndpointOutputTypeDef,
        DescribeModelOutputTypeDef,
        DesiredWeightAndCapacityTypeDef,
        ProductionVariantSummaryTypeDef,
    )

PACKAGE_TAG = "lockgate:package"
DEFAULT_INSTANCE_TYPE = "ml.m5.xlarge"  # a rollback config's type when the endpoint's is unknown


def model_containers(image: str, model_data_url: str, containers: list[Container]) -> dict[str, Any]:
    """CreateModel's container fields (a boto3 request body): more than one container is an
    inference pipeline (`Containers` run in order, `InferenceExecutionConfig: Serial`); one is the
    PrimaryContainer."""
    if len(containers) > 1:
        return {
            "Containers": artifact.model_containers(containers),
            "InferenceExecutionConfig": {"Mode": "Serial"},
        }
    return {"PrimaryContainer": {"Image": image, "ModelDataUrl": model_data_url}}


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _missing(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    message = str(error.response.get("Error", {}).get("Message", ""))
    return code in ("ValidationException", "ResourceNotFound") and "ould not find" in message


def _busy(error: ClientError) -> str | None:
    message = str(error.response.get("Error", {}).get("Message", ""))
    return message if "in-progress" in message or "Cannot update" in message else None


class SageMakerEndpoints:
    """Typed wrapper over the sagemaker and sagemaker-runtime clients' hosting calls."""

    def __init__(
        self,
        client: Any | None = None,
        runtime: Any | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client: Any = guarded(client or boto3.client("sagemaker"))
        self._runtime_client = guarded(runtime) if runtime is not None else None
        self._sleep = sleep

    @property
    def _runtime(self) -> Any:
        """sagemaker-runtime, made on first use (only the smoke test and the CLI invoke)."""
        if self._runtime_client is None:
            self._runtime_client = guarded(boto3.client("sagemaker-runtime"))
        return self._runtime_client

    def _call(self, operation: str, **kwargs: Any) -> Any:
        return quota_is_transient(operation, lambda: getattr(self._client, operation)(**kwargs))

    # -- models and endpoint configs ---------------------------------------------------------
    def _describe_model(self, name: str) -> DescribeModelOutputTypeDef | None:
        """DescribeModel, or None when the model does not exist."""
        try:
            described: DescribeModelOutputTypeDef = self._call("describe_model", ModelName=name)
            return described
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def ensure_model(self, name: str, package: PackageInfo, role_arn: str, tags: dict[str, str]) -> None:
        """CreateModel of the package's containers unless it exists (a retried step must not fail
        on its own earlier success)."""
        if self._describe_model(name) is not None:
            return
        self._call(
            "create_model",
            ModelName=name,
            ExecutionRoleArn=role_arn,
            **({"Tags": _tag_list(tags)} if tags else {}),
            **model_containers(package.image, package.model_data_url, package.containers),
        )

    def model_arn(self, name: str) -> str:
        """The model's ARN ("" when the model is gone)."""
        described = self._describe_model(name)
        return str(described["ModelArn"]) if described else ""

    def model_role(self, name: str) -> str:
        """The model's ExecutionRoleArn ("" when the model is gone)."""
        described = self._describe_model(name)
        return str(described["ExecutionRoleArn"]) if described else ""

    def _describe_config(self, name: str) -> DescribeEndpointConfigOutputTypeDef | None:
        """DescribeEndpointConfig, or None when the config does not exist."""
        try:
            config: DescribeEndpointConfigOutputTypeDef = self._call(
                "describe_endpoint_config", EndpointConfigName=name
            )
            return config
        except ClientError as error:
            if _missing(error):
                return None
            raise

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
        all of the same instance type and count; data capture when `capture_uri` is given."""
        if self._describe_config(name) is not None:
            return
        extra: dict[str, Any] = {}  # CreateEndpointConfig's optional parameters (a boto3 request)
        if tags:
            extra["Tags"] = _tag_list(tags)
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
            **extra,
        )

    # -- endpoints -----------------------------------------------------------------------------
    def _describe_endpoint(self, name: str) -> DescribeEndpointOutputTypeDef:
        """DescribeEndpoint (a missing endpoint raises botocore's ClientError)."""
        described: DescribeEndpointOutputTypeDef = self._call("describe_endpoint", EndpointName=name)
        return described

    def _endpoint_or_none(self, name: str) -> DescribeEndpointOutputTypeDef | None:
        try:
            return self._describe_endpoint(name)
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def _tags(self, arn: str) -> dict[str, str]:
        """ListTags of a resource."""
        return {t["Key"]: t["Value"] for t in self._call("list_tags", ResourceArn=arn).get("Tags", [])}

    def endpoint(self, name: str) -> EndpointInfo | None:
        """DescribeEndpoint (+ tags) with the live variants' weights and counts, or None."""
        described = self._endpoint_or_none(name)
        if described is None:
            return None
        variants = [
            VariantInfo(
                name=v["VariantName"],
                instances=int(v.get("CurrentInstanceCount") or 0),
                current_weight=float(v.get("CurrentWeight", 1.0)),
                desired_weight=float(v.get("DesiredWeight", v.get("CurrentWeight", 1.0)) or 0.0),
            )
            for v in described.get("ProductionVariants", [])
        ]
        return self._info(described, variants)

    def _info(self, described: DescribeEndpointOutputTypeDef, variants: list[VariantInfo]) -> EndpointInfo:
        return EndpointInfo(
            name=described["EndpointName"],
            status=described["EndpointStatus"],
            config=described.get("EndpointConfigName", ""),
            failure_reason=described.get("FailureReason", "") or "",
            tags=self._tags(described["EndpointArn"]),
            variants=variants,
            created=described.get("CreationTime"),
            last_modified=described.get("LastModifiedTime"),
        )

    def describe(self, name: str) -> EndpointInfo | None:
        """The endpoint with its config's variants (model, instance type) and their live counts and
        weights, or None when it does not exist. A deleted config leaves no variants."""
        described = self._endpoint_or_none(name)
        if described is None:
            return None
        variants: list[VariantInfo] = []
        try:
            config = self._describe_config(described.get("EndpointConfigName", ""))
        except ClientError:
            config = None  # the config is unreadable: the endpoint is reported as it is
        live = {v["VariantName"]: v for v in described.get("ProductionVariants", [])}
        for v in config["ProductionVariants"] if config else []:
            now: ProductionVariantSummaryTypeDef = live.get(
                v["VariantName"], {"VariantName": v["VariantName"]}
            )
            count = now.get("CurrentInstanceCount") or v.get("InitialInstanceCount") or 0
            weight = float(now.get("CurrentWeight", v.get("InitialVariantWeight", 1.0)))
            variants.append(
                VariantInfo(
                    name=v["VariantName"],
                    model=v.get("ModelName", ""),
                    instance_type=v.get("InstanceType", ""),
                    instances=int(count),
                    current_weight=weight,
                    desired_weight=float(now.get("DesiredWeight", weight)),
                )
            )
        return self._info(described, variants)

    def _names(self) -> list[tuple[str, str]]:
        """(name, arn) of every endpoint (ListEndpoints, all pages)."""
        return [
            (summary["EndpointName"], summary["EndpointArn"])
            for page in self._client.get_paginator("list_endpoints").paginate()
            for summary in page.get("Endpoints", [])
        ]

    def list_all(self) -> list[EndpointInfo]:
        """Every endpoint, described (one gone between the list and its describe is left out)."""
        described = (self.describe(name) for name, _ in self._names())
        return [info for info in described if info is not None]

    def tagged(self) -> list[tuple[str, dict[str, str]]]:
        """(name, tags) of every endpoint."""
        return [(name, self._tags(arn)) for name, arn in self._names()]

    def variants(self, endpoint: str) -> list[VariantInfo]:
        """The live variants: weights and counts (DescribeEndpoint), models (DescribeEndpointConfig)
        and each model's `lockgate:package` tag."""
        described = self._describe_endpoint(endpoint)  # a missing endpoint: ClientError, as AWS says it
        config = self._describe_config(described["EndpointConfigName"])
        configured = config["ProductionVariants"] if config else []
        models = {v["VariantName"]: v.get("ModelName", "") for v in configured}
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
        described = self._describe_model(model) if model else None
        if described is None:
            return ""  # no model, or it was deleted while the endpoint still serves it
        return self._tags(described["ModelArn"]).get(PACKAGE_TAG, "")

    def create_endpoint(self, name: str, config: str, tags: dict[str, str]) -> None:
        """CreateEndpoint with tags."""
        self._call("create_endpoint", EndpointName=name, EndpointConfigName=config, Tags=_tag_list(tags))

    def update_endpoint(
        self, name: str, config: str, deployment_config: DeploymentConfigTypeDef | None
    ) -> None:
        """UpdateEndpoint (DeploymentConfig: lockgate.deployment.guardrails' boto3 body); EndpointBusy
        when another update holds the endpoint."""
        extra = {"DeploymentConfig": deployment_config} if deployment_config else {}
        try:
            self._call("update_endpoint", EndpointName=name, EndpointConfigName=config, **extra)
        except ClientError as error:
            message = _busy(error)
            if message is not None:
                raise EndpointBusy(name, message) from error
            raise

    def deploy_package(self, endpoint: EndpointInfo, package: PackageInfo, config_name: str) -> None:
        """A model and a config from the package, then update_endpoint (all at once). The config has
        the endpoint's variant, or one AllTraffic variant when it had several (an A/B test rolled
        back: one model serves everything)."""
        first = endpoint.variants[0] if endpoint.variants else None
        role = self.model_role(first.model) if first and first.model else ""
        self.ensure_model(config_name, package, role, {})
        variant = endpoint.variants[0].name if len(endpoint.variants) == 1 else "AllTraffic"
        self.ensure_variants_config(
            config_name,
            [(variant, config_name, 1.0)],
            instance_type=(first.instance_type if first else "") or DEFAULT_INSTANCE_TYPE,
            instances=max(1, max((v.instances for v in endpoint.variants), default=1)),
            capture_uri=None,
            tags={},
        )
        self.update_endpoint(endpoint.name, config_name, None)

    def wait_for_config(self, name: str, config_name: str, timeout_seconds: float) -> str:
        """Poll until the endpoint is InService or Failed (or the deadline); its config then."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            endpoint = self._describe_endpoint(name)
            done = endpoint["EndpointStatus"] in ("InService", "Failed", "OutOfService")
            if (done and endpoint.get("EndpointConfigName") == config_name) or time.monotonic() > deadline:
                return str(endpoint.get("EndpointConfigName", ""))
            if done and not endpoint.get("PendingDeploymentSummary"):
                return str(endpoint.get("EndpointConfigName", ""))
            self._sleep(5.0)

    def _arn(self, name: str) -> str:
        return self._describe_endpoint(name)["EndpointArn"]

    def set_tags(self, name: str, tags: dict[str, str]) -> None:
        """Replace these tag keys on the endpoint."""
        arn = self._arn(name)
        self.untag_resource(arn, list(tags))
        self.tag_resource(arn, tags)

    def tag(self, name: str, tags: dict[str, str]) -> None:
        """Add tags to the endpoint."""
        self.tag_resource(self._arn(name), tags)

    def tag_resource(self, arn: str, tags: dict[str, str]) -> None:
        """AddTags."""
        self._call("add_tags", ResourceArn=arn, Tags=_tag_list(tags))

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        """DeleteTags."""
        self._call("delete_tags", ResourceArn=arn, TagKeys=keys)

    def _weights_and_capacities(self, name: str, desired: list[DesiredWeightAndCapacityTypeDef]) -> None:
        """UpdateEndpointWeightsAndCapacities; EndpointBusy while the endpoint updates."""
        try:
            self._call(
                "update_endpoint_weights_and_capacities",
                EndpointName=name,
                DesiredWeightsAndCapacities=desired,
            )
        except ClientError as error:
            message = _busy(error)
            if message is not None:
                raise EndpointBusy(name, message) from error
            raise

    def set_weights(self, name: str, weights: dict[str, float]) -> None:
        """The variants' traffic weights (instance counts stay)."""
        self._weights_and_capacities(
            name, [{"VariantName": variant, "DesiredWeight": weight} for variant, weight in weights.items()]
        )

    def scale_to_minimum(self, endpoint: EndpointInfo) -> None:
        """One instance per variant."""
        self._weights_and_capacities(
            endpoint.name, [{"VariantName": v.name, "DesiredInstanceCount": 1} for v in endpoint.variants]
        )

    def delete(self, name: str) -> None:
        """Delete the endpoint; its config and models stay (create_endpoint brings it back)."""
        self._call("delete_endpoint", EndpointName=name)

    def invoke(
        self, endpoint: str, body: bytes | str, content_type: str, *, accept: str = "", variant: str = ""
    ) -> Invocation:
        """InvokeEndpoint (Accept and TargetVariant when given); a model's own error stays botocore's
        ClientError `ModelError` with the container's status (OriginalStatusCode)."""
        extra = {k: v for k, v in (("Accept", accept), ("TargetVariant", variant)) if v}
        answer = self._runtime.invoke_endpoint(
            EndpointName=endpoint, ContentType=content_type, Body=body, **extra
        )
        return Invocation(
            body=answer["Body"].read(),
            content_type=answer.get("ContentType", ""),
            variant=answer.get("InvokedProductionVariant", ""),
        )

    def invoke_csv(self, endpoint: str, body: str) -> tuple[str, float]:
        """InvokeEndpoint with text/csv; returns (body, milliseconds)."""
        _ = self._runtime  # made before the clock starts: the latency is the call's alone
        began = time.perf_counter()
        text = self.invoke(endpoint, body, "text/csv").body.decode()
        return text, (time.perf_counter() - began) * 1000

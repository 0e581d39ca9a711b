"""SageMaker endpoints and the Model Registry, as the alarm reactions use them (typed wrapper).

Only the public SageMaker API: the same calls run against AWS, moto, and the endpoint twin.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

import boto3

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.literals import ProductionVariantInstanceTypeType
    from mypy_boto3_sagemaker.type_defs import ProductionVariantTypeDef

from lockgate.adapters.sagemaker_deploy import model_containers
from lockgate.remediation.ports import EndpointFacts, Variant

_MISSING = ("ValidationException", "ResourceNotFound")


class SageMakerEndpoints:
    """describe / list / delete / scale / redeploy endpoints; read Approved packages."""

    def __init__(self, client: Any | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client or boto3.client("sagemaker")
        self._sleep = sleep

    def describe(self, name: str) -> EndpointFacts | None:
        """The endpoint with its variants and tags, or None when it does not exist."""
        try:
            endpoint = self._client.describe_endpoint(EndpointName=name)
        except self._client.exceptions.ClientError as error:
            if error.response["Error"]["Code"] in _MISSING:
                return None
            raise
        return self._facts(endpoint)

    def _facts(self, endpoint: Mapping[str, Any]) -> EndpointFacts:
        config_name = endpoint.get("EndpointConfigName", "")
        variants: list[Variant] = []
        try:
            config = self._client.describe_endpoint_config(EndpointConfigName=config_name)
            counts = {v["VariantName"]: v for v in endpoint.get("ProductionVariants", [])}
            for v in config.get("ProductionVariants", []):
                live = counts.get(v["VariantName"], {})
                count = live.get("CurrentInstanceCount") or v.get("InitialInstanceCount") or 0
                variants.append(
                    Variant(
                        name=v["VariantName"],
                        model_name=v.get("ModelName", ""),
                        instance_type=v.get("InstanceType", ""),
                        instance_count=int(count),
                        weight=float(live.get("CurrentWeight", v.get("InitialVariantWeight", 1.0))),
                    )
                )
        except self._client.exceptions.ClientError:
            pass  # the config was deleted: the endpoint still exists and is reported as it is
        tags = self._client.list_tags(ResourceArn=endpoint["EndpointArn"]).get("Tags", [])
        return EndpointFacts(
            name=endpoint["EndpointName"],
            status=endpoint.get("EndpointStatus", ""),
            config_name=config_name,
            tags={t["Key"]: t["Value"] for t in tags},
            variants=variants,
            created=endpoint.get("CreationTime"),
            last_modified=endpoint.get("LastModifiedTime"),
        )

    def list_all(self) -> list[EndpointFacts]:
        """Every endpoint (all pages)."""
        found: list[EndpointFacts] = []
        for page in self._client.get_paginator("list_endpoints").paginate():
            for summary in page.get("Endpoints", []):
                facts = self.describe(summary["EndpointName"])
                if facts is not None:
                    found.append(facts)
        return found

    def delete(self, name: str) -> None:
        """Delete the endpoint; its config and models stay (create_endpoint brings it back)."""
        self._client.delete_endpoint(EndpointName=name)

    def scale_to_minimum(self, endpoint: EndpointFacts) -> None:
        """One instance per variant."""
        self._client.update_endpoint_weights_and_capacities(
            EndpointName=endpoint.name,
            DesiredWeightsAndCapacities=[
                {"VariantName": v.name, "DesiredInstanceCount": 1} for v in endpoint.variants
            ],
        )

    def deploy_package(self, endpoint: EndpointFacts, package_arn: str, config_name: str) -> None:
        """A model and a config from the package, then update_endpoint. The config has the
        endpoint's variant, or one AllTraffic variant when it had several (an A/B test rolled back:
        one model serves everything)."""
        package = self._client.describe_model_package(ModelPackageName=package_arn)
        containers = [dict(c) for c in package["InferenceSpecification"]["Containers"]]
        container = containers[0] if len(containers) == 1 else containers[1]  # XGBoost's
        first = endpoint.variants[0] if endpoint.variants else None
        role = self._client.describe_model(ModelName=first.model_name)["ExecutionRoleArn"] if first else ""
        model_name = config_name
        if not self._exists(lambda: self._client.describe_model(ModelName=model_name)):
            self._client.create_model(
                ModelName=model_name,
                ExecutionRoleArn=role,
                **model_containers(container["Image"], container["ModelDataUrl"], containers),
            )
        if not self._exists(lambda: self._client.describe_endpoint_config(EndpointConfigName=config_name)):
            variants = endpoint.variants if len(endpoint.variants) == 1 else []
            if not variants:
                first_type = first.instance_type if first else ""
                count = max((v.instance_count for v in endpoint.variants), default=1)
                variants = [
                    Variant(name="AllTraffic", model_name="", instance_type=first_type, instance_count=count)
                ]
            production: list[ProductionVariantTypeDef] = [
                {
                    "VariantName": v.name,
                    "ModelName": model_name,
                    "InstanceType": cast(
                        "ProductionVariantInstanceTypeType", v.instance_type or "ml.m5.xlarge"
                    ),
                    "InitialInstanceCount": max(1, v.instance_count),
                    "InitialVariantWeight": 1.0,
                }
                for v in variants
            ]
            self._client.create_endpoint_config(EndpointConfigName=config_name, ProductionVariants=production)
        self._client.update_endpoint(EndpointName=endpoint.name, EndpointConfigName=config_name)

    def wait_for_config(self, name: str, config_name: str, timeout_seconds: float) -> str:
        """Poll until the endpoint is InService or Failed (or the deadline); its config then."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            endpoint = self._client.describe_endpoint(EndpointName=name)
            done = endpoint["EndpointStatus"] in ("InService", "Failed", "OutOfService")
            if (done and endpoint.get("EndpointConfigName") == config_name) or time.monotonic() > deadline:
                return str(endpoint.get("EndpointConfigName", ""))
            if done and not endpoint.get("PendingDeploymentSummary"):
                return str(endpoint.get("EndpointConfigName", ""))
            self._sleep(5.0)

    def tag(self, name: str, tags: dict[str, str]) -> None:
        """Add tags to the endpoint."""
        arn = self._client.describe_endpoint(EndpointName=name)["EndpointArn"]
        self._client.add_tags(ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    def set_weights(self, name: str, weights: dict[str, float]) -> None:
        """UpdateEndpointWeightsAndCapacities with these weights."""
        self._client.update_endpoint_weights_and_capacities(
            EndpointName=name,
            DesiredWeightsAndCapacities=[
                {"VariantName": variant, "DesiredWeight": weight} for variant, weight in weights.items()
            ],
        )

    def approved_packages(self, group: str) -> list[str]:
        """The group's Approved package ARNs, newest first (SortOrder is explicit: moto defaults to
        Ascending)."""
        try:
            response = self._client.list_model_packages(
                ModelPackageGroupName=group,
                ModelApprovalStatus="Approved",
                SortBy="CreationTime",
                SortOrder="Descending",
                MaxResults=100,
            )
        except self._client.exceptions.ClientError as error:
            if error.response["Error"]["Code"] in _MISSING:
                return []
            raise
        return [p["ModelPackageArn"] for p in response.get("ModelPackageSummaryList", [])]

    def _exists(self, describe: Callable[[], Any]) -> bool:
        try:
            describe()
        except self._client.exceptions.ClientError:
            return False
        return True

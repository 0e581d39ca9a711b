"""The endpoint twin's InvokeEndpoint plumbing: the model's containers, artifacts from the local S3,
AWS/SageMaker metrics per call, data capture in AWS's layout, and AWS's error shapes."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.s3.models import s3_backends
from moto.sagemaker.exceptions import AWSValidationException
from moto.sagemaker.models import SageMakerModelBackend

from lockgate.local.faults import FAULT_TAG
from lockgate.local.sagemaker import pipeline
from lockgate.names import split_location, split_uri

NAMESPACE = "AWS/SageMaker"
Response = tuple[int, dict[str, str], str]


def fetcher(backend: SageMakerModelBackend) -> pipeline.Fetch:
    def fetch(url: str) -> bytes:
        bucket, key = split_uri(url)
        stored = s3_backends[backend.account_id][backend.partition].get_object(bucket, key)
        if stored is None:
            raise AWSValidationException(f"{url}: no such model artifact.")
        return bytes(stored.value)

    return fetch


def model_error(
    backend: SageMakerModelBackend, name: str, variant: str, original: int, message: str
) -> Response:
    meter(
        backend,
        name,
        variant,
        errors_5xx=int(original >= 500),
        errors_4xx=int(original < 500),
        latency_us=None,
    )
    logs = f"arn:aws:logs:{backend.region_name}:{backend.account_id}:log-group"
    log_stream = f"{logs}:/aws/sagemaker/Endpoints/{name}"
    body = {
        "__type": "ModelError",
        "message": f"Received {'server' if original >= 500 else 'client'} error ({original}) "
        f'from {variant} with message "{message}". See {log_stream} in account {backend.account_id} '
        "for more information.",
        "OriginalStatusCode": original,
        "OriginalMessage": message,
        "LogStreamArn": log_stream,
    }
    headers = {"x-amzn-ErrorType": "ModelError", "Content-Type": "application/json", "status": "424"}
    return 424, headers, json.dumps(body)


def meter(
    backend: SageMakerModelBackend,
    name: str,
    variant: str,
    *,
    errors_5xx: int,
    errors_4xx: int,
    latency_us: float | None,
) -> None:
    dimensions = [{"Name": "EndpointName", "Value": name}, {"Name": "VariantName", "Value": variant}]
    # naive UTC, as moto keeps the timestamps PutMetricData brings: GetMetricStatistics compares
    # them with its (naive) StartTime, and an aware one made it answer 500
    now = datetime.now(UTC).replace(tzinfo=None)
    data: list[dict[str, Any]] = [
        {"MetricName": "Invocations", "Value": 1.0, "Unit": "None"},
        {"MetricName": "Invocation5XXErrors", "Value": float(errors_5xx), "Unit": "None"},
        {"MetricName": "Invocation4XXErrors", "Value": float(errors_4xx), "Unit": "None"},
    ]
    if latency_us is not None:
        data.append({"MetricName": "ModelLatency", "Value": latency_us, "Unit": "Microseconds"})
    for datum in data:
        datum.update(Dimensions=dimensions, Timestamp=now)
    cloudwatch_backends[backend.account_id][backend.region_name].put_metric_data(NAMESPACE, data)


def capture(
    backend: SageMakerModelBackend,
    name: str,
    variant: str,
    capture_config: dict[str, Any],
    rng: random.Random,
    *,
    data: tuple[str, str],
    output: tuple[str, str],
) -> None:
    """One capture record in AWS's layout: the request as the caller sent it (raw records on a
    pipeline endpoint) and the answer, each with its observed content type."""
    capture = capture_config
    if not capture or not capture.get("EnableCapture", True) or not capture.get("DestinationS3Uri"):
        return
    if rng.random() * 100 >= float(capture.get("InitialSamplingPercentage", 100)):
        return
    modes = {option.get("CaptureMode") for option in capture.get("CaptureOptions", [])} or {
        "Input",
        "Output",
    }
    now = datetime.now(UTC)
    record: dict[str, Any] = {
        "captureData": {},
        "eventMetadata": {
            "eventId": str(uuid.uuid4()),
            "inferenceTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "eventVersion": "0",
    }
    if "Input" in modes:
        record["captureData"]["endpointInput"] = _captured("INPUT", *data)
    if "Output" in modes:
        record["captureData"]["endpointOutput"] = _captured("OUTPUT", *output)
    bucket, prefix = split_location(str(capture["DestinationS3Uri"]))
    key = "/".join(
        part
        for part in (
            prefix.strip("/"),
            name,
            variant,
            now.strftime("%Y/%m/%d/%H"),
            f"{uuid.uuid4()}.jsonl",
        )
        if part
    )
    s3_backends[backend.account_id][backend.partition].put_object(
        bucket, key, (json.dumps(record) + "\n").encode()
    )


def definitions(backend: SageMakerModelBackend, model: Any) -> list[dict[str, Any]]:
    """The model's containers in order (a package's InferenceSpecification.Containers for a
    container that names a ModelPackageName)."""
    if model is None:
        raise AWSValidationException("The endpoint's model no longer exists.")
    containers = [model.primary_container] if model.primary_container else list(model.containers)
    found: list[dict[str, Any]] = []
    for container in containers:
        if container.get("ModelPackageName"):
            package = backend.describe_model_package(container["ModelPackageName"])
            found += [dict(c) for c in package.inference_specification["Containers"]]
        elif container.get("ModelDataUrl"):
            found.append(dict(container))
        else:
            raise AWSValidationException(f"Model {model.model_name} has no ModelDataUrl.")
    if not found:
        raise AWSValidationException(f"Model {model.model_name} has no containers.")
    return found


def _captured(mode: str, data: str, content_type: str) -> dict[str, str]:
    encoding = "JSON" if "json" in content_type.lower() else "CSV"
    return {"observedContentType": content_type, "mode": mode, "data": data, "encoding": encoding}


def error(status: int, code: str, message: str) -> Response:
    headers = {"x-amzn-ErrorType": code, "Content-Type": "application/json", "status": str(status)}
    return status, headers, json.dumps({"__type": code, "message": message})


def route(
    state: Any, endpoint: Any, rng: random.Random, target: str | None
) -> tuple[Any, dict[str, Any] | None]:
    """The fleet (the new one for its canary share) and the variant that takes this call."""
    fleet = state.live
    if state.new is not None and rng.random() < state.new_share:
        fleet = state.new
    variants = fleet.variants
    if target:
        return fleet, next((v for v in variants if v["VariantName"] == target), None)
    live_weights = {v["VariantName"]: v.get("CurrentWeight") for v in endpoint.production_variants}
    weights: list[float] = []
    for variant in variants:
        live = live_weights.get(variant["VariantName"]) if fleet is state.live else None
        weights.append(float(live if live is not None else variant.get("InitialVariantWeight", 1.0)))
    if sum(weights) <= 0:
        weights = [1.0] * len(variants)
    return fleet, rng.choices(variants, weights=weights)[0]


def fault_rate(model: Any) -> float:
    """The share of calls a model tagged with the fault switch fails."""
    for tag in getattr(model, "tags", None) or []:
        if tag.get("Key") == FAULT_TAG:
            return max(0.0, min(1.0, float(tag["Value"])))
    return 0.0

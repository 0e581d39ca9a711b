"""Every adapter class goes through the one error map (`adapters.errors.guarded`): a throttle, a
5xx and a connection failure each become TransientError (the state machines' retry), on each of its
clients. The failures are real botocore ones: a Stubber answers with the error code and HTTP
status; the connection case sends the call to a port where nothing listens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from lockgate.adapters.audit_table import AuditTable
from lockgate.adapters.cost_explorer import BilledHours
from lockgate.adapters.deploy_records import DeployRecords
from lockgate.adapters.dynamodb import LineageTable, RunClaims
from lockgate.adapters.endpoint_alarms import EndpointAlarms
from lockgate.adapters.events import EventBus
from lockgate.adapters.monitoring import MonitoringSources
from lockgate.adapters.pipelines import ExecutionHistory, S3Datasets, TrainPipeline
from lockgate.adapters.review_records import ReviewRecords
from lockgate.adapters.s3 import S3Store
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.adapters.sagemaker_jobs import SageMakerJobs
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.adapters.sns import Notifier
from lockgate.adapters.stepfunctions import StepFunctions
from lockgate.adapters.variant_metrics import VariantMetrics
from lockgate.errors import TransientError
from lockgate.lineage import Node

REGION = "us-east-1"
ACCOUNT = "123456789012"
PACKAGE = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/lockgate-dev-credit/1"
MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:m"
EXECUTION = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:m:e"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:t"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens


def _client(service: str, endpoint_url: str | None = None) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1, read_timeout=1),
    )


def _monitoring(**clients: Any) -> MonitoringSources:
    every = {name: _client(name) for name in ("s3", "sagemaker", "cloudwatch")}
    return MonitoringSources("data", "artifacts", "dev", **{**every, **clients})


@dataclass(frozen=True)
class Case:
    """One adapter class on one of its clients: how to build it and one call that reaches AWS."""

    service: str
    operation: str  # the client operation the call makes first
    build: Callable[[Any], Any]
    call: Callable[[Any], object]


CASES: dict[str, Case] = {
    "AuditTable": Case(
        "dynamodb", "get_item", lambda c: AuditTable("audit", c), lambda a: a.get("alarm", "t")
    ),
    "BilledHours": Case(
        "ce",
        "get_cost_and_usage",
        BilledHours,
        lambda a: a.month_hours(date(2026, 12, 1), date(2026, 12, 7)),
    ),
    "DeployRecords": Case(
        "dynamodb", "get_item", lambda c: DeployRecords("lineage", c), lambda a: a.approval(PACKAGE)
    ),
    "LineageTable": Case(
        "dynamodb",
        "batch_write_item",
        lambda c: LineageTable("lineage", c),
        lambda a: a.link(Node(kind="version", id="credit/v1"), Node(kind="model-package", id="p1")),
    ),
    "RunClaims": Case(
        "dynamodb", "put_item", lambda c: RunClaims("claims", c), lambda a: a.claim("train#credit#v1", "e")
    ),
    "EndpointAlarms": Case(
        "cloudwatch", "describe_alarms", EndpointAlarms, lambda a: a.of_endpoint("dev", "lockgate-dev-credit")
    ),
    "EventBus": Case(
        "events", "put_events", lambda c: EventBus(client=c), lambda a: a.put("X", {"k": "v"}, [])
    ),
    "MonitoringSources.sagemaker": Case(
        "sagemaker", "list_endpoints", lambda c: _monitoring(sagemaker=c), lambda a: a.endpoints()
    ),
    "MonitoringSources.s3": Case(
        "s3", "list_objects_v2", lambda c: _monitoring(s3=c), lambda a: a.orphans(set())
    ),
    "MonitoringSources.cloudwatch": Case(
        "cloudwatch",
        "put_metric_data",
        lambda c: _monitoring(cloudwatch=c),
        lambda a: a.put_metrics([("m", 1.0, {"EndpointName": "e"})]),
    ),
    "S3Datasets": Case(
        "s3", "list_objects_v2", lambda c: S3Datasets("data", c), lambda a: a.latest_version("credit")
    ),
    "TrainPipeline": Case(
        "stepfunctions",
        "list_executions",
        lambda c: TrainPipeline(MACHINE, "data", c),
        lambda a: a.running_train("credit"),
    ),
    "ExecutionHistory": Case(
        "stepfunctions",
        "get_execution_history",
        ExecutionHistory,
        lambda a: a.notified_by_catch(EXECUTION),
    ),
    "ReviewRecords": Case(
        "dynamodb", "get_item", lambda c: ReviewRecords("reviews", c), lambda a: a.get("v1", "e")
    ),
    "S3Store": Case("s3", "get_object", S3Store, lambda a: a.read("b", "k")),
    "ModelRegistry": Case("sagemaker", "describe_model_package", ModelRegistry, lambda a: a.package(PACKAGE)),
    "SageMakerEndpoints": Case(
        "sagemaker", "describe_endpoint", SageMakerEndpoints, lambda a: a.endpoint("lockgate-dev-credit")
    ),
    "SageMakerEndpoints.runtime": Case(
        "sagemaker-runtime",
        "invoke_endpoint",
        lambda c: SageMakerEndpoints(_client("sagemaker"), c),
        lambda a: a.invoke_csv("lockgate-dev-credit", "1,2"),
    ),
    "SageMakerJobs": Case(
        "sagemaker", "describe_transform_job", SageMakerJobs, lambda a: a.transform_model("lg-job")
    ),
    "Notifier": Case("sns", "publish", lambda c: Notifier(TOPIC, c), lambda a: a.publish("s", "m")),
    "StepFunctions": Case(
        "stepfunctions", "start_execution", StepFunctions, lambda a: a.start_once(MACHINE, "n", {})
    ),
    "VariantMetrics": Case(
        "cloudwatch",
        "get_metric_statistics",
        VariantMetrics,
        lambda a: a.read("lockgate-dev-credit", "AllTraffic"),
    ),
}

ERRORS = [
    ("ThrottlingException", 400),
    ("InternalFailure", 500),
    ("ServiceUnavailable", 503),
]


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize(("code", "status"), ERRORS, ids=[code for code, _ in ERRORS])
def test_throttles_and_5xx_become_transient(name: str, code: str, status: int) -> None:
    case = CASES[name]
    client: BaseClient = _client(case.service)
    adapter = case.build(client)
    with Stubber(client) as stub:
        stub.add_client_error(case.operation, service_error_code=code, http_status_code=status)
        with pytest.raises(TransientError, match=code):
            case.call(adapter)
        stub.assert_no_pending_responses()  # the call reached the client: the error came from AWS's answer


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_connection_failure_becomes_transient(name: str) -> None:
    case = CASES[name]
    adapter = case.build(_client(case.service, UNREACHABLE))
    with pytest.raises(TransientError, match="EndpointConnectionError") as raised:
        case.call(adapter)
    assert isinstance(raised.value.__cause__, EndpointConnectionError)


def test_every_adapter_class_has_a_case() -> None:
    """A new adapter class (one that takes a boto3 client) needs a case here."""
    import importlib
    import inspect
    import pkgutil

    import lockgate.adapters as package

    classes = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            parameters = inspect.signature(cls).parameters if cls.__module__ == module.__name__ else {}
            if "client" in parameters or "clients" in parameters:
                classes.add(cls_name)
    covered = {name.split(".")[0] for name in CASES}
    assert "MonitoringSources" in classes and "SageMakerJobs" in classes  # the scan finds them
    assert classes - covered == set()

"""The one error map: throttling, 5xx and connection failures become TransientError in every
adapter; every other AWS error stays what botocore raised."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from lockgate.adapters.dynamodb import LineageTable, RunClaims
from lockgate.adapters.errors import TRANSIENT_CODES, guarded, transient_error
from lockgate.adapters.s3 import S3Store
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.adapters.sns import Notifier
from lockgate.adapters.stepfunctions import StepFunctions
from lockgate.errors import TransientError
from lockgate.lineage import Node

REGION = "us-east-1"
TOPIC = "arn:aws:sns:us-east-1:123456789012:t"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:m"


def _client(service: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        service,
        region_name=REGION,
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("SlowDown", 503),
        ("ServiceUnavailable", 503),
        ("InternalError", 500),
        ("Throttling", 400),
        ("RequestLimitExceeded", 400),
        ("SomethingNew", 502),  # any 5xx
    ],
)
def test_s3_throttling_and_5xx_become_transient(code: str, status: int) -> None:
    client = _client("s3")
    store = S3Store(client)
    with Stubber(client) as stub:
        stub.add_client_error("get_object", service_error_code=code, http_status_code=status)
        with pytest.raises(TransientError, match=code) as raised:
            store.read("b", "k")
    assert isinstance(raised.value.__cause__, ClientError)


def test_a_missing_object_stays_a_client_error() -> None:
    client = _client("s3")
    store = S3Store(client)
    with Stubber(client) as stub:
        stub.add_client_error("head_object", service_error_code="404", http_status_code=404)
        with pytest.raises(ClientError) as raised:
            store.size("b", "k")
    assert not isinstance(raised.value, TransientError)


def test_paginated_calls_are_guarded_too() -> None:
    client = _client("s3")
    store = S3Store(client)
    with Stubber(client) as stub:
        stub.add_client_error("list_objects_v2", service_error_code="SlowDown", http_status_code=503)
        with pytest.raises(TransientError):
            list(store.list_keys("b", "raw/"))


@pytest.mark.parametrize("code", ["Throttling", "ThrottlingException", "TooManyRequestsException"])
def test_sns_and_step_functions_throttling_is_transient(code: str) -> None:
    sns, sfn = _client("sns"), _client("stepfunctions")
    notifier, machines = Notifier(TOPIC, sns), StepFunctions(sfn)
    with Stubber(sns) as sns_stub, Stubber(sfn) as sfn_stub:
        sns_stub.add_client_error("publish", service_error_code=code, http_status_code=400)
        sfn_stub.add_client_error("start_execution", service_error_code=code, http_status_code=400)
        with pytest.raises(TransientError):
            notifier.publish("s", "m")
        with pytest.raises(TransientError):
            machines.start_once(MACHINE, "n", {})


def test_an_execution_that_exists_is_not_an_error_at_all() -> None:
    sfn = _client("stepfunctions")
    with Stubber(sfn) as stub:
        stub.add_client_error(
            "start_execution", service_error_code="ExecutionAlreadyExists", http_status_code=400
        )
        assert StepFunctions(sfn).start_once(MACHINE, "n", {}).started is False


def test_an_unreachable_endpoint_is_transient() -> None:
    client = boto3.client(
        "s3",
        region_name=REGION,
        endpoint_url="http://127.0.0.1:9",  # discard port: nothing listens
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    with pytest.raises(TransientError, match="EndpointConnectionError"):
        S3Store(client).read("b", "k")


def test_guarding_twice_registers_the_hooks_once() -> None:
    client = guarded(guarded(_client("s3")))
    with Stubber(client) as stub:
        stub.add_client_error("get_object", service_error_code="SlowDown", http_status_code=503)
        with pytest.raises(TransientError):
            client.get_object(Bucket="b", Key="k")


def test_the_map_reads_codes_and_statuses_not_names() -> None:
    def error(code: str, status: int) -> ClientError:
        return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")

    assert {"Throttling", "ProvisionedThroughputExceededException", "SlowDown"} <= TRANSIENT_CODES
    assert transient_error(error("ProvisionedThroughputExceededException", 400), "Op") is not None
    assert transient_error(error("AccessDenied", 403), "Op") is None
    assert transient_error(ValueError("x"), "Op") is None


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 400),
        ("ServiceUnavailable", 503),  # the one map knows it; the old DynamoDB list did not
        ("InternalServerError", 500),
        ("SomethingNew", 502),  # any 5xx
    ],
)
def test_dynamodb_throttling_and_5xx_become_transient_on_every_call(code: str, status: int) -> None:
    client = _client("dynamodb")
    lineage, claims = LineageTable("lineage", client), RunClaims("claims", client)
    with Stubber(client) as stub:
        for operation in ("batch_write_item", "query", "put_item"):
            stub.add_client_error(operation, service_error_code=code, http_status_code=status)
        with pytest.raises(TransientError, match=code):
            lineage.link(Node(kind="version", id="credit/v1"), Node(kind="model-package", id="p1"))
        with pytest.raises(TransientError, match=code):
            list(lineage.neighbours(Node(kind="version", id="credit/v1")))
        with pytest.raises(TransientError, match=code):
            claims.claim("train#credit#v1", "exec-1")


def test_a_claim_lost_to_a_throttled_read_is_transient_not_a_client_error() -> None:
    client = _client("dynamodb")
    with Stubber(client) as stub:
        stub.add_client_error(
            "put_item", service_error_code="ConditionalCheckFailedException", http_status_code=400
        )
        stub.add_client_error("get_item", service_error_code="ThrottlingException", http_status_code=400)
        with pytest.raises(TransientError):
            RunClaims("claims", client).claim("train#credit#v1", "exec-2")


def test_a_claim_already_held_returns_the_holder_and_a_denied_call_stays_a_client_error() -> None:
    client = _client("dynamodb")
    with Stubber(client) as stub:
        stub.add_client_error(
            "put_item", service_error_code="ConditionalCheckFailedException", http_status_code=400
        )
        stub.add_response("get_item", {"Item": {"execution": {"S": "exec-1"}}})
        stub.add_client_error("put_item", service_error_code="AccessDeniedException", http_status_code=400)
        claims = RunClaims("claims", client)
        assert claims.claim("train#credit#v1", "exec-2") == "exec-1"
        with pytest.raises(ClientError) as raised:
            claims.claim("train#credit#v2", "exec-3")
    assert not isinstance(raised.value, TransientError)


@pytest.mark.parametrize(("code", "status"), [("ThrottlingException", 400), ("RequestLimitExceeded", 400)])
def test_the_model_registry_is_guarded_on_every_call(code: str, status: int) -> None:
    client = _client("sagemaker")
    registry = ModelRegistry(client)
    with Stubber(client) as stub:
        stub.add_client_error(
            "describe_model_package_group", service_error_code=code, http_status_code=status
        )
        stub.add_client_error("update_model_package", service_error_code=code, http_status_code=status)
        with pytest.raises(TransientError, match=code):
            registry.ensure_group("lockgate-dev-credit", "d")
        with pytest.raises(TransientError, match=code):
            registry.set_approval(
                "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1", "Approved", "r"
            )


def test_the_deploy_adapters_are_guarded_on_every_call_and_keep_their_quota_retry() -> None:
    client, runtime = _client("sagemaker"), _client("sagemaker-runtime")
    deploy, registry = SageMakerEndpoints(client, runtime), ModelRegistry(client)
    with Stubber(client) as stub, Stubber(runtime) as runtime_stub:
        stub.add_client_error(
            "describe_endpoint", service_error_code="ThrottlingException", http_status_code=400
        )
        stub.add_client_error("describe_model_package", service_error_code="ResourceLimitExceeded")
        runtime_stub.add_client_error(
            "invoke_endpoint", service_error_code="ServiceUnavailable", http_status_code=503
        )
        with pytest.raises(TransientError, match="ThrottlingException"):
            deploy.endpoint("lockgate-dev-credit")
        with pytest.raises(TransientError, match="ResourceLimitExceeded"):
            registry.package("arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1")
        with pytest.raises(TransientError, match="ServiceUnavailable"):
            deploy.invoke_csv("lockgate-dev-credit", "1,2")

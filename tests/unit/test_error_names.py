"""Every error name a state machine retries or catches exists: a class in lockgate.errors (what
our functions raise: Lambda reports the class name as errorType), or a name AWS documents for
Step Functions, Lambda or an AWS SDK / optimised service integration."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from lockgate import errors
from lockgate.errors import LockgateError, error_named

REPO = Path(__file__).resolve().parents[2]
MACHINES = sorted((REPO / "statemachines").glob("*.asl.json"))

# https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
STATES_ERRORS = {
    "States.ALL",
    "States.DataLimitExceeded",
    "States.ExceedToleratedFailureThreshold",
    "States.HeartbeatTimeout",
    "States.Http.Socket",
    "States.IntrinsicFailure",
    "States.ItemReaderFailed",
    "States.NoChoiceMatched",
    "States.ParameterPathFailure",
    "States.Permissions",
    "States.QueryEvaluationError",
    "States.ResultPathMatchFailure",
    "States.ResultWriterFailed",
    "States.Runtime",
    "States.TaskFailed",
    "States.Timeout",
    "States.BranchFailed",
}
# Lambda invoke errors Step Functions reports (Lambda service exceptions and the SDK's own).
LAMBDA_ERRORS = {
    "Lambda.AWSLambdaException",
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.SdkClientException",
    "Lambda.ServiceException",
    "Lambda.Unknown",
}
# Step Functions' names for services in task errors -> botocore service names.
SERVICES = {
    "Lambda": "lambda",
    "SageMaker": "sagemaker",
    "S3": "s3",
    "DynamoDb": "dynamodb",
    "DynamoDB": "dynamodb",
    "Sns": "sns",
    "SNS": "sns",
    "Sqs": "sqs",
    "SQS": "sqs",
    "EventBridge": "events",
    "CloudWatch": "cloudwatch",
    "Sfn": "stepfunctions",
    "StepFunctions": "stepfunctions",
}
_botocore = botocore.session.get_session()


def _error_names(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "ErrorEquals":
                yield from inner
            else:
                yield from _error_names(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _error_names(inner)


def _service_errors(prefix: str) -> set[str]:
    """The exception shapes of a service's API, plus the integration's generic names."""
    model = _botocore.get_service_model(SERVICES[prefix])
    shapes = {name for name in model.shape_names if model.shape_for(name).metadata.get("exception")}
    generic = {
        f"{prefix}Exception",
        f"Amazon{prefix}Exception",
        f"AWS{prefix}Exception",
        "SdkClientException",
    }
    return shapes | generic


def documented(name: str) -> bool:
    """A name AWS documents (States.*, Lambda.*, <Service>.<exception of its API>)."""
    if name in STATES_ERRORS or name in LAMBDA_ERRORS:
        return True
    prefix, dot, rest = name.partition(".")
    return bool(dot) and prefix in SERVICES and rest in _service_errors(prefix)


NAMES = sorted({(p.name, n) for p in MACHINES for n in _error_names(json.loads(p.read_text()))})


@pytest.mark.parametrize(("machine", "name"), NAMES, ids=[f"{m}:{n}" for m, n in NAMES])
def test_every_error_equals_name_exists(machine: str, name: str) -> None:
    ours = error_named(name)
    assert ours is not None or documented(name), (
        f"{machine}: ErrorEquals {name!r} is neither a class in lockgate.errors nor an AWS name"
    )


def test_the_state_machines_retry_our_transient_error() -> None:
    assert "TransientError" in {name for _, name in NAMES}
    assert error_named("TransientError") is errors.TransientError


def test_the_check_can_fail() -> None:
    assert not documented("States.Timout")
    assert not documented("SageMaker.NoSuchThing") and documented("SageMaker.ResourceNotFound")
    assert documented("SageMaker.AmazonSageMakerException") and documented("Lambda.TooManyRequestsException")
    assert error_named("TransientErorr") is None and error_named("DatasetRejected") is not None
    assert issubclass(errors.DatasetRejected, LockgateError)

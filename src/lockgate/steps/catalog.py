"""Which models each function of template.yaml takes and returns (logical id -> FunctionIO).

Add a line here for every new function: tests/unit/test_step_contracts.py checks the state
machines' Parameters and ResultSelector paths, and the events/ files, against these models.
A function an AWS service triggers (EventBridge, S3) takes the Powertools Parser model of that
event."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel

from lockgate.steps.base import FunctionIO
from lockgate.steps.bias import BiasCheckRequest, BiasCheckResult
from lockgate.steps.ingest import DataGateRequest, DataGateResult, StarterResult
from lockgate.steps.notify import NotifyFailureRequest, NotifyFailureResult
from lockgate.steps.train import (
    EvaluateInput,
    EvaluateOutput,
    PlanTrainingInput,
    PlanTrainingOutput,
    RegisterModelInput,
    RegisterModelOutput,
)

FUNCTIONS: dict[str, FunctionIO] = {
    "StarterFunction": FunctionIO(S3EventNotificationEventBridgeModel, StarterResult),
    "DataGateFunction": FunctionIO(DataGateRequest, DataGateResult),
    "BiasCheckFunction": FunctionIO(BiasCheckRequest, BiasCheckResult),
    "NotifyFailureFunction": FunctionIO(NotifyFailureRequest, NotifyFailureResult),
    "PlanTrainingFunction": FunctionIO(PlanTrainingInput, PlanTrainingOutput),
    "EvaluateFunction": FunctionIO(EvaluateInput, EvaluateOutput),
    "RegisterModelFunction": FunctionIO(RegisterModelInput, RegisterModelOutput),
}

"""Which models each function of template.yaml takes and returns (logical id -> FunctionIO).

Add a line here for every new function: tests/unit/test_step_contracts.py checks the state
machines' Parameters and ResultSelector paths, and the events/ files, against these models."""

from __future__ import annotations

from lockgate.pipeline.requests import BiasCheckRequest, DataGateRequest
from lockgate.steps.base import FunctionIO
from lockgate.steps.train import (
    EvaluateInput,
    EvaluateOutput,
    PlanTrainingInput,
    PlanTrainingOutput,
    RegisterModelInput,
    RegisterModelOutput,
)

FUNCTIONS: dict[str, FunctionIO] = {
    "DataGateFunction": FunctionIO(DataGateRequest),
    "BiasCheckFunction": FunctionIO(BiasCheckRequest),
    "PlanTrainingFunction": FunctionIO(PlanTrainingInput, PlanTrainingOutput),
    "EvaluateFunction": FunctionIO(EvaluateInput, EvaluateOutput),
    "RegisterModelFunction": FunctionIO(RegisterModelInput, RegisterModelOutput),
}

"""Which models each function of template.yaml takes and returns (logical id -> FunctionIO).

Add a line here for every new function: tests/unit/test_step_contracts.py checks the state
machines' Parameters and ResultSelector paths, and the events/ files, against these models."""

from __future__ import annotations

from lockgate.pipeline.requests import BiasCheckRequest, DataGateRequest
from lockgate.steps.base import FunctionIO
from lockgate.steps.deploy import (
    ApprovalNotice,
    ApprovalRequest,
    DeployRunInput,
    EndpointStatusRequest,
    EndpointStatusResult,
    EndpointUpdateRequest,
    EndpointUpdateResult,
    PrepareResult,
    RecordRequest,
    RecordResult,
    SmokeTestRequest,
    SmokeTestResult,
)

FUNCTIONS: dict[str, FunctionIO] = {
    "DataGateFunction": FunctionIO(DataGateRequest),
    "BiasCheckFunction": FunctionIO(BiasCheckRequest),
    # deploy (issue 8); DeployStarterFunction takes an EventBridge event, not a task payload
    "PrepareDeploymentFunction": FunctionIO(DeployRunInput, PrepareResult),
    "EndpointUpdateFunction": FunctionIO(EndpointUpdateRequest, EndpointUpdateResult),
    "EndpointStatusFunction": FunctionIO(EndpointStatusRequest, EndpointStatusResult),
    "SmokeTestFunction": FunctionIO(SmokeTestRequest, SmokeTestResult),
    "RequestApprovalFunction": FunctionIO(ApprovalRequest, ApprovalNotice),
    "RecordDeploymentFunction": FunctionIO(RecordRequest, RecordResult),
}

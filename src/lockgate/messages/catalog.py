"""Which models each function of template.yaml takes and returns (logical id -> FunctionIO).

Add a line here for every new function: tests/unit/test_step_contracts.py checks the state
machines' Parameters and ResultSelector paths, and the events/ files, against these models.
A function an AWS service triggers (EventBridge, S3) takes the Powertools Parser model of that
event. `EVENTS`, `STATE_MACHINES` and `PROPERTIES` register the hand-offs that are no function's
input: a `lockgate` event's detail (checked in every PutEvents of the state machines and against
the rules that deliver it), a state machine's own input (every read of it in its ASL), and a model
package's CustomerMetadataProperties (every `events/` file that carries them)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from pydantic import BaseModel

from lockgate.messages.base import FunctionIO
from lockgate.messages.batch import BatchPlan, BatchPredictRequest, BatchPredictResult
from lockgate.messages.bias import BiasCheckRequest, BiasCheckResult
from lockgate.messages.deploy import (
    ApprovalNotice,
    ApprovalRequest,
    DeployRunInput,
    DeployStartResult,
    EndpointStatusRequest,
    EndpointStatusResult,
    EndpointUpdateRequest,
    EndpointUpdateResult,
    ModelPackageStateChangeEvent,
    PrepareResult,
    PromoteRequest,
    PromoteResult,
    RecordRequest,
    RecordResult,
    SmokeTestRequest,
    SmokeTestResult,
)
from lockgate.messages.ingest import (
    DataGateRequest,
    DataGateResult,
    DatasetVersionCreated,
    StarterResult,
)
from lockgate.messages.monitoring import MonitorInput, MonitorOutput
from lockgate.messages.notify import NotifyFailureRequest, NotifyFailureResult
from lockgate.messages.package import PackageMetadata
from lockgate.messages.remediation import (
    ExecutionStatusChange,
    PipelineStatusOutput,
    RemediationInput,
    RemediationOutput,
)
from lockgate.messages.review import ReviewNotice, ReviewRequest
from lockgate.messages.train import (
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
    "RemediationFunction": FunctionIO(RemediationInput, RemediationOutput),
    "PipelineStatusFunction": FunctionIO(ExecutionStatusChange, PipelineStatusOutput),
    "MonitorFunction": FunctionIO(MonitorInput, MonitorOutput),
    # deploy (issue 8)
    "DeployStarterFunction": FunctionIO(ModelPackageStateChangeEvent, DeployStartResult),
    "PrepareDeploymentFunction": FunctionIO(DeployRunInput, PrepareResult),
    "EndpointUpdateFunction": FunctionIO(EndpointUpdateRequest, EndpointUpdateResult),
    "EndpointStatusFunction": FunctionIO(EndpointStatusRequest, EndpointStatusResult),
    "SmokeTestFunction": FunctionIO(SmokeTestRequest, SmokeTestResult),
    "RequestApprovalFunction": FunctionIO(ApprovalRequest, ApprovalNotice),
    "RecordDeploymentFunction": FunctionIO(RecordRequest, RecordResult),
    "PromoteVariantFunction": FunctionIO(PromoteRequest, PromoteResult),  # A/B promote (not in a machine)
    # a person's review of a needs-human gate (issue 22)
    "RequestReviewFunction": FunctionIO(ReviewRequest, ReviewNotice),
    # batch inference on new raw records (issue 20, statemachines/batch_predict.asl.json)
    "PrepareBatchFunction": FunctionIO(BatchPredictRequest, BatchPlan),
    "FinishBatchFunction": FunctionIO(BatchPlan, BatchPredictResult),
}

EVENTS: dict[str, type[BaseModel]] = {
    DatasetVersionCreated.DETAIL_TYPE: DatasetVersionCreated,
}
"""detail-type of a `lockgate` event -> the model of its detail."""

STATE_MACHINES: dict[str, type[BaseModel]] = {
    "TrainStateMachine": DatasetVersionCreated,  # the rule hands it the event's detail ($.detail)
}
"""Logical id of a state machine in template.yaml -> the model of its execution input."""

PROPERTIES: dict[str, type[PackageMetadata]] = {
    "CustomerMetadataProperties": PackageMetadata,
    "metadata": PackageMetadata,  # the deploy run carries them (PrepareResult, ApprovalRequest)
}
"""A field that carries a model package's metadata -> its model (`from_properties`/`to_properties`)."""

"""The Step Functions `sagemaker` service integration in moto's interpreter: every action as
request-response (createModel, createEndpointConfig, ...) and `.sync` for createTrainingJob,
createTransformJob and createHyperParameterTuningJob, which polls Describe* until the job ends.
moto 5.2.5 has no `sagemaker` integration at all ("Unknown service"); the hook is
`state_task_factory.state_task_service_for` (DESIGN.md). Outputs are JSON-safe (timestamps as
epoch milliseconds, as Step Functions renders SageMaker's); errors are named as on AWS:
`SageMaker.AmazonSageMakerException` for a rejected call, `States.TaskFailed` (cause: the
Describe output) for a job that failed or stopped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_callback as callback,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

from lockgate.local.sagemaker import training
from lockgate.local.sagemaker.jobs import JobRunner

# .sync action -> (describe call, name parameter, status field)
SYNC_ACTIONS: dict[str, tuple[str, str, str]] = {
    "createTrainingJob": ("describe_training_job", "TrainingJobName", "TrainingJobStatus"),
    "createTransformJob": ("describe_transform_job", "TransformJobName", "TransformJobStatus"),
    "createHyperParameterTuningJob": (
        "describe_hyper_parameter_tuning_job",
        "HyperParameterTuningJobName",
        "HyperParameterTuningJobStatus",
    ),
}
RUNNING = ("InProgress", "Stopping")
# Real seconds a .sync task waits for a twin job to end before it describes the job again anyway
# (a job's end wakes it at once; see JobRunner.wait_for_change).
SYNC_WAIT_SECONDS = 1.0
SAGEMAKER_ERROR = "SageMaker.AmazonSageMakerException"


def _runner() -> JobRunner | None:
    """The bound twin's job runner (None when the twin is not applied)."""
    bound = training._Bound.context
    return bound.runner if bound is not None else None


def epoch_millis(value: Any) -> Any:
    """Datetimes to epoch milliseconds, recursively; drops ResponseMetadata."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, dict):
        return {k: epoch_millis(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [epoch_millis(v) for v in value]
    return value


class StateTaskServiceSageMaker(callback.StateTaskServiceCallback):
    """`arn:aws:states:::sagemaker:<action>[.sync]`."""

    def __init__(self) -> None:
        super().__init__(
            # WaitForTaskToken too: moto's _eval_integration_pattern calls the callback endpoint
            # it only creates for that pattern (AttributeError on None otherwise).
            supported_integration_patterns={ResourceCondition.WaitForTaskToken, ResourceCondition.Sync}  # type: ignore[arg-type]
        )

    def _get_supported_parameters(self) -> set[str] | None:
        # Not None: the integration exists (moto rejects the definition otherwise); empty: every
        # parameter goes through and SageMaker's own validation answers for it.
        return set()

    def _client(self, part: Any, credentials: Any) -> Any:
        return boto_client_for(service="sagemaker", region=part.region, state_credentials=credentials)

    def _eval_service_task(
        self,
        env: Any,
        resource_runtime_part: Any,
        normalised_parameters: dict[str, Any],
        state_credentials: Any,
    ) -> None:
        action = self._get_boto_service_action()
        response = getattr(self._client(resource_runtime_part, state_credentials), action)(
            **normalised_parameters
        )
        env.stack.append(epoch_millis(response))

    def _from_error(self, env: Any, ex: Exception) -> FailureEvent:
        if isinstance(ex, ClientError):
            error = ex.response.get("Error", {})
            cause = (
                f"{error.get('Message', '')} (Service: AmazonSageMaker; Status Code: "
                f"{ex.response.get('ResponseMetadata', {}).get('HTTPStatusCode', 400)}; "
                f"Error Code: {error.get('Code', 'ValidationException')})"
            )
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(SAGEMAKER_ERROR),
                event_type=HistoryEventType.TaskFailed,
                event_details=EventDetails(  # type: ignore[typeddict-item]
                    taskFailedEventDetails=TaskFailedEventDetails(
                        error=SAGEMAKER_ERROR,
                        cause=cause,
                        resource=self._get_sfn_resource(),
                        resourceType=self._get_sfn_resource_type(),
                    )
                ),
            )
        return super()._from_error(env=env, ex=ex)

    def _build_sync_resolver(
        self,
        env: Any,
        resource_runtime_part: Any,
        normalised_parameters: dict[str, Any],
        state_credentials: Any,
    ) -> Callable[[], Any] | None:
        action = self.resource.api_action
        if action not in SYNC_ACTIONS:
            raise RuntimeError(
                f"Unsupported .sync callback procedure in resource {self.resource.resource_arn}"
            )
        env.stack.pop()  # the create call's own output: .sync returns the Describe output
        describe, key, status_field = SYNC_ACTIONS[action]
        client = self._client(resource_runtime_part, state_credentials)
        name = normalised_parameters[key]

        def resolve() -> Any:
            runner = _runner()
            since = runner.generation() if runner is not None else 0
            out = epoch_millis(getattr(client, describe)(**{key: name}))
            # Describe again when a twin job ends (at once), not on a timer.
            running = out[status_field] in RUNNING
            if running and runner is not None and runner.wait_for_change(since, SYNC_WAIT_SECONDS):
                out = epoch_millis(getattr(client, describe)(**{key: name}))
            if out[status_field] in RUNNING:
                return None
            if out[status_field] == "Completed":
                return out
            raise FailureEventException(
                FailureEvent(
                    env=env,
                    error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                    event_type=HistoryEventType.TaskFailed,
                    event_details=EventDetails(  # type: ignore[typeddict-item]
                        taskFailedEventDetails=TaskFailedEventDetails(
                            error=StatesErrorNameType.StatesTaskFailed.to_name(),
                            cause=to_json_str(out),
                            resource=self._get_sfn_resource(),
                            resourceType=self._get_sfn_resource_type(),
                        )
                    ),
                )
            )

        return resolve

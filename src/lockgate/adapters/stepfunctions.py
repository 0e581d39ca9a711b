"""AWS Step Functions: starting pipeline executions exactly once per name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from lockgate.adapters.errors import guarded

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


@dataclass(frozen=True)
class StartResult:
    """The execution and whether this call started it (False: it already existed)."""

    execution_arn: str
    started: bool


class StepFunctions:
    """Starts executions; a name already taken means the work is already under way."""

    def __init__(self, client: SFNClient | None = None) -> None:
        self._client = guarded(client or boto3.client("stepfunctions"))

    def start_once(
        self, state_machine_arn: str, name: str, payload: dict[str, Any]
    ) -> StartResult:  # payload: the execution input (JSON)
        """Start `name`, or report the execution that already has it."""
        arn = f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
        try:
            response = self._client.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload, sort_keys=True)
            )
        except self._client.exceptions.ExecutionAlreadyExists:
            return StartResult(arn, started=False)
        # AWS answers a repeat with identical input by returning the same execution (no error):
        # either way exactly one execution exists for the name.
        return StartResult(response["executionArn"], started=True)

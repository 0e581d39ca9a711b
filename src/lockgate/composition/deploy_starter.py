"""DeployStarterFunction: its settings and the start of one deploy run per package and status."""

from __future__ import annotations

from collections.abc import Callable

from lockgate.adapters.stepfunctions import StepFunctions
from lockgate.composition.settings import HandlerSettings
from lockgate.messages.deploy import DeployRunInput, DeployStartResult
from lockgate.names import deploy_execution_name


class DeployStarterSettings(HandlerSettings):
    """deploy_starter: which state machine to start."""

    deploy_state_machine_arn: str


def build_deploy_starter(settings: DeployStarterSettings) -> Callable[[DeployRunInput], DeployStartResult]:
    """run -> the deploy execution, started once (its name derives from the package and status)."""
    step_functions = StepFunctions()

    def start(run: DeployRunInput) -> DeployStartResult:
        name = deploy_execution_name(run.package_arn, run.status)
        result = step_functions.start_once(settings.deploy_state_machine_arn, name, run.to_payload())
        return DeployStartResult(execution_arn=result.execution_arn, started=result.started, name=name)

    return start

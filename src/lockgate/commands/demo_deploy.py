"""The demo's deploy part (call after the train part): approve as a person would with the CLI,
staging, smoke test, production approval, canary; then a deliberately faulty second model that its
alarm rolls back while the first keeps serving. Prints the path, timings and the traffic split.

`run_deploy_demo(cloud, first_package=None)`: without a package from the train part it registers
stand-in packages (lockgate.local.sagemaker.package_stand_in; delete that branch of the code at merge).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from lockgate.commands.console import describe_runs, say
from lockgate.commands.deploy_cli import approve_cli
from lockgate.commands.deploy_cli import run as run_command
from lockgate.deployment.names import alarm_names, endpoint_name, execution_name
from lockgate.local.cloud import LocalCloud

ENVIRONMENT = "dev"


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"demo: {what} did not happen within {timeout:.0f} s")


class _DeployDemo:
    def __init__(self, cloud: LocalCloud) -> None:
        assert cloud.stack is not None
        self.cloud = cloud
        self.outputs = cloud.stack.outputs
        self.sm = cloud.client("sagemaker")
        self.sfn = cloud.client("stepfunctions")
        self.machine = self.outputs["DeployStateMachineArn"]

    def execution_arn(self, package: str, status: str = "Approved") -> str:
        return f"{self.machine.replace(':stateMachine:', ':execution:')}:{execution_name(package, status)}"

    def status(self, package: str) -> str:
        try:
            return str(self.sfn.describe_execution(executionArn=self.execution_arn(package))["status"])
        except self.sfn.exceptions.ExecutionDoesNotExist:
            return "NOT STARTED"

    def approval_waiting(self, package: str) -> bool:
        table = self.outputs["LineageTableName"]
        key = {"pk": {"S": f"model-package#{package}"}, "sk": {"S": "approval#prod"}}
        return bool(self.cloud.client("dynamodb").get_item(TableName=table, Key=key).get("Item"))

    def registry_approve(self, package: str, reason: str) -> None:
        say(f"$ lockgate approve {package} --reason '{reason}'")
        approve_cli(self.cloud.url, package, reason)
        self._emit(package)

    def _emit(self, package: str) -> None:
        from lockgate.local.sagemaker.package_stand_in import (
            emit_state_change,  # until the train twin emits it
        )

        emit_state_change(self.sm, package, self.cloud.client("events"))

    def prod_approve(self, package: str) -> None:
        _wait(lambda: self.approval_waiting(package), 120, "the production approval request")
        say(f"$ lockgate approve {package} --reason 'staging and smoke test look right'")
        approve_cli(self.cloud.url, package, "staging and smoke test look right")

    def finish(self, package: str, timeout: float = 180) -> str:
        _wait(lambda: self.status(package) not in ("RUNNING", "NOT STARTED"), timeout, "the deploy run")
        return self.status(package)


def _register(cloud: LocalCloud, dataset: str, seed: int) -> str:
    from lockgate.local.sagemaker.package_stand_in import register

    package = register(
        cloud.client("s3"),
        cloud.client("sagemaker"),
        bucket=cloud.stack.outputs["ArtifactBucketName"],  # type: ignore[union-attr]
        dataset=dataset,
        seed=seed,
        approve=False,
    )
    return package.arn


def run_deploy_demo(
    cloud: LocalCloud, first_package: str | None = None, dataset: str = "credit"
) -> dict[str, Any]:
    """Run the deploy part against a started local cloud; returns the timings it printed."""
    demo = _DeployDemo(cloud)
    first_seconds, first_outcome = _first_deploy(demo, first_package, dataset)
    timings: dict[str, Any] = {"first deploy (s)": first_seconds}
    seconds, split, second_outcome = _faulty_deploy(demo, dataset)
    timings["faulty deploy (s)"], timings["split"] = seconds, split
    timings["ok"] = first_outcome == "SUCCEEDED" and second_outcome == "FAILED"  # rolled back
    return timings


def _first_deploy(demo: _DeployDemo, first_package: str | None, dataset: str) -> tuple[float, str]:
    say("== deploy: registry approval -> staging -> smoke test -> production approval -> canary")
    began = time.perf_counter()
    first = first_package or _register(demo.cloud, dataset, seed=1)
    demo.registry_approve(first, "metrics and bias verdicts pass")
    demo.prod_approve(first)
    outcome = demo.finish(first)
    seconds = round(time.perf_counter() - began, 2)
    say(f"first deploy: {outcome} in {seconds} s")
    for line in describe_runs(demo.sfn, [demo.machine], limit=1):
        say(line)
    run_command(_ns("endpoints", endpoint_url=demo.cloud.url))
    return seconds, outcome


def _faulty_deploy(demo: _DeployDemo, dataset: str) -> tuple[float, dict[str, int], str]:
    cloud = demo.cloud
    say("== a deliberately faulty second model: its canary fails, the 5XX alarm rolls it back")
    began = time.perf_counter()
    second = _register(cloud, dataset, seed=2)
    demo.registry_approve(second, "second model")
    _wait(lambda: demo.approval_waiting(second), 120, "the second approval request")
    staging, prod = (
        endpoint_name(ENVIRONMENT, dataset, "staging"),
        endpoint_name(ENVIRONMENT, dataset, "prod"),
    )
    say(f"$ lockgate fault {staging} AllTraffic --5xx-rate 1.0")
    run_command(
        _ns("fault", endpoint=staging, variant="AllTraffic", rate=1.0, endpoint_url=cloud.url, table=None)
    )
    split = {"first model (ok)": 0, "canary (5XX)": 0}
    stop = threading.Event()
    alarm = alarm_names(prod)[0]

    def traffic() -> None:  # the CloudWatch twin turns the 5XX metrics into the alarm that rolls back
        runtime = cloud.client("sagemaker-runtime")
        row = ",".join(["0.1"] * 6)
        while not stop.is_set():
            try:
                runtime.invoke_endpoint(EndpointName=prod, ContentType="text/csv", Body=row)
                split["first model (ok)"] += 1
            except runtime.exceptions.ModelError:
                split["canary (5XX)"] += 1
            time.sleep(0.005)

    worker = threading.Thread(target=traffic, daemon=True)
    worker.start()
    try:
        say(f"$ lockgate approve {second} --reason 'let the canary decide'")
        approve_cli(cloud.url, second, "let the canary decide")
        outcome = demo.finish(second)
    finally:
        stop.set()
        worker.join(5)
    seconds = round(time.perf_counter() - began, 2)
    described = demo.sfn.describe_execution(executionArn=demo.execution_arn(second))
    say(f"second deploy: {outcome} ({described.get('error')}: {described.get('cause')}) in {seconds} s")
    total = sum(split.values()) or 1
    say("traffic during the canary: " + ", ".join(f"{k} {v} ({v / total:.0%})" for k, v in split.items()))
    cloud.client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="demo reset")
    run_command(_ns("endpoints", endpoint_url=cloud.url))
    return seconds, split, outcome


def _ns(command: str, **kwargs: Any) -> Any:
    import argparse

    return argparse.Namespace(command=command, **kwargs)

"""The demo's deploy part (call after the train part): approve as a person would with the CLI,
staging, smoke test, production approval, canary; then a second model, trained by the same
pipeline from the next dataset version and made faulty with `lockgate fault`, whose canary the
5XX alarm (evaluated by the CloudWatch twin from the endpoint's metrics) rolls back while the first
keeps serving. Prints the path, timings and the traffic split.

`run_deploy_demo(cloud, first_package, second_package=None)`: without a second package it waits for
the next package the train pipeline registers in the dataset's group (the demo's multipart batch
is a new dataset version, and DatasetVersionCreated trains it) before approving the first.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.commands.console import describe_runs, say
from lockgate.commands.deploy_cli import approve_cli
from lockgate.commands.options import run_command
from lockgate.local.cloud import LocalCloud
from lockgate.messages.ingest import train_input
from lockgate.messages.package import PackageMetadata
from lockgate.names import deploy_execution_name, endpoint_name, group_name, split_uri

ENVIRONMENT = "dev"
OK, FAULTY, OTHER = "first model (ok)", "faulty model (5XX)", "other errors"
TRAFFIC_ROWS = 20  # rows of the first model's test split sent round-robin during the canary


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
        machine = self.machine.replace(":stateMachine:", ":execution:")
        return f"{machine}:{deploy_execution_name(package, status)}"

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
        """`lockgate approve` on a PendingManualApproval package; the registry emits the event."""
        say(f"$ lockgate approve {package} --reason '{reason}'")
        approve_cli(self.cloud.url, package, reason)

    def prod_approve(self, package: str) -> None:
        _wait(lambda: self.approval_waiting(package), 120, "the production approval request")
        say(f"$ lockgate approve {package} --reason 'staging and smoke test look right'")
        approve_cli(self.cloud.url, package, "staging and smoke test look right")

    def finish(self, package: str, timeout: float = 180) -> str:
        _wait(lambda: self.status(package) not in ("RUNNING", "NOT STARTED"), timeout, "the deploy run")
        return self.status(package)

    def test_rows(self, package: str, count: int = TRAFFIC_ROWS) -> list[str]:
        """The first `count` rows of the package's test split (features only, as the model takes)."""
        from lockgate.adapters.sagemaker_registry import ModelRegistry

        uri = PackageMetadata.from_properties(ModelRegistry(self.sm).package(package).metadata).test_data
        bucket, key = split_uri(uri)
        body = self.cloud.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        return [line for line in body.splitlines() if line.strip()][:count]


def trained_package(cloud: LocalCloud, dataset: str, exclude: str, timeout: float = 300) -> str:
    """The package a train run registers in the dataset's group, other than `exclude`. Raises with
    the run's reason when a run of the dataset ends without one."""
    assert cloud.stack is not None
    sfn, machine = cloud.client("stepfunctions"), cloud.stack.outputs["TrainStateMachineArn"]
    group, seen = group_name(ENVIRONMENT, dataset), set[str]()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for execution in sfn.list_executions(stateMachineArn=machine)["executions"]:
            if execution["status"] == "RUNNING" or execution["executionArn"] in seen:
                continue
            seen.add(execution["executionArn"])
            run = sfn.describe_execution(executionArn=execution["executionArn"])
            detail = train_input(run["input"])
            if detail is None or detail.dataset != dataset:
                continue
            registration = json.loads(run.get("output") or "{}").get("registration") or {}
            package = registration.get("packageArn")
            if package == exclude:
                continue
            if package and registration.get("packageGroup") == group:
                return str(package)
            why = registration.get("reasons") or [f"{run.get('error')}: {run.get('cause')}"]
            raise RuntimeError(f"demo: train run {run['name']} registered no package: {'; '.join(why)}")
        time.sleep(0.2)
    raise TimeoutError(f"demo: no second package in {group} within {timeout:.0f} s")


def run_deploy_demo(
    cloud: LocalCloud,
    first_package: str,
    second_package: str | None = None,
    dataset: str = "credit",
    phase_done: Callable[[str], None] = lambda name: None,
) -> dict[str, Any]:
    """Run the deploy part against a started local cloud; returns the timings it printed
    (`phase_done(name)` is called as each of its phases ends: the demo's table of seconds).

    Without `second_package`, the next version's train run must register its package before the
    first one is approved: with no Approved package in the group, its evaluation gate holds it to
    the contract's absolute bars only (a regression check against the first model is noise on a
    few hundred test rows, and the demo needs a second model, not a better one)."""
    demo = _DeployDemo(cloud)
    timings: dict[str, Any] = {}
    if second_package is None:
        say("== the next dataset version's train run registers a second model (DatasetVersionCreated)")
        began = time.perf_counter()
        second_package = trained_package(cloud, dataset, exclude=first_package)
        timings["second package waited (s)"] = round(time.perf_counter() - began, 2)
        say(f"second model package {second_package} in {timings['second package waited (s)']} s")
        phase_done("4+5. the batch version's training, register")
    first_seconds, first_outcome = _first_deploy(demo, first_package)
    timings["first deploy (s)"] = first_seconds
    phase_done("6. approve, staging, smoke test, canary")
    seconds, split, second_outcome = _faulty_deploy(demo, first_package, second_package, dataset)
    timings["faulty deploy (s)"], timings["split"] = seconds, split
    phase_done("6. faulty model: canary, 5XX alarm, rollback")
    # rolled back, and production answered every call that did not reach the faulty model
    timings["ok"] = first_outcome == "SUCCEEDED" and second_outcome == "FAILED" and split[OTHER] == 0
    return timings


def _first_deploy(demo: _DeployDemo, first: str) -> tuple[float, str]:
    say("== deploy: registry approval -> staging -> smoke test -> production approval -> canary")
    began = time.perf_counter()
    demo.registry_approve(first, "metrics and bias verdicts pass")
    demo.prod_approve(first)
    outcome = demo.finish(first)
    seconds = round(time.perf_counter() - began, 2)
    say(f"first deploy: {outcome} in {seconds} s")
    for line in describe_runs(demo.sfn, [demo.machine], limit=1):
        say(line)
    run_command(_ns("endpoints", endpoint_url=demo.cloud.url))
    return seconds, outcome


def _outcome(endpoints: SageMakerEndpoints, endpoint: str, row: str) -> str:
    """Call production once: OK, FAULTY (a 5XX from the faulty model) or OTHER (any other error)."""
    try:
        endpoints.invoke(endpoint, row, "text/csv")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ModelError":
            raise
        return FAULTY if int(str(error.response.get("OriginalStatusCode", 0))) >= 500 else OTHER
    return OK


def _faulty_deploy(
    demo: _DeployDemo, first: str, second: str, dataset: str
) -> tuple[float, dict[str, int], str]:
    cloud = demo.cloud
    from lockgate.adapters.sagemaker_registry import ModelRegistry

    metadata = PackageMetadata.from_properties(ModelRegistry(demo.sm).package(second).metadata)
    say("== a second model, made faulty: its canary fails, the 5XX alarm rolls it back")
    say(f"second model: {second}, trained from dataset version {(metadata.dataset_version or '?')[:12]}")
    began = time.perf_counter()
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
    rows = demo.test_rows(first)
    split = {OK: 0, FAULTY: 0, OTHER: 0}
    stop = threading.Event()

    def traffic() -> None:  # the CloudWatch twin turns the 5XX metrics into the alarm that rolls back
        endpoints = SageMakerEndpoints(demo.sm, cloud.client("sagemaker-runtime"))
        calls = 0
        while not stop.is_set():
            split[_outcome(endpoints, prod, rows[calls % len(rows)])] += 1
            calls += 1
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
    shown = ", ".join(f"{k} {v} ({v / total:.0%})" for k, v in split.items())
    say(f"production traffic during the update: {shown}")
    for line in describe_runs(demo.sfn, [demo.machine], limit=1):
        say(line)
    run_command(_ns("endpoints", endpoint_url=cloud.url))
    return seconds, split, outcome


def _ns(command: str, **kwargs: Any) -> Any:
    import argparse

    return argparse.Namespace(command=command, **kwargs)

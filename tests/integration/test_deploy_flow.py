"""The deploy pipeline end to end on the local cloud: registry approval -> staging -> smoke test ->
production approval -> canary with rollback alarms; and each way it must fail or refuse.

Packages are quick ones (`quick_packages` in conftest.py: a tiny model registered with the register
step's own request through the real registry adapter); the demo's part deploys trained ones."""

from __future__ import annotations

import argparse
import getpass
import json
import threading
import time
from typing import Any

import pytest

from lockgate.commands.deploy_cli import approve_cli
from lockgate.commands.options import run_command
from lockgate.local.sagemaker import endpoint_patches
from lockgate.names import alarm_names, deploy_execution_name, endpoint_name

pytestmark = pytest.mark.integration


class Deploys:
    """Drives and observes the deploy state machine."""

    def __init__(self, pipeline: Any, packages: Any) -> None:
        self.pipeline, self.packages = pipeline, packages
        outputs = pipeline.cloud.stack.outputs
        self.arn = outputs["DeployStateMachineArn"]
        self.bucket = outputs["ArtifactBucketName"]
        self.table = outputs["LineageTableName"]
        self.sm = pipeline.cloud.client("sagemaker")
        self.sfn = pipeline.cloud.client("stepfunctions")

    def register(self, dataset: str, seed: int, **kwargs: Any) -> Any:
        return self.packages.register(dataset, seed, **kwargs)

    def set_status(self, arn: str, status: str, description: str = "") -> None:
        self.packages.set_status(arn, status, description)

    def run(self, package: Any, status: str = "Approved", timeout: float = 240) -> dict[str, Any]:
        """The finished deploy run of this package and status."""
        name = deploy_execution_name(package.arn, status)
        arn = f"{self.arn.replace(':stateMachine:', ':execution:')}:{name}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                described = self.sfn.describe_execution(executionArn=arn)
            except self.sfn.exceptions.ExecutionDoesNotExist:
                time.sleep(0.05)
                continue
            if described["status"] != "RUNNING":
                return dict(described)
            time.sleep(0.05)
        from lockgate.commands.console import describe_runs

        history = "\n".join(describe_runs(self.sfn, [self.arn], limit=5))
        raise TimeoutError(f"deploy run {name} did not finish:\n{history}")

    def runs_of(self, package: Any) -> list[dict[str, Any]]:
        executions = self.sfn.list_executions(stateMachineArn=self.arn)["executions"]
        return [
            e
            for e in executions
            if e["name"].startswith(deploy_execution_name(package.arn, "Approved")[:30])
            and e["name"] == deploy_execution_name(package.arn, "Approved")
        ]

    def wait_for_approval_request(self, package: Any, timeout: float = 240) -> None:
        dynamodb, deadline = self.pipeline.cloud.client("dynamodb"), time.monotonic() + timeout
        key = {"pk": {"S": f"model-package#{package.arn}"}, "sk": {"S": "approval#prod"}}
        while time.monotonic() < deadline:
            if dynamodb.get_item(TableName=self.table, Key=key).get("Item"):
                return
            time.sleep(0.05)
        raise TimeoutError(f"no approval request for {package.arn}")

    def endpoint(self, dataset: str, stage: str = "prod") -> dict[str, Any]:
        return dict(self.sm.describe_endpoint(EndpointName=endpoint_name("dev", dataset, stage)))

    def predict(self, dataset: str, rows: Any) -> list[float]:
        body = "\n".join(",".join(f"{v:.7g}" for v in row) for row in rows)
        answer = self.pipeline.cloud.client("sagemaker-runtime").invoke_endpoint(
            EndpointName=endpoint_name("dev", dataset, "prod"), ContentType="text/csv", Body=body
        )
        return [float(x) for x in answer["Body"].read().decode().split()]


@pytest.fixture
def deploys(pipeline, quick_packages) -> Deploys:  # type: ignore[no-untyped-def]
    return Deploys(pipeline, quick_packages)


def test_happy_path_to_production_through_a_persons_approval(deploys: Deploys) -> None:
    package = deploys.register("happy", seed=1)
    deploys.wait_for_approval_request(package)
    staging = deploys.endpoint("happy", "staging")
    assert staging["EndpointStatus"] == "InService"
    url = deploys.pipeline.cloud.url
    assert approve_cli(url, package.arn, "looks good") == 0
    run = deploys.run(package)
    assert run["status"] == "SUCCEEDED", run.get("cause")
    prod = deploys.endpoint("happy")
    assert prod["EndpointStatus"] == "InService" and prod["EndpointConfigName"].endswith("-prd")
    assert len(deploys.predict("happy", package.test_rows[:5])) == 5
    tags = {t["Key"]: t["Value"] for t in deploys.sm.list_tags(ResourceArn=prod["EndpointArn"])["Tags"]}
    assert tags["lockgate:package"] == package.arn and tags["lockgate:stage"] == "prod"
    lineage = deploys.pipeline.cloud.client("dynamodb").query(
        TableName=deploys.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"model-package#{package.arn}"}},
    )["Items"]
    assert any(
        item["sk"]["S"].startswith("deploy-run#") and item["outcome"]["S"] == "deployed" for item in lineage
    )
    events = [e for e in deploys.pipeline.lockgate_events() if e.get("detail-type") == "DeploymentSucceeded"]
    assert any(e["detail"]["packageArn"] == package.arn for e in events)
    # the token is spent: a second answer changes nothing
    assert approve_cli(url, package.arn, "again") == 2


def test_the_same_approved_event_twice_deploys_once(deploys: Deploys) -> None:
    package = deploys.register("twice", seed=2, auto_approved=True)
    deploys.set_status(package.arn, "Approved", "again")  # a second delivery of the same state
    assert deploys.run(package)["status"] == "SUCCEEDED"
    assert len(deploys.runs_of(package)) == 1


def test_approval_for_an_unknown_package_changes_nothing(deploys: Deploys) -> None:
    unknown = "arn:aws:sagemaker:us-east-1:123456789012:model-package/lockgate-dev-nothing/9"
    assert approve_cli(deploys.pipeline.cloud.url, unknown, "yes") == 1  # not found: a negative answer
    assert approve_cli(deploys.pipeline.cloud.url, unknown, "no", reject=True) == 1


def test_smoke_mismatch_fails_the_run_before_production(deploys: Deploys) -> None:
    package = deploys.register("smoky", seed=3, auto_approved=True, bad_predictions=True)
    run = deploys.run(package)
    assert run["status"] == "FAILED" and run["error"] == "SmokeTestFailed", run
    with pytest.raises(deploys.sm.exceptions.ClientError):
        deploys.endpoint("smoky")  # production never touched


def test_an_endpoint_never_in_service_hits_the_deadline(deploys: Deploys) -> None:
    twin = endpoint_patches.twin()
    twin.creation_seconds = 10**7
    try:
        package = deploys.register("stuck", seed=4, auto_approved=True)
        run = deploys.run(package, timeout=240)
    finally:
        twin.creation_seconds = 30.0
    assert run["status"] == "FAILED" and run["error"] == "EndpointDeadline", run
    assert "not InService" in run["cause"]


def test_rejected_at_the_production_gate(deploys: Deploys) -> None:
    package = deploys.register("nope", seed=5)
    deploys.wait_for_approval_request(package)
    assert (
        approve_cli(deploys.pipeline.cloud.url, package.arn, "bias report needs a second look", reject=True)
        == 0
    )
    run = deploys.run(package)
    assert run["status"] == "FAILED" and run["error"] == "Rejected"
    assert (
        run["cause"] == f"rejected by {getpass.getuser()} (lockgate reject): bias report needs a second look"
    )
    edges = deploys.pipeline.cloud.client("dynamodb").query(
        TableName=deploys.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"model-package#{package.arn}"}},
    )["Items"]
    [edge] = [e for e in edges if e["sk"]["S"] == f"deploy-run#{run['executionArn']}"]
    assert edge["outcome"]["S"] == "rejected" and edge["reason"]["S"] == "bias report needs a second look"
    assert getpass.getuser() in edge["by"]["S"]


def test_canary_alarm_rolls_back_and_the_old_model_keeps_serving(deploys: Deploys) -> None:
    first = deploys.register("canary", seed=6, auto_approved=True)
    assert deploys.run(first)["status"] == "SUCCEEDED"
    old_config = deploys.endpoint("canary")["EndpointConfigName"]
    second = deploys.register("canary", seed=7, approve=False)
    # a person approves in the registry; the faulty model waits at the production gate
    assert approve_cli(deploys.pipeline.cloud.url, second.arn, "ship it") == 0
    deploys.wait_for_approval_request(second)
    assert (
        run_command(
            argparse.Namespace(
                command="fault",
                endpoint=endpoint_name("dev", "canary", "staging"),
                variant="AllTraffic",
                rate=1.0,
                endpoint_url=deploys.pipeline.cloud.url,
                table=None,
            )
        )
        == 0
    )
    alarm = alarm_names(endpoint_name("dev", "canary", "prod"))[0]
    stop, seen = threading.Event(), {"ok": 0, "5XX": 0, "other": 0}

    def traffic() -> None:
        """Production traffic during the canary: the faulty fleet's 5XX metrics are all the CloudWatch
        twin needs to raise the rollback alarm (nobody sets it)."""
        runtime = deploys.pipeline.cloud.client("sagemaker-runtime")
        body = ",".join(f"{v:.7g}" for v in first.test_rows[0])
        while not stop.is_set():
            try:
                runtime.invoke_endpoint(EndpointName=endpoint_name("dev", "canary", "prod"), Body=body)
                seen["ok"] += 1
            except runtime.exceptions.ModelError as error:
                seen["5XX" if error.response.get("OriginalStatusCode", 0) >= 500 else "other"] += 1
            time.sleep(0.002)

    worker = threading.Thread(target=traffic, daemon=True)
    worker.start()
    try:
        assert approve_cli(deploys.pipeline.cloud.url, second.arn, "go") == 0
        run = deploys.run(second, timeout=240)
    finally:
        stop.set()
        worker.join(5)
    assert run["status"] == "FAILED" and run["error"] == "DeploymentRolledBack", run
    assert alarm in run["cause"]
    assert seen["5XX"] >= 1 and seen["ok"] >= 1 and seen["other"] == 0, seen
    prod = deploys.endpoint("canary")
    assert prod["EndpointStatus"] == "InService" and prod["EndpointConfigName"] == old_config
    assert len(deploys.predict("canary", first.test_rows[:3])) == 3  # the first model keeps serving
    note = deploys.sm.describe_model_package(ModelPackageName=second.arn)["CustomerMetadataProperties"][
        "deployNote"
    ]
    assert "rolled back" in note and alarm in note
    messages = deploys.pipeline.notifications()
    assert any("rolled back" in json.dumps(m) for m in messages)


def test_rejecting_the_live_package_restores_the_previous_approved_one(deploys: Deploys) -> None:
    first = deploys.register("restore", seed=8, auto_approved=True)
    assert deploys.run(first)["status"] == "SUCCEEDED"
    v1_config = deploys.endpoint("restore")["EndpointConfigName"]
    second = deploys.register("restore", seed=9, auto_approved=True)
    assert deploys.run(second)["status"] == "SUCCEEDED"
    assert deploys.endpoint("restore")["EndpointConfigName"] != v1_config
    deploys.set_status(second.arn, "Rejected", "drift found after release")
    run = deploys.run(second, status="Rejected", timeout=240)
    assert run["status"] == "SUCCEEDED", (run.get("error"), run.get("cause"))
    assert deploys.endpoint("restore")["EndpointConfigName"] == v1_config


def test_two_packages_approved_at_once_one_wins_never_half_updated(deploys: Deploys) -> None:
    first = deploys.register("race", seed=10, auto_approved=True, approve=False)
    second = deploys.register("race", seed=11, auto_approved=True, approve=False)
    threads = [
        threading.Thread(target=deploys.set_status, args=(p.arn, "Approved", "both")) for p in (first, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    runs = [deploys.run(first, timeout=240), deploys.run(second, timeout=240)]
    prod = deploys.endpoint("race")
    assert prod["EndpointStatus"] == "InService"
    tags = {t["Key"]: t["Value"] for t in deploys.sm.list_tags(ResourceArn=prod["EndpointArn"])["Tags"]}
    assert tags["lockgate:package"] == second.arn  # the newer approval wins
    assert runs[1]["status"] == "SUCCEEDED"
    assert runs[0]["status"] in ("SUCCEEDED", "FAILED")


def test_two_datasets_deployed_at_once_have_their_own_alarms_and_one_going_leaves_the_other(
    deploys: Deploys,
) -> None:
    """Issue 21: the deploy pipeline owns each endpoint's alarms (none before the endpoint exists);
    an endpoint deleted by the idle reaction takes its alarms, the other dataset's stay."""
    cloudwatch = deploys.pipeline.cloud.client("cloudwatch")

    def alarms(dataset: str) -> dict[str, dict[str, str]]:
        found = cloudwatch.describe_alarms(AlarmNamePrefix="lockgate-dev-")["MetricAlarms"]
        return {
            a["AlarmName"]: {d["Name"]: d["Value"] for d in a["Dimensions"]}
            for a in found
            if f"-{dataset}-" in a["AlarmName"] and not a["AlarmName"].startswith(f"lockgate-dev-{dataset}")
        }

    assert alarms("pair-a") == {} and alarms("pair-b") == {}
    packages = [deploys.register(d, seed=s, auto_approved=True) for d, s in (("pair-a", 21), ("pair-b", 22))]
    for package in packages:
        assert deploys.run(package)["status"] == "SUCCEEDED"
    for dataset in ("pair-a", "pair-b"):
        prod, staging = endpoint_name("dev", dataset, "prod"), endpoint_name("dev", dataset, "staging")
        assert alarms(dataset) == {
            f"lockgate-dev-rollback-{dataset}-5xx": {"EndpointName": prod, "VariantName": "AllTraffic"},
            f"lockgate-dev-rollback-{dataset}-latency": {"EndpointName": prod, "VariantName": "AllTraffic"},
            f"lockgate-dev-idle-{dataset}-prod": {"EndpointName": prod, "VariantName": "AllTraffic"},
            f"lockgate-dev-idle-{dataset}-staging": {"EndpointName": staging, "VariantName": "AllTraffic"},
            f"lockgate-dev-drift-{dataset}-features": {"EndpointName": prod},
            f"lockgate-dev-notify-{dataset}-bias": {"EndpointName": prod},
        }
    kept = alarms("pair-b")
    prod_a = deploys.endpoint("pair-a")
    deploys.sm.add_tags(
        ResourceArn=prod_a["EndpointArn"], Tags=[{"Key": "lockgate:idle-action", "Value": "delete"}]
    )
    # no traffic: after its idle window (2 x 1 h = 7.2 s at clock speed 1000) the idle alarm deletes it
    deadline = time.monotonic() + 90
    while prod_a["EndpointName"] in {e["EndpointName"] for e in deploys.sm.list_endpoints()["Endpoints"]}:
        assert time.monotonic() < deadline, "pair-a's idle production endpoint was not deleted"
        time.sleep(0.2)
    deadline = time.monotonic() + 30
    while any(
        name.endswith(("-5xx", "-latency", "-prod", "-features", "-bias")) for name in alarms("pair-a")
    ):
        assert time.monotonic() < deadline, f"pair-a's alarms stay: {alarms('pair-a')}"
        time.sleep(0.2)  # staging is its own endpoint: its alarm stays
    assert alarms("pair-b") == kept and deploys.endpoint("pair-b")["EndpointStatus"] == "InService"

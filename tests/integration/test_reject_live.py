"""`lockgate reject <package>` in every state, through the real CLI against the local cloud: a live
package (made live by the production approval, or by `promote`) is set Rejected and production goes
back to the latest Approved package before it, with who and why in the run, lineage and SNS; a live
package with nothing before it is refused and nothing changes (issue 22, item 1)."""

from __future__ import annotations

import getpass
import json
import time
from pathlib import Path
from typing import Any

import pytest

from lockgate.cli import main
from lockgate.names import deploy_execution_name, endpoint_name

pytestmark = pytest.mark.integration
CREDIT = Path(__file__).resolve().parents[2] / "contracts" / "credit.yaml"


class Live:
    """Deploys quick packages and observes production."""

    def __init__(self, pipeline: Any, packages: Any) -> None:
        self.pipeline, self.packages = pipeline, packages
        outputs = pipeline.cloud.stack.outputs
        self.machine, self.table = outputs["DeployStateMachineArn"], outputs["LineageTableName"]
        self.url = pipeline.cloud.url
        self.sm, self.sfn = pipeline.cloud.client("sagemaker"), pipeline.cloud.client("stepfunctions")

    def run(self, arn: str, status: str = "Approved", timeout: float = 300) -> dict[str, Any]:
        prefix = self.machine.replace(":stateMachine:", ":execution:")
        execution = f"{prefix}:{deploy_execution_name(arn, status)}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                described = self.sfn.describe_execution(executionArn=execution)
            except self.sfn.exceptions.ExecutionDoesNotExist:
                described = {"status": "RUNNING"}
            if described["status"] != "RUNNING":
                return dict(described)
            time.sleep(0.05)
        raise TimeoutError(f"no finished deploy run {execution}")

    def wait_for_approval(self, arn: str, timeout: float = 300) -> None:
        dynamodb, deadline = self.pipeline.cloud.client("dynamodb"), time.monotonic() + timeout
        key = {"pk": {"S": f"model-package#{arn}"}, "sk": {"S": "approval#prod"}}
        while time.monotonic() < deadline:
            item = dynamodb.get_item(TableName=self.table, Key=key).get("Item")
            if item and item["state"]["S"] == "waiting":
                return
            time.sleep(0.05)
        raise TimeoutError(f"no production approval request for {arn}")

    def prod(self, dataset: str) -> dict[str, Any]:
        return dict(self.sm.describe_endpoint(EndpointName=endpoint_name("dev", dataset, "prod")))

    def live_package(self, dataset: str) -> str:
        tags = self.sm.list_tags(ResourceArn=self.prod(dataset)["EndpointArn"])["Tags"]
        return next(t["Value"] for t in tags if t["Key"] == "lockgate:package")

    def wait_live(self, dataset: str, arn: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.prod(dataset)["EndpointStatus"] == "InService" and self.live_package(dataset) == arn:
                return
            time.sleep(0.05)
        raise TimeoutError(f"{arn} never became live on {dataset}")

    def lineage(self, arn: str) -> list[dict[str, Any]]:
        return list(
            self.pipeline.cloud.client("dynamodb").query(
                TableName=self.table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"model-package#{arn}"}},
            )["Items"]
        )

    def cli(self, *argv: str) -> int:
        return main([*argv, "--endpoint-url", self.url])


@pytest.fixture
def live(pipeline, quick_packages) -> Live:  # type: ignore[no-untyped-def]
    return Live(pipeline, quick_packages)


def _rejected_and_restored(live: Live, dataset: str, first: Any, second: Any, reason: str) -> None:
    """`lockgate reject <second>` rolls production back to `first`, saying who and why everywhere."""
    first_config = json.loads(live.run(first.arn)["output"])["plan"]["prod"]["config"]
    live.pipeline.notifications()
    assert live.cli("reject", second.arn, "--reason", reason) == 0
    who = getpass.getuser()
    package = live.sm.describe_model_package(ModelPackageName=second.arn)
    assert package["ModelApprovalStatus"] == "Rejected"
    assert who in package["ApprovalDescription"] and reason in package["ApprovalDescription"]
    run = live.run(second.arn, "Rejected")
    assert run["status"] == "SUCCEEDED", (run.get("error"), run.get("cause"))
    plan = json.loads(run["output"])["plan"]
    assert plan["action"] == "restore" and plan["packageArn"] == first.arn
    assert who in plan["reason"] and reason in plan["reason"]  # the run says who and why
    live.wait_live(dataset, first.arn)
    assert live.prod(dataset)["EndpointConfigName"] == first_config
    edges = {i["sk"]["S"]: i for i in live.lineage(second.arn) if i["sk"]["S"].startswith("deploy-run#")}
    restore_edge = edges[f"deploy-run#{run['executionArn']}"]
    assert restore_edge["outcome"]["S"] == "rejected" and reason in restore_edge["reason"]["S"]
    restored = [i for i in live.lineage(first.arn) if i["sk"]["S"] == f"deploy-run#{run['executionArn']}"]
    assert restored and restored[0]["outcome"]["S"] == "restored"
    messages = [m for m in live.pipeline.notifications() if "restored" in m.get("Subject", "")]
    assert messages and reason in messages[0]["Message"] and who in messages[0]["Message"]
    assert second.arn in messages[0]["Message"] and first.arn in messages[0]["Message"]


def test_rejecting_a_package_made_live_by_the_production_approval_rolls_back(live: Live) -> None:
    first = live.packages.register("rejlive", seed=51, auto_approved=True)
    assert live.run(first.arn)["status"] == "SUCCEEDED"
    second = live.packages.register("rejlive", seed=52)  # approved in the registry, waits for a person
    live.wait_for_approval(second.arn)
    assert live.cli("approve", second.arn, "--reason", "ship it") == 0
    assert live.run(second.arn)["status"] == "SUCCEEDED"
    live.wait_live("rejlive", second.arn)
    # the production approval was answered (approved): reject goes on to the registry and rolls back
    _rejected_and_restored(live, "rejlive", first, second, "complaints about v2 scores")
    assert live.cli("reject", second.arn, "--reason", "again") == 2  # already Rejected: nothing changed


def test_rejecting_a_package_made_live_by_promote_rolls_back(live: Live) -> None:
    contract = CREDIT.read_text().replace("name: credit\n", "name: rejpromo\n", 1)
    contract += "deployment:\n  variants: {champion: 90, challenger: 10}\n"
    live.pipeline.cloud.client("s3").put_object(
        Bucket=live.pipeline.bucket, Key="contracts/rejpromo.yaml", Body=contract.encode()
    )
    first = live.packages.register("rejpromo", seed=61, auto_approved=True)
    assert live.run(first.arn)["status"] == "SUCCEEDED"
    second = live.packages.register("rejpromo", seed=62, auto_approved=True)  # A/B challenger
    assert live.run(second.arn)["status"] == "SUCCEEDED"
    endpoint = endpoint_name("dev", "rejpromo", "prod")
    assert live.cli("promote", endpoint, "--variant", "challenger", "--reason", "won the A/B") == 0
    live.wait_live("rejpromo", second.arn)
    _rejected_and_restored(live, "rejpromo", first, second, "the A/B winner misbehaves at 100%")


def test_rejecting_the_only_live_package_is_refused_with_what_to_do(
    live: Live, capsys: pytest.CaptureFixture[str]
) -> None:
    only = live.packages.register("rejonly", seed=71, auto_approved=True)
    assert live.run(only.arn)["status"] == "SUCCEEDED"
    live.wait_live("rejonly", only.arn)
    capsys.readouterr()
    assert live.cli("reject", only.arn, "--reason", "bad") == 2
    said = capsys.readouterr()
    line = (said.out + said.err).strip()
    assert "no earlier Approved package" in line and "nothing changed" in line and "delete-endpoint" in line
    assert len(line.splitlines()) == 1
    package = live.sm.describe_model_package(ModelPackageName=only.arn)
    assert package["ModelApprovalStatus"] == "Approved"
    assert live.live_package("rejonly") == only.arn


def test_rejecting_a_package_that_is_not_live_only_sets_the_registry(
    live: Live, capsys: pytest.CaptureFixture[str]
) -> None:
    pending = live.packages.register("rejidle", seed=81, approve=False)
    capsys.readouterr()
    assert live.cli("reject", pending.arn, "--reason", "not this one") == 0
    assert "not live" in capsys.readouterr().out
    package = live.sm.describe_model_package(ModelPackageName=pending.arn)
    assert package["ModelApprovalStatus"] == "Rejected" and "not this one" in package["ApprovalDescription"]

"""A/B production variants end to end on the local cloud: the contract's deployment.variants and
`lockgate deploy --variants` put champion (the live package) and challenger on one endpoint, invoke
routing follows the weights, per-variant metrics count the calls, `lockgate promote` moves all
traffic through the PromoteVariant function; and the bad input each step must refuse.

Packages come from the `quick_packages` fixture (the register step's own request, a tiny model)."""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import numpy as np
import pytest
import xgboost as xgb

from lockgate.adapters.variant_metrics import VariantMetrics
from lockgate.commands.deploy_cli import approve_cli
from lockgate.commands.options import run_command as run_ab
from lockgate.local.sagemaker import endpoint_patches
from lockgate.local.sagemaker.algorithm import model_tarball
from lockgate.names import deploy_execution_name, endpoint_name

pytestmark = pytest.mark.integration
CREDIT = Path(__file__).resolve().parents[2] / "contracts" / "credit.yaml"


class AB:
    """Drives the deploy state machine and the A/B commands."""

    def __init__(self, pipeline: Any, packages: Any, booster_factory: Any) -> None:
        self.pipeline, self.packages, self.booster_factory = pipeline, packages, booster_factory
        outputs = pipeline.cloud.stack.outputs
        self.machine = outputs["DeployStateMachineArn"]
        self.bucket = outputs["ArtifactBucketName"]
        self.table = outputs["LineageTableName"]
        self.url = pipeline.cloud.url
        self.sm = pipeline.cloud.client("sagemaker")
        self.sfn = pipeline.cloud.client("stepfunctions")
        self.runtime = pipeline.cloud.client("sagemaker-runtime")

    def register(self, dataset: str, seed: int, **kwargs: Any) -> Any:
        return self.packages.register(dataset, seed, **kwargs)

    def run_named(self, name: str, timeout: float = 480) -> dict[str, Any]:
        arn = f"{self.machine.replace(':stateMachine:', ':execution:')}:{name}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                described = self.sfn.describe_execution(executionArn=arn)
            except self.sfn.exceptions.ExecutionDoesNotExist:
                described = {"status": "RUNNING"}
            if described["status"] != "RUNNING":
                return dict(described)
            time.sleep(0.05)
        from lockgate.commands.console import describe_runs

        history = "\n".join(describe_runs(self.sfn, [self.machine], limit=5))
        raise TimeoutError(f"deploy run {name} did not finish:\n{history}")

    def run(self, package: Any) -> dict[str, Any]:
        return self.run_named(deploy_execution_name(package.arn, "Approved"))

    def ab_runs(self, package: Any) -> list[str]:
        stem = deploy_execution_name(package.arn, "AB")[:52]
        executions = self.sfn.list_executions(stateMachineArn=self.machine)["executions"]
        return [e["name"] for e in executions if e["name"].startswith(stem)]

    def command(self, command: str, **kwargs: Any) -> int:
        defaults: dict[str, Any] = {"endpoint_url": self.url, "environment": "dev"}
        if command == "promote":
            defaults.update(reason="", wait=True)
        if command == "deploy":
            defaults.update(wait=False)
        if command == "variants":
            defaults.update(minutes=60)
        return run_ab(argparse.Namespace(command=command, **{**defaults, **kwargs}))

    def prod(self, dataset: str) -> dict[str, Any]:
        return dict(self.sm.describe_endpoint(EndpointName=endpoint_name("dev", dataset, "prod")))

    def live_package(self, dataset: str) -> str:
        tags = self.sm.list_tags(ResourceArn=self.prod(dataset)["EndpointArn"])["Tags"]
        return next(t["Value"] for t in tags if t["Key"] == "lockgate:package")

    def invoke(self, dataset: str, row: np.ndarray, variant: str | None = None) -> tuple[str, float]:
        extra = {"TargetVariant": variant} if variant else {}
        answer = self.runtime.invoke_endpoint(
            EndpointName=endpoint_name("dev", dataset, "prod"),
            ContentType="text/csv",
            Body=",".join(f"{v:.7g}" for v in row),
            **extra,
        )
        return answer["InvokedProductionVariant"], float(answer["Body"].read().decode())

    def wait_in_service(self, dataset: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            described = self.prod(dataset)
            if described["EndpointStatus"] == "InService":
                return described
            time.sleep(0.02)
        raise TimeoutError(f"{dataset} endpoint stays {described['EndpointStatus']}")


@pytest.fixture(scope="module")
def ab(pipeline, quick_packages, booster_factory) -> AB:  # type: ignore[no-untyped-def]
    return AB(pipeline, quick_packages, booster_factory)


def _weights(described: dict[str, Any]) -> dict[str, float]:
    return {v["VariantName"]: v.get("CurrentWeight", 0.0) for v in described["ProductionVariants"]}


def _expected(ab: AB, seed: int, row: np.ndarray) -> float:
    booster, _ = ab.booster_factory(seed)
    return float(booster.predict(xgb.DMatrix(row.reshape(1, -1)))[0])


def test_contract_ab_routes_by_weight_counts_per_variant_and_promote_moves_all_traffic(
    ab: AB, capsys: pytest.CaptureFixture[str]
) -> None:
    contract = CREDIT.read_text().replace("name: credit\n", "name: abtest\n", 1)
    contract += "deployment:\n  variants: {champion: 90, challenger: 10}\n"
    ab.pipeline.cloud.client("s3").put_object(
        Bucket=ab.pipeline.bucket, Key="contracts/abtest.yaml", Body=contract.encode()
    )
    first = ab.register("abtest", seed=31, auto_approved=True)
    run = ab.run(first)
    assert run["status"] == "SUCCEEDED", run.get("cause")
    reason = json.loads(run["output"])["plan"]["reason"]
    assert "contract asks for A/B 90/10" in reason and "serves no model yet" in reason  # the fallback
    second = ab.register("abtest", seed=32, auto_approved=True)
    run = ab.run(second)
    assert run["status"] == "SUCCEEDED", run.get("cause")
    prod = ab.prod("abtest")
    assert _weights(prod) == {"champion": 90.0, "challenger": 10.0}
    assert ab.live_package("abtest") == first.arn  # the champion stays live until a promotion
    note = json.loads(run["output"])["prodUpdate"]["result"]["note"]
    assert "all at once" in note  # AllTraffic -> champion/challenger: no blue/green traffic shifting

    rows = first.test_rows
    seen = Counter(ab.invoke("abtest", rows[i % len(rows)])[0] for i in range(400))
    # challenger ~ Binomial(400, 0.1): mean 40, sd 6; 15..70 is > 4 sd either side (false alarm < 1e-4)
    assert set(seen) == {"champion", "challenger"} and 15 <= seen["challenger"] <= 70, seen
    for variant, seed in (("champion", 31), ("challenger", 32)):  # each variant serves its own model
        invoked, prediction = ab.invoke("abtest", rows[0], variant)
        assert invoked == variant and prediction == pytest.approx(_expected(ab, seed, rows[0]), abs=1e-5)

    metrics = VariantMetrics(ab.pipeline.cloud.client("cloudwatch"))
    endpoint = endpoint_name("dev", "abtest", "prod")
    for variant in ("champion", "challenger"):
        stats = metrics.read(endpoint, variant, minutes=10)
        assert stats.invocations == seen[variant] + 1 and stats.errors_5xx == 0
        assert stats.p50_latency_ms is not None and stats.p50_latency_ms > 0
    capsys.readouterr()
    assert ab.command("variants", endpoint=endpoint) == 0
    table = capsys.readouterr().out
    assert f"{seen['challenger'] + 1:>7}" in table and "90 (90%)" in table and second.arn in table

    ab.pipeline.notifications()
    ab.pipeline.lockgate_events()
    assert ab.command("promote", endpoint=endpoint, variant="challenger", reason="fewer bad loans") == 0
    prod = ab.wait_in_service("abtest")
    assert _weights(prod) == {"champion": 0.0, "challenger": 1.0}
    assert ab.live_package("abtest") == second.arn
    assert {ab.invoke("abtest", rows[i % len(rows)])[0] for i in range(100)} == {"challenger"}
    lineage = ab.pipeline.cloud.client("dynamodb").query(
        TableName=ab.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"model-package#{second.arn}"}},
    )["Items"]
    promoted = [i for i in lineage if i["sk"]["S"] == f"endpoint#{endpoint}"]
    assert promoted and promoted[0]["outcome"]["S"] == "promoted"
    assert promoted[0]["reason"]["S"] == "fewer bad loans" and promoted[0]["variant"]["S"] == "challenger"
    assert any("promoted" in m.get("Subject", "") for m in ab.pipeline.notifications())
    events = [e for e in ab.pipeline.lockgate_events() if e.get("detail-type") == "VariantPromoted"]
    assert events and events[0]["detail"]["packageArn"] == second.arn


def test_cli_ab_after_a_production_rejection_then_promote_the_champion(
    ab: AB, capsys: pytest.CaptureFixture[str]
) -> None:
    first = ab.register("abcli", seed=41, auto_approved=True)
    assert ab.run(first)["status"] == "SUCCEEDED"
    second = ab.register("abcli", seed=42)  # a person approves production deploys
    _wait_for_approval(ab, second, deploy_execution_name(second.arn, "Approved"))
    assert approve_cli(ab.url, second.arn, "not the whole fleet: A/B it", reject=True) == 0
    assert ab.run(second)["status"] == "FAILED"

    capsys.readouterr()
    for weights, message in (("0/0", "both weights are 0"), ("90/-10", "negative"), ("ninety", "e.g. 90/10")):
        assert ab.command("deploy", package=second.arn, variants=weights) == 2
        assert message in capsys.readouterr().err
    assert ab.command("deploy", package=first.arn, variants="90/10") == 2
    assert "already the live model" in capsys.readouterr().err
    assert ab.ab_runs(second) == []  # nothing started

    assert ab.command("deploy", package=second.arn, variants="80/20") == 0
    [name] = ab.ab_runs(second)
    _wait_for_approval(ab, second, name)
    assert approve_cli(ab.url, second.arn, "A/B 80/20") == 0
    run = ab.run_named(name)
    assert run["status"] == "SUCCEEDED", run.get("cause")
    assert _weights(ab.prod("abcli")) == {"champion": 80.0, "challenger": 20.0}

    endpoint = endpoint_name("dev", "abcli", "prod")
    capsys.readouterr()
    assert ab.command("promote", endpoint=endpoint, variant="winner") == 2
    assert "VariantsInvalid" in capsys.readouterr().err
    staging = endpoint_name("dev", "abcli", "staging")
    assert ab.command("promote", endpoint=staging, variant="AllTraffic") == 2
    assert "single variant" in capsys.readouterr().err
    assert ab.command("promote", endpoint=endpoint, variant="champion", reason="challenger lost") == 0
    assert _weights(ab.wait_in_service("abcli")) == {"champion": 1.0, "challenger": 0.0}
    assert ab.live_package("abcli") == first.arn


def test_cli_ab_needs_a_live_champion(ab: AB, capsys: pytest.CaptureFixture[str]) -> None:
    lonely = ab.register("abnone", seed=51, auto_approved=True, bad_predictions=True)
    assert ab.run(lonely)["error"] == "SmokeTestFailed"  # Approved, but production never created
    capsys.readouterr()
    assert ab.command("deploy", package=lonely.arn, variants="90/10") == 2
    assert "serves no model yet" in capsys.readouterr().err and ab.ab_runs(lonely) == []
    unknown = lonely.arn.rsplit("/", 1)[0] + "/99"
    assert ab.command("deploy", package=unknown, variants="90/10") == 1  # a negative answer
    assert "no such model package" in capsys.readouterr().err


def test_twin_weight_updates_follow_aws(ab: AB) -> None:
    """UpdateEndpointWeightsAndCapacities on the twin: Updating -> InService, validation as AWS."""
    s3, bucket = ab.pipeline.cloud.client("s3"), ab.bucket
    booster, rows = ab.booster_factory(61)
    tarball = model_tarball(bytes(booster.save_raw("ubj")))
    s3.put_object(Bucket=bucket, Key="ab-twin/model.tar.gz", Body=tarball)
    ab.sm.create_model(
        ModelName="ab-twin-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker",
        PrimaryContainer={"Image": "xgb", "ModelDataUrl": f"s3://{bucket}/ab-twin/model.tar.gz"},
    )
    ab.sm.create_endpoint_config(
        EndpointConfigName="ab-twin-config",
        ProductionVariants=[
            {
                "VariantName": name,
                "ModelName": "ab-twin-model",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "InitialVariantWeight": weight,
            }
            for name, weight in (("champion", 0.0), ("challenger", 1.0))
        ],
    )
    endpoint = "ab-twin"
    ab.sm.create_endpoint(EndpointName=endpoint, EndpointConfigName="ab-twin-config")
    _wait_status(ab, endpoint, "InService")
    raw = boto3.client(  # the checks SageMaker makes server-side, past botocore's own
        "sagemaker",
        endpoint_url=ab.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1}),
    )
    errors = []
    for desired in (
        [{"VariantName": "nope", "DesiredWeight": 1.0}],
        [{"VariantName": "champion", "DesiredWeight": -1.0}],
        [{"VariantName": "challenger", "DesiredWeight": 0.0}],  # all weights 0
    ):
        with pytest.raises(raw.exceptions.ClientError) as caught:
            raw.update_endpoint_weights_and_capacities(
                EndpointName=endpoint, DesiredWeightsAndCapacities=desired
            )
        errors.append(caught.value.response["Error"])
    assert all(e["Code"] == "ValidationException" for e in errors)
    assert "not present" in errors[0]["Message"] and "greater than or equal to 0" in errors[1]["Message"]

    def invoked(n: int) -> set[str]:
        body = ",".join(f"{v:.7g}" for v in rows[0])
        return {
            ab.runtime.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=body)[
                "InvokedProductionVariant"
            ]
            for _ in range(n)
        }

    twin = endpoint_patches.twin()
    twin.weights_seconds = 10**7  # stays Updating until released below
    try:
        ab.sm.update_endpoint_weights_and_capacities(
            EndpointName=endpoint,
            DesiredWeightsAndCapacities=[
                {"VariantName": "champion", "DesiredWeight": 1.0},
                {"VariantName": "challenger", "DesiredWeight": 0.0},
            ],
        )
        described = ab.sm.describe_endpoint(EndpointName=endpoint)
        assert described["EndpointStatus"] == "Updating"
        champion = next(v for v in described["ProductionVariants"] if v["VariantName"] == "champion")
        assert champion["DesiredWeight"] == 1.0 and champion.get("CurrentWeight", 0.0) == 0.0
        assert invoked(20) == {"challenger"}  # the old weights serve until the update ends
        with pytest.raises(ab.sm.exceptions.ClientError, match="in-progress"):
            ab.sm.update_endpoint_weights_and_capacities(
                EndpointName=endpoint,
                DesiredWeightsAndCapacities=[{"VariantName": "champion", "DesiredWeight": 2.0}],
            )
    finally:
        twin.weights_seconds = 10.0
    ab.sm.delete_endpoint(EndpointName=endpoint)  # its sleeping update ends with the twin


def _wait_status(ab: AB, endpoint: str, status: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = dict(ab.sm.describe_endpoint(EndpointName=endpoint))
        if described["EndpointStatus"] == status:
            return described
        time.sleep(0.02)
    raise TimeoutError(f"{endpoint} stays {described['EndpointStatus']}")


def _wait_for_approval(ab: AB, package: Any, execution_name_: str, timeout: float = 480) -> None:
    """Until the run named `execution_name_` waits for this package's production approval."""
    dynamodb, deadline = ab.pipeline.cloud.client("dynamodb"), time.monotonic() + timeout
    key = {"pk": {"S": f"model-package#{package.arn}"}, "sk": {"S": "approval#prod"}}
    while time.monotonic() < deadline:
        item = dynamodb.get_item(TableName=ab.table, Key=key).get("Item")
        if (
            item
            and item["state"]["S"] == "waiting"
            and item["execution"]["S"].endswith(f":{execution_name_}")
        ):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{execution_name_} never asked for approval of {package.arn}")


def test_a_faulty_challenger_is_taken_out_by_its_own_alarm_and_the_champion_keeps_serving(ab: AB) -> None:
    """Issue 21: the challenger of an A/B test has its own rollback alarms; in ALARM it is taken out of
    traffic (weight 0, the champion all of it), people are told, and no request fails after that."""
    from lockgate.commands.options import run_command as run_deploy_command

    contract = CREDIT.read_text().replace("name: credit\n", "name: abguard\n", 1)
    contract += "deployment:\n  variants: {champion: 90, challenger: 10}\n"
    ab.pipeline.cloud.client("s3").put_object(
        Bucket=ab.pipeline.bucket, Key="contracts/abguard.yaml", Body=contract.encode()
    )
    first = ab.register("abguard", seed=41, auto_approved=True)
    assert ab.run(first)["status"] == "SUCCEEDED"
    second = ab.register("abguard", seed=42, auto_approved=True)
    assert ab.run(second)["status"] == "SUCCEEDED"
    endpoint = endpoint_name("dev", "abguard", "prod")
    cloudwatch = ab.pipeline.cloud.client("cloudwatch")
    alarm = "lockgate-dev-rollback-abguard-challenger-5xx"
    described = cloudwatch.describe_alarms(AlarmNamePrefix="lockgate-dev-rollback-abguard")["MetricAlarms"]
    by_name = {a["AlarmName"]: {d["Name"]: d["Value"] for d in a["Dimensions"]} for a in described}
    assert by_name[alarm] == {"EndpointName": endpoint, "VariantName": "challenger"}
    assert "lockgate-dev-rollback-abguard-champion-5xx" in by_name
    assert "lockgate-dev-rollback-abguard-5xx" not in by_name  # AllTraffic is gone: so is its alarm
    ab.pipeline.notifications()
    args = argparse.Namespace(
        command="fault", endpoint=endpoint, variant="challenger", rate=1.0, endpoint_url=ab.url, table=None
    )
    assert run_deploy_command(args) == 0
    rows, failed = first.test_rows, 0
    deadline = time.monotonic() + 90
    while _weights(ab.prod("abguard")).get("challenger") != 0.0:
        if time.monotonic() > deadline:
            state = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"]
            table = ab.pipeline.cloud.stack.outputs["AuditTableName"]
            items = ab.pipeline.cloud.client("dynamodb").scan(TableName=table)["Items"]
            audit = [i["record"]["S"] for i in items if i["alarm"]["S"] == alarm]
            raise AssertionError(f"challenger not taken out: {alarm} {state}, {failed} failed, audit {audit}")
        try:
            ab.invoke("abguard", rows[failed % len(rows)])
        except ab.runtime.exceptions.ModelError:
            failed += 1
        time.sleep(0.01)
    assert failed > 0  # the faulty challenger did answer 5XX to its share
    ab.wait_in_service("abguard")
    after = Counter(ab.invoke("abguard", rows[i % len(rows)])[0] for i in range(200))
    assert after == Counter({"champion": 200})  # 0 failed requests after the reaction
    assert ab.live_package("abguard") == first.arn
    messages = ab.pipeline.notifications()
    assert any(alarm in m.get("Subject", "") and "take variant challenger" in m["Message"] for m in messages)

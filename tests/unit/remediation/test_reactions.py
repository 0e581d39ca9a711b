"""The alarm reactions over in-process moto with the real adapters: idempotency, tag gating,
dry-run, resumable failures, drift retrain, budget."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Metrics
from moto import mock_aws

from lockgate.adapters.endpoint_alarms import EndpointAlarms
from lockgate.composition.remediation import RemediationSettings, build_remediator
from lockgate.deployment.endpoint_alarms import AlarmSettings, endpoint_alarms
from lockgate.local.alarm_fixtures import create_endpoint
from lockgate.messages.ingest import DatasetVersionCreated
from lockgate.remediation.alarms import AlarmTransition, MetricRef
from lockgate.remediation.journal import Claim, Status
from lockgate.remediation.reactions import Remediator

REGION = "us-east-1"
STAGING = "lockgate-dev-credit-staging"
PROD = "lockgate-dev-credit"


@dataclass
class World:
    clients: dict[str, Any]
    settings: RemediationSettings
    queue: str
    train_arn: str

    def remediator(self, **overrides: Any) -> Remediator:
        settings = self.settings.model_copy(update=overrides)
        return build_remediator(settings, Metrics(namespace="LockgateTest"), **self.clients)

    def messages(self) -> list[str]:
        sqs, out = self.clients["sqs"], []
        while batch := sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages"):
            for m in batch:
                out.append(json.loads(m["Body"])["Message"])
                sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])
        return out

    def audit(self) -> list[dict[str, Any]]:
        items = self.clients["dynamodb"].scan(TableName=self.settings.audit_table)["Items"]
        return [json.loads(i["record"]["S"]) for i in items]

    def endpoints(self) -> set[str]:
        return {e["EndpointName"] for e in self.clients["sagemaker"].list_endpoints()["Endpoints"]}


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        clients = {
            s: boto3.client(s, region_name=REGION)
            for s in ("sagemaker", "s3", "stepfunctions", "dynamodb", "sns", "events", "sqs")
        }
        clients["dynamodb"].create_table(
            TableName="audit",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "alarm", "AttributeType": "S"},
                {"AttributeName": "timestamp", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "alarm", "KeyType": "HASH"},
                {"AttributeName": "timestamp", "KeyType": "RANGE"},
            ],
        )
        topic = clients["sns"].create_topic(Name="people")["TopicArn"]
        queue = clients["sqs"].create_queue(QueueName="people")["QueueUrl"]
        queue_arn = clients["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        clients["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        clients["s3"].create_bucket(Bucket="data")
        train = clients["stepfunctions"].create_state_machine(
            name="lockgate-train-dev",
            roleArn="arn:aws:iam::123456789012:role/r",
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        )["stateMachineArn"]
        settings = RemediationSettings(
            environment="dev",
            audit_table="audit",
            topic_arn=topic,
            data_bucket="data",
            train_state_machine_arn=train,
            rollback_wait_seconds=1,
            idle_periods=0,  # no idle window: the tests' endpoints are seconds old
            lockgate_clock_speed=1.0,  # no Cost Explorer
        )
        yield World(clients, settings, queue, train)


def alarm(
    name: str, endpoint: str | None = STAGING, at: str = "2026-12-02T04:00:00.000+0000"
) -> AlarmTransition:
    dims = {"EndpointName": endpoint, "VariantName": "AllTraffic"} if endpoint else {}
    return AlarmTransition(
        alarm_name=name,
        state="ALARM",
        previous_state="OK",
        reason="Threshold Crossed",
        timestamp=at,
        metric=MetricRef(namespace="AWS/SageMaker", name="Invocations", dimensions=dims),
    )


IDLE = "lockgate-dev-idle-credit-staging"


def test_same_alarm_event_25_times_acts_once(world: World) -> None:
    create_endpoint(
        world.clients["sagemaker"],
        STAGING,
        "credit",
        "staging",
        extra_tags={"lockgate:idle-action": "delete"},
    )
    remediator = world.remediator()
    results = [remediator.handle(alarm(IDLE)) for _ in range(25)]
    assert [r.claim for r in results].count(Claim.NEW) == 1
    assert all(r.claim is Claim.DUPLICATE for r in results[1:])
    assert STAGING not in world.endpoints()
    assert world.clients["sagemaker"].describe_endpoint_config(
        EndpointConfigName=STAGING
    )  # kept: one command back
    (record,) = world.audit()
    assert record["status"] == "done" and record["outcome"] == "done"
    assert record["before"]["config"] == STAGING and "create-endpoint" in record["after"]["restore"]
    assert len(world.messages()) == 1


def test_untagged_idle_endpoint_is_left_alone_and_reported(world: World) -> None:
    create_endpoint(world.clients["sagemaker"], PROD, "credit", "prod")
    result = world.remediator().handle(alarm("lockgate-dev-idle-credit-prod", PROD))
    assert result.outcome.startswith("left-alone")
    assert PROD in world.endpoints()
    (message,) = world.messages()
    assert "left-alone" in message and "lockgate:idle-action" in message


def test_alarm_for_a_resource_that_no_longer_exists(world: World) -> None:
    """Issue 21: no reaction and no announcement for an endpoint that does not exist; its alarms go."""
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    EndpointAlarms(cloudwatch).put(endpoint_alarms("dev", PROD, ["AllTraffic"], AlarmSettings()))
    EndpointAlarms(cloudwatch).put(
        endpoint_alarms("dev", "lockgate-dev-other", ["AllTraffic"], AlarmSettings())
    )
    result = world.remediator().handle(alarm(IDLE))
    assert result.outcome.startswith("resource-gone")
    (record,) = world.audit()
    assert "does not exist" in record["outcome"] and record["status"] == "done"
    rollback = world.remediator().handle(alarm("lockgate-dev-rollback-credit-5xx", PROD))
    assert rollback.outcome.startswith("resource-gone")
    assert world.messages() == []  # audited, not announced
    left = {a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert left and all("other" in name for name in left)  # PROD's alarms went, the other's stayed


@pytest.mark.parametrize(
    "name",
    [
        "someone-elses-alarm",
        "lockgate-prod-idle-credit-staging",
        "lockgate-dev-unknown-thing",
        "lockgate-dev-idle-",
    ],
)
def test_alarm_from_outside_lockgate_is_ignored(world: World, name: str) -> None:
    create_endpoint(
        world.clients["sagemaker"],
        STAGING,
        "credit",
        "staging",
        extra_tags={"lockgate:idle-action": "delete"},
    )
    result = world.remediator().handle(alarm(name))
    assert result.claim is None and STAGING in world.endpoints()
    assert world.audit() == [] and world.messages() == []


def test_dry_run_changes_nothing_and_says_what_it_would_do(world: World) -> None:
    create_endpoint(
        world.clients["sagemaker"],
        STAGING,
        "credit",
        "staging",
        extra_tags={"lockgate:idle-action": "delete"},
    )
    result = world.remediator(dry_run=True).handle(alarm(IDLE))
    assert result.outcome == "dry-run" and STAGING in world.endpoints()
    (record,) = world.audit()
    assert record["dry_run"] and record["steps"][0]["detail"].startswith("would delete endpoint")
    (message,) = world.messages()
    assert message.startswith("[DRY RUN]") and "would delete endpoint" in message


def test_failure_half_way_resumes_and_never_deletes_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_endpoint(
        world.clients["sagemaker"],
        STAGING,
        "credit",
        "staging",
        extra_tags={"lockgate:idle-action": "delete"},
    )
    sagemaker = world.clients["sagemaker"]
    deletes: list[str] = []
    real_delete = sagemaker.delete_endpoint
    monkeypatch.setattr(
        sagemaker, "delete_endpoint", lambda **kw: (deletes.append(kw["EndpointName"]), real_delete(**kw))[1]
    )
    first = world.remediator()
    sns = world.clients["sns"]
    real_publish = sns.publish
    monkeypatch.setattr(sns, "publish", lambda **kw: (_ for _ in ()).throw(RuntimeError("SNS is down")))
    with pytest.raises(RuntimeError, match="SNS is down"):
        first.handle(alarm(IDLE))
    (record,) = world.audit()
    assert [s["name"] for s in record["steps"]] == ["delete-endpoint", "delete-alarms"]
    assert record["status"] == "failed"
    assert "SNS is down" in record["outcome"]
    monkeypatch.setattr(sns, "publish", real_publish)
    retry = world.remediator().handle(alarm(IDLE))  # the event delivered again (Lambda/EventBridge retry)
    assert retry.claim is Claim.RESUME and retry.outcome == "done"
    assert deletes == [STAGING]
    (record,) = world.audit()
    assert record["status"] == Status.DONE.value and record["attempts"] == 2
    assert [s["name"] for s in record["steps"]] == ["delete-endpoint", "delete-alarms", "announce"]


def test_scale_down_is_skipped_at_the_minimum(world: World) -> None:
    create_endpoint(
        world.clients["sagemaker"],
        STAGING,
        "credit",
        "staging",
        extra_tags={"lockgate:idle-action": "scale-down"},
    )
    result = world.remediator().handle(alarm(IDLE))
    assert result.outcome.startswith("skipped") and STAGING in world.endpoints()


def _version(world: World, version: str, created: str) -> None:
    source = {"bucket": "data", "key": f"raw/credit/{version[:4]}.csv", "version_id": "v1", "parts": 1}
    manifest = {"version": version, "created": created, "dataset": "credit", "source": source}
    world.clients["s3"].put_object(
        Bucket="data", Key=f"datasets/credit/{version}/manifest.json", Body=json.dumps(manifest)
    )


def test_drift_starts_one_retrain_on_the_latest_version(world: World) -> None:
    create_endpoint(world.clients["sagemaker"], PROD, "credit", "prod")
    _version(world, "a" * 64, "2026-11-01T00:00:00+00:00")
    _version(world, "b" * 64, "2026-12-01T00:00:00+00:00")
    remediator = world.remediator()
    drift = "lockgate-dev-drift-credit-features"
    for _ in range(3):
        remediator.handle(alarm(drift, PROD))
    executions = world.clients["stepfunctions"].list_executions(stateMachineArn=world.train_arn)["executions"]
    assert len(executions) == 1
    started = json.loads(
        world.clients["stepfunctions"].describe_execution(executionArn=executions[0]["executionArn"])["input"]
    )
    assert started["version"] == "b" * 64 and started["splits"]["train"]["parquet"].endswith(
        "/parquet/train/"
    )
    # the raw upload the version came from, as the ingest event names it (not the manifest)
    assert started["source"] == {"bucket": "data", "key": "raw/credit/bbbb.csv", "versionId": "v1"}
    assert DatasetVersionCreated.model_validate(started).execution.startswith("remediation:")


def test_budget_acts_on_tagged_endpoints_only(world: World) -> None:
    create_endpoint(
        world.clients["sagemaker"],
        STAGING,
        "credit",
        "staging",
        instances=2,
        extra_tags={"lockgate:idle-action": "delete"},
    )
    create_endpoint(world.clients["sagemaker"], PROD, "credit", "prod", instances=2)
    remediator = world.remediator()
    remediator.now = lambda: datetime.now(UTC) + timedelta(days=40)  # 2 x 2 instances for more than a month
    report, results = remediator.enforce_budget(125)
    assert report.over and report.used_hours > 125
    outcomes = {r.record.alarm: r.outcome for r in results if r.record}
    assert outcomes[f"lockgate-dev-idle-budget-{STAGING}"] == "done"
    assert outcomes[f"lockgate-dev-idle-budget-{PROD}"].startswith("left-alone")
    assert world.endpoints() == {PROD}
    _, repeat = remediator.enforce_budget(125)  # next schedule tick, same month: nothing new
    assert all(r.claim is Claim.DUPLICATE for r in repeat)


def _packages(world: World, count: int) -> list[str]:
    sagemaker = world.clients["sagemaker"]
    sagemaker.create_model_package_group(ModelPackageGroupName="lockgate-dev-credit")
    arns = []
    for _ in range(count):
        arns.append(
            sagemaker.create_model_package(
                ModelPackageGroupName="lockgate-dev-credit",
                ModelApprovalStatus="Approved",
                InferenceSpecification={
                    "Containers": [{"Image": "xgboost:3.0-5", "ModelDataUrl": "s3://a/model.tar.gz"}],
                    "SupportedContentTypes": ["text/csv"],
                    "SupportedResponseMIMETypes": ["text/csv"],
                },
            )["ModelPackageArn"]
        )
    return arns


LATER = "2099-01-01T00:00:00.000+0000"  # an alarm that fired after the endpoint's last update


def test_rollback_goes_to_the_previous_approved_package_and_verifies_the_config(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _packages(world, 2)
    create_endpoint(world.clients["sagemaker"], PROD, "credit", "prod", package_arn=second)
    remediator = world.remediator()
    deployed: list[tuple[str, str]] = []
    endpoints = remediator.ports.endpoints
    # moto has no update_endpoint (the endpoint twin adds it): record the request, answer the wait
    monkeypatch.setattr(endpoints, "deploy_package", lambda e, p, c: deployed.append((p.arn, c)))
    monkeypatch.setattr(endpoints, "wait_for_config", lambda n, c, t: c)
    result = remediator.handle(alarm("lockgate-dev-rollback-credit-5xx", PROD, at=LATER))
    assert result.outcome == "done" and deployed[0][0] == first
    tags = world.clients["sagemaker"].list_tags(
        ResourceArn=world.clients["sagemaker"].describe_endpoint(EndpointName=PROD)["EndpointArn"]
    )["Tags"]
    assert {"Key": "lockgate:package", "Value": first} in tags
    (record,) = world.audit()
    assert record["before"]["package"] == second and record["after"] == {
        "package": first,
        "config": deployed[0][1],
    }
    assert [s["name"] for s in record["steps"]] == ["deploy-previous", "verify", "tag", "announce"]


def test_rollback_skips_an_endpoint_changed_after_the_alarm(world: World) -> None:
    _, second = _packages(world, 2)
    create_endpoint(world.clients["sagemaker"], PROD, "credit", "prod", package_arn=second)
    result = world.remediator().handle(
        alarm("lockgate-dev-rollback-credit-5xx", PROD, at="2000-01-01T00:00:00.000+0000")
    )
    assert result.outcome.startswith("skipped") and "changed after the alarm" in result.outcome


def test_rollback_without_a_previous_package_says_so(world: World) -> None:
    (only,) = _packages(world, 1)
    create_endpoint(world.clients["sagemaker"], PROD, "credit", "prod", package_arn=only)
    result = world.remediator().handle(alarm("lockgate-dev-rollback-credit-5xx", PROD, at=LATER))
    assert result.outcome.startswith("skipped: no Approved package before")
    assert "no Approved package" in world.messages()[0]


def test_an_idle_alarm_within_the_idle_window_is_reset_and_told_to_nobody(world: World) -> None:
    """The idle window starts at InService: a fresh endpoint is not idle, whatever the alarm says."""
    create_endpoint(
        world.clients["sagemaker"],
        STAGING,
        "credit",
        "staging",
        extra_tags={"lockgate:idle-action": "delete"},
    )
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    EndpointAlarms(cloudwatch).put(endpoint_alarms("dev", STAGING, ["AllTraffic"], AlarmSettings()))
    cloudwatch.set_alarm_state(AlarmName=IDLE, StateValue="ALARM", StateReason="missing data")
    result = world.remediator(idle_periods=2).handle(alarm(IDLE))  # a 2 h window, the endpoint is new
    assert result.outcome.startswith("not-idle-yet") and STAGING in world.endpoints()
    assert world.messages() == []
    (state,) = cloudwatch.describe_alarms(AlarmNames=[IDLE])["MetricAlarms"]
    assert state["StateValue"] == "OK"  # evaluates again: ALARM anew once the window has passed
    # on the local clock at speed 10^8, the same milliseconds are hours: the endpoint is idle
    late = world.remediator(idle_periods=2, lockgate_clock_speed=1e8)
    assert late.handle(alarm(IDLE, at="2026-12-02T05:00:00.000+0000")).outcome == "done"
    assert STAGING not in world.endpoints()
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []  # its alarms went with it


def _ab_endpoint(world: World) -> None:
    sagemaker = world.clients["sagemaker"]
    create_endpoint(sagemaker, "lockgate-dev-model", "credit", "prod")  # its model
    sagemaker.create_endpoint_config(
        EndpointConfigName="ab",
        ProductionVariants=[
            {
                "VariantName": name,
                "ModelName": "lockgate-dev-model",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": weight,
            }
            for name, weight in (("champion", 90.0), ("challenger", 10.0))
        ],
    )
    sagemaker.create_endpoint(
        EndpointName=PROD,
        EndpointConfigName="ab",
        Tags=[{"Key": "lockgate:managed", "Value": "true"}, {"Key": "lockgate:dataset", "Value": "credit"}],
    )


def test_a_failing_challenger_is_taken_out_of_traffic_and_people_are_told(world: World) -> None:
    _ab_endpoint(world)
    name = "lockgate-dev-rollback-credit-challenger-5xx"
    transition = alarm(name, PROD, at="2099-01-01T00:00:00.000+0000")
    transition.metric.dimensions["VariantName"] = "challenger"
    result = world.remediator().handle(transition)
    assert result.outcome == "done", result.outcome
    (record,) = world.audit()
    assert record["steps"][0]["name"] == "take-out-variant"
    assert record["after"]["weights"] == "champion=1, challenger=0"
    weights = {
        v["VariantName"]: v.get("DesiredWeight", v.get("CurrentWeight"))
        for v in world.clients["sagemaker"].describe_endpoint(EndpointName=PROD)["ProductionVariants"]
    }
    assert weights == {"champion": 1.0, "challenger": 0.0}
    (message,) = world.messages()
    assert "take variant challenger" in message
    # the alarm again (it flaps until the weights apply): the challenger is out already, nobody told
    later = alarm(name, PROD, at="2099-01-01T00:05:00.000+0000")
    later.metric.dimensions["VariantName"] = "challenger"
    assert world.remediator().handle(later).outcome.startswith("already-done")  # moto applies at once
    assert world.messages() == []


def test_the_budget_counts_the_local_clock(world: World) -> None:
    create_endpoint(world.clients["sagemaker"], STAGING, "credit", "staging")
    fast = world.remediator(lockgate_clock_speed=1_000_000.0)  # 3.6 ms real = 1 h local
    report, _ = fast.enforce_budget(budget_hours=1.0)
    assert report.used_hours > 1.0 and report.over and not report.billed
    slow = world.remediator()
    assert not slow.enforce_budget(budget_hours=1.0)[0].over


def test_a_champion_alarm_rolls_the_ab_endpoint_back_to_one_variant_with_its_alarms(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _packages(world, 2)
    _ab_endpoint(world)
    arn = world.clients["sagemaker"].describe_endpoint(EndpointName=PROD)["EndpointArn"]
    world.clients["sagemaker"].add_tags(ResourceArn=arn, Tags=[{"Key": "lockgate:package", "Value": second}])
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    EndpointAlarms(cloudwatch).put(endpoint_alarms("dev", PROD, ["champion", "challenger"], AlarmSettings()))
    remediator = world.remediator()
    deployed: list[str] = []
    monkeypatch.setattr(remediator.ports.endpoints, "deploy_package", lambda e, p, c: deployed.append(p.arn))
    monkeypatch.setattr(remediator.ports.endpoints, "wait_for_config", lambda n, c, t: c)
    transition = alarm("lockgate-dev-rollback-credit-champion-5xx", PROD, at=LATER)
    transition.metric.dimensions["VariantName"] = "champion"
    result = remediator.handle(transition)
    assert result.outcome == "done" and deployed == [first]
    names = {a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert "lockgate-dev-rollback-credit-5xx" in names  # AllTraffic's
    assert not any("champion" in n or "challenger" in n for n in names)

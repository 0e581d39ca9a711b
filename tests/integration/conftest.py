"""One local cloud for the integration tests: the real template, state machines and handlers."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from lockgate.local.clock import LocalClock
from lockgate.local.cloud import LocalCloud
from lockgate.local.fixtures import sample_csv, upload_contracts
from lockgate.local.stepfunctions.executions import wait_for_execution
from lockgate.names import upload_execution_name

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Pipeline:
    """The running cloud plus what tests need to drive and observe it."""

    cloud: LocalCloud
    bucket: str
    ingest_arn: str
    train_arn: str
    queue_url: str  # subscribed to the notification topic: what people would be told
    events_queue_url: str  # a rule sends every `lockgate` event here

    def upload(self, key: str, body: bytes) -> str:
        """Put an object under the data bucket; returns the execution name it must start."""
        version = self.cloud.client("s3").put_object(Bucket=self.bucket, Key=key, Body=body)["VersionId"]
        return upload_execution_name(self.bucket, key, version)

    def wait(self, name: str, timeout: float = 120.0) -> dict[str, Any]:
        """Wait for the named ingest execution to finish; returns describe_execution."""
        return wait_for_execution(self.cloud.client("stepfunctions"), self.ingest_arn, name, timeout)

    def train_run_for(self, version: str, timeout: float = 300.0) -> dict[str, Any]:
        """The finished train execution that DatasetVersionCreated for `version` started."""
        sfn, deadline = self.cloud.client("stepfunctions"), time.monotonic() + timeout
        seen: list[str] = []
        while time.monotonic() < deadline:
            seen = []
            for execution in sfn.list_executions(stateMachineArn=self.train_arn)["executions"]:
                described = sfn.describe_execution(executionArn=execution["executionArn"])
                if json.loads(described["input"]).get("version") == version:
                    if described["status"] != "RUNNING":
                        return dict(described)
                    seen.append(described["name"])
            time.sleep(0.1)
        running = f"still running: {', '.join(seen)}" if seen else "none started"
        raise TimeoutError(f"no finished train run for {version} after {timeout:.0f} s ({running})")

    def needs_human_contract(self, name: str) -> None:
        """The credit contract as `name`, with facet groups always "too small": the pre-training
        bias gate says needs-human, so a train run of its data waits for a person."""
        contract = yaml.safe_load((REPO / "contracts" / "credit.yaml").read_text())
        contract["name"] = name
        contract["bias"]["min_group_rows"] = 10_000_000
        contract["bias"]["thresholds"] = {m: {"min": -0.5, "max": 0.5} for m in ("DPL", "DPPL", "RD", "AD")}
        self.cloud.client("s3").put_object(
            Bucket=self.bucket, Key=f"contracts/{name}.yaml", Body=yaml.safe_dump(contract).encode()
        )

    def waiting_for_review(self, dataset: str, seed: int, timeout: float = 180) -> tuple[str, str]:
        """Upload a version of `dataset` (a needs_human_contract); (version, ARN of its train run)
        once that run waits at AwaitingReview."""
        body = sample_csv(1500, seed=seed)
        assert self.wait(self.upload(f"raw/{dataset}/data.csv", body))["status"] == "SUCCEEDED"
        version = hashlib.sha256(body).hexdigest()
        dynamodb, table = self.cloud.client("dynamodb"), self.cloud.stack.outputs["LineageTableName"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = dynamodb.query(
                TableName=table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"review#{version}"}},
            )["Items"]
            if items:
                return version, str(items[0]["sk"]["S"])
            time.sleep(0.1)
        raise TimeoutError(f"no train run of {version[:12]} waits for a review after {timeout:.0f} s")

    def executions_named(self, name: str) -> list[dict[str, Any]]:
        """Every ingest execution with this name (Step Functions allows at most one)."""
        sfn = self.cloud.client("stepfunctions")
        return [
            e for e in sfn.list_executions(stateMachineArn=self.ingest_arn)["executions"] if e["name"] == name
        ]

    def notifications(self) -> list[dict[str, Any]]:
        """Messages published to the notification topic so far (drains the queue)."""
        return _drain(self.cloud.client("sqs"), self.queue_url)

    def lockgate_events(self) -> list[dict[str, Any]]:
        """`lockgate` events put on the default bus so far (drains the queue)."""
        return _drain(self.cloud.client("sqs"), self.events_queue_url)

    def read(self, key: str) -> bytes:
        """An object of the data bucket."""
        return self.cloud.client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()


def _drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def _alive() -> tuple[set[int], set[threading.Thread]]:
    """This process's child processes (from /proc) and its threads, now."""
    me, children = os.getpid(), set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == me and fields[0] != "Z":  # ppid; a zombie is already gone
            children.add(int(stat.parent.name))
    # multiprocessing's resource tracker: one per interpreter, started with the first spawned
    # process (the SageMaker twin's worker) and kept for the process's life by design.
    children = {pid for pid in children if "multiprocessing.resource_tracker" not in _cmdline(pid)}
    return children, set(threading.enumerate())


def _assert_nothing_outlives(before: tuple[set[int], set[threading.Thread]], grace_s: float = 30.0) -> None:
    """Fail the file if a process or thread its cloud started is still there after `grace_s`."""
    deadline = time.monotonic() + grace_s
    while True:
        processes, threads = (now - then for now, then in zip(_alive(), before, strict=True))
        threads = {t for t in threads if t.is_alive()}
        if not (processes or threads) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    leftovers = [f"process {pid} ({_cmdline(pid)})" for pid in sorted(processes)]
    leftovers += [f"thread {t.name}" for t in sorted(threads, key=lambda t: t.name)]
    assert not leftovers, f"still running {grace_s:.0f} s after the cloud stopped: {', '.join(leftovers)}"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
    except OSError:
        return "gone"


@pytest.fixture(scope="module")
def pipeline() -> Iterator[Pipeline]:
    """A fresh local cloud for each test file: the real template, state machines and handlers, with
    nothing left from another file (moto's state is reset when a cloud stops, and the file fails
    if a process or thread it started outlives it)."""
    before = _alive()
    cloud = LocalCloud(
        REPO / "template.yaml", clock=LocalClock(1000), log_sink=lambda *_: None, warn=lambda _: None
    )
    with cloud:
        assert cloud.stack is not None
        outputs = cloud.stack.outputs
        sqs, sns = cloud.client("sqs"), cloud.client("sns")
        queue_url = sqs.create_queue(QueueName="it-notifications")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=outputs["NotificationTopicArn"], Protocol="sqs", Endpoint=queue_arn)
        events_queue_url = sqs.create_queue(QueueName="it-lockgate-events")["QueueUrl"]
        events_queue_arn = sqs.get_queue_attributes(QueueUrl=events_queue_url, AttributeNames=["QueueArn"])
        events = cloud.client("events")
        events.put_rule(Name="it-lockgate-events", EventPattern=json.dumps({"source": ["lockgate"]}))
        events.put_targets(
            Rule="it-lockgate-events",
            Targets=[{"Id": "q", "Arn": events_queue_arn["Attributes"]["QueueArn"]}],
        )
        upload_contracts(cloud)
        yield Pipeline(
            cloud,
            outputs["DataBucketName"],
            outputs["IngestStateMachineArn"],
            outputs["TrainStateMachineArn"],
            queue_url,
            events_queue_url,
        )
    _assert_nothing_outlives(before)


# Quick model packages for the deploy tests: a tiny XGBoost model registered through the real
# registry adapter and the register step's own CreateModelPackage request (the train pipeline's
# path, minus the minutes of training); the registry twin emits the state-change events.

XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
FEATURES = 6


def tiny_booster(seed: int, rounds: int = 10, depth: int = 3) -> tuple[Any, Any]:
    """A small binary:logistic Booster on FEATURES columns and its test rows (features only)."""
    import numpy as np
    import xgboost as xgb

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, FEATURES)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=400) > 0).astype(int)
    params = {"objective": "binary:logistic", "max_depth": depth, "nthread": 1}
    return xgb.train(params, xgb.DMatrix(x[:300], label=y[:300]), rounds), x[300:]


@dataclass(frozen=True)
class QuickPackage:
    """A registered package and the rows its model was tested on."""

    arn: str
    group: str
    dataset: str
    test_rows: Any


@dataclass
class QuickPackages:
    """Registers quick packages in one running cloud."""

    cloud: LocalCloud

    def register(
        self,
        dataset: str,
        seed: int,
        *,
        approve: bool = True,
        auto_approved: bool = False,
        bad_predictions: bool = False,
    ) -> QuickPackage:
        """Artifacts in S3, then CreateModelPackage (PendingManualApproval) and, when `approve`,
        UpdateModelPackage to Approved, as the register step or a person would."""
        import xgboost as xgb

        from lockgate.adapters.sagemaker_registry import ModelRegistry
        from lockgate.local.sagemaker.algorithm import model_tarball
        from lockgate.messages.train import BiasResult, RegisterModelInput, TrainedModel
        from lockgate.names import group_name
        from lockgate.registry.package import create_request

        assert self.cloud.stack is not None
        bucket, s3 = self.cloud.stack.outputs["ArtifactBucketName"], self.cloud.client("s3")
        booster, rows = tiny_booster(seed)
        version, job = f"{seed:064x}", f"quick-{dataset}-{seed}"
        base = f"models/{dataset}/{version}/{job}"
        predictions = booster.predict(xgb.DMatrix(rows))
        if bad_predictions:
            predictions = 1 - predictions
        objects = {
            "output/model.tar.gz": model_tarball(bytes(booster.save_raw("ubj"))),
            "test/test.csv": "".join(",".join(f"{v:.7g}" for v in r) + "\n" for r in rows).encode(),
            "transform/test.csv.out": "\n".join(f"{p:.8g}" for p in predictions).encode(),
            "evaluation.json": json.dumps({"metrics": {"auc": 0.9, "accuracy": 0.85}}).encode(),
        }
        for key, body in objects.items():
            s3.put_object(Bucket=bucket, Key=f"{base}/{key}", Body=body)
        uri = f"s3://{bucket}/{base}"
        bias = {"verdict": "pass", "analysis": f"{uri}/bias.json", "report": f"{uri}/bias.html"}
        request = RegisterModelInput(
            dataset=dataset,
            version=version,
            execution=f"arn:aws:states:us-east-1:123456789012:execution:lockgate-train-dev:{job}",
            model=TrainedModel(training_job=job, model_data_url=f"{uri}/output/model.tar.gz"),
            transform_job=job,
            test_data=f"{uri}/test/test.csv",
            test_labels=f"{uri}/test/labels.csv",
            predictions=f"{uri}/transform/test.csv.out",
            evaluation=f"{uri}/evaluation.json",
            evaluation_report=f"{uri}/report.html",
            bias_pre=BiasResult(**bias),
            bias_post=BiasResult(**bias),
        )
        registry, group = ModelRegistry(self.cloud.client("sagemaker")), group_name("dev", dataset)
        registry.ensure_group(group, f"quick packages of {dataset}")
        decided = "Approved" if auto_approved else "PendingManualApproval"  # what the register step decided
        arn = registry.create(
            create_request(request, group, XGBOOST_IMAGE, status=decided, reasons="quick package of a test")
        )
        if approve:
            registry.set_approval(arn, "Approved", "approved by the test")
        return QuickPackage(arn, group, dataset, rows)

    def set_status(self, arn: str, status: str, description: str = "") -> None:
        """UpdateModelPackage(status): what a person does in the registry (the twin emits the event)."""
        from lockgate.adapters.sagemaker_registry import ModelRegistry

        ModelRegistry(self.cloud.client("sagemaker")).set_approval(arn, status, description)


@pytest.fixture(scope="module")
def quick_packages(pipeline: Pipeline) -> QuickPackages:
    """Quick registered packages in the integration cloud (tests/integration/conftest.py)."""
    return QuickPackages(pipeline.cloud)


@pytest.fixture(scope="session")
def booster_factory() -> Any:
    """`tiny_booster` (test modules cannot import conftest)."""
    return tiny_booster

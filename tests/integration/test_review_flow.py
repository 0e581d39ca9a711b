"""A needs-human pre-training bias verdict waits for a person (task token), offline end to end:
`lockgate runs` and the SNS message name the command; `lockgate review --approve` resumes the run
into training, `--reject` ends it as ReviewRejected; lineage and the audit keep who and why
(issue 22, item 2)."""

from __future__ import annotations

import getpass
import json
import time
from pathlib import Path
from typing import Any

import pytest

from lockgate.adapters.audit_table import AuditTable
from lockgate.cli import main

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _finished(pipeline: Any, arn: str, timeout: float = 300) -> dict[str, Any]:
    sfn, deadline = pipeline.cloud.client("stepfunctions"), time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.1)
    raise TimeoutError(f"{arn} still runs")


def _states(pipeline: Any, arn: str) -> list[str]:
    events = pipeline.cloud.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)
    return [
        e["stateEnteredEventDetails"]["name"] for e in events["events"] if "stateEnteredEventDetails" in e
    ]


def _review_edges(pipeline: Any, version: str) -> list[dict[str, Any]]:
    items = pipeline.cloud.client("dynamodb").query(
        TableName=pipeline.cloud.stack.outputs["LineageTableName"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"version#{version}"}},
    )["Items"]
    return [i for i in items if i["sk"]["S"].startswith("review#")]


def _audit(pipeline: Any, version: str) -> list[Any]:
    table = AuditTable(pipeline.cloud.stack.outputs["AuditTableName"], pipeline.cloud.client("dynamodb"))
    return [r for r in table.recent(200) if r.alarm.endswith(version)]


def test_a_person_approves_a_needs_human_gate_and_training_goes_on(
    pipeline: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.needs_human_contract("review-ok")
    pipeline.notifications()
    version, arn = pipeline.waiting_for_review("review-ok", seed=401)
    run = pipeline.cloud.client("stepfunctions").describe_execution(executionArn=arn)
    name, url = run["name"], pipeline.cloud.url
    command = f"lockgate review {name} --approve|--reject --reason TEXT"

    capsys.readouterr()
    assert main(["runs", "--endpoint-url", url, "--dataset", "review-ok"]) == 0
    shown = capsys.readouterr().out
    assert f"waiting for a person: {command}" in shown and "AwaitingReview" in shown
    told = [m for m in pipeline.notifications() if "needs your review" in m.get("Subject", "")]
    assert told and command in told[0]["Message"] and version in told[0]["Message"]

    assert (
        main(["review", name, "--approve", "--reason", "groups are small but fine", "--endpoint-url", url])
        == 0
    )
    assert "training goes on" in capsys.readouterr().out
    finished = _finished(pipeline, run["executionArn"])
    assert finished["status"] == "SUCCEEDED", finished.get("cause")
    states = _states(pipeline, run["executionArn"])
    assert states.index("AwaitingReview") < states.index("PlanTraining") < states.index("Train")
    output = json.loads(finished["output"])
    assert output["review"]["approved"] is True and getpass.getuser() in output["review"]["by"]

    [edge] = _review_edges(pipeline, version)
    assert edge["decision"]["S"] == "approved" and edge["reason"]["S"] == "groups are small but fine"
    assert getpass.getuser() in edge["by"]["S"] and edge["run"]["S"] == run["executionArn"]
    [record] = _audit(pipeline, version)
    assert record.action == "review-approve" and record.reason == "groups are small but fine"
    assert main(["review", name, "--reject", "--reason", "changed my mind", "--endpoint-url", url]) == 2
    assert "already answered (approved)" in capsys.readouterr().err


def test_a_person_rejects_by_dataset_version_and_the_run_ends_rejected(
    pipeline: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.needs_human_contract("review-no")
    version, arn = pipeline.waiting_for_review("review-no", seed=402)
    run = pipeline.cloud.client("stepfunctions").describe_execution(executionArn=arn)
    url = pipeline.cloud.url
    capsys.readouterr()
    assert (
        main(["review", version, "--reject", "--reason", "collect more data first", "--endpoint-url", url])
        == 0
    )
    finished = _finished(pipeline, run["executionArn"])
    assert finished["status"] == "FAILED" and finished["error"] == "ReviewRejected"
    assert "collect more data first" in finished["cause"] and getpass.getuser() in finished["cause"]
    assert "PlanTraining" not in _states(pipeline, run["executionArn"])
    [edge] = _review_edges(pipeline, version)
    assert edge["decision"]["S"] == "rejected"
    [record] = _audit(pipeline, version)
    assert record.action == "review-reject" and record.resources == [run["executionArn"]]
    capsys.readouterr()
    assert main(["actions", "--endpoint-url", url]) == 0
    assert "review-reject" in capsys.readouterr().out


def test_review_of_what_waits_for_nothing_is_one_line_exit_1(
    pipeline: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pipeline.cloud.url
    for target, said in (("0" * 64, "no run of version"), ("no-such-run", "no train run named")):
        # a negative answer (nothing waits): exit 1, by the CLI convention
        assert main(["review", target, "--approve", "--reason", "x", "--endpoint-url", url]) == 1
        err = capsys.readouterr().err.strip()
        assert said in err and len(err.splitlines()) == 1

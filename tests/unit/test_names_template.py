"""template.yaml (the deployed definition, names by !Sub) and lockgate.names agree on every resource
both name: state machines, functions, buckets, the EventBridge prefixes, the template's own alarms,
and the IAM grants the names Python builds must fall under."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from lockgate import names
from lockgate.local.deployer.template import load_template
from lockgate.remediation.alarms import Reaction

REPO = Path(__file__).resolve().parents[2]
RESOURCES: dict[str, Any] = load_template(REPO / "template.yaml")["Resources"]
ENV, ARN = "dev", "arn:aws:sagemaker:eu-west-1:123456789012"
PSEUDO = {
    "${Environment}": ENV,
    "${AWS::Partition}": "aws",
    "${AWS::Region}": "eu-west-1",
    "${AWS::AccountId}": "123456789012",
}
PACKAGE = f"{ARN}:model-package/lockgate-{ENV}-credit/3"


def _sub(text: str) -> str:
    for variable, value in PSEUDO.items():
        text = text.replace(variable, value)
    return text


def _subs(node: Any) -> Iterator[str]:
    """Every !Sub string under a node, with the stack's parameters filled in."""
    if isinstance(node, dict):
        if isinstance(node.get("Fn::Sub"), str):
            yield _sub(node["Fn::Sub"])
        for value in node.values():
            yield from _subs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _subs(value)


def _of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == kind}


def _granted(resource: str, arn: str) -> bool:
    """True when one of the resource's !Sub ARN patterns covers this ARN."""
    return any(
        fnmatchcase(arn, pattern) for pattern in _subs(RESOURCES[resource]) if pattern.startswith("arn:")
    )


def test_state_machines_are_named_by_names() -> None:
    machines = {_sub(p["Name"]["Fn::Sub"]) for p in _of_type("AWS::Serverless::StateMachine").values()}
    assert machines == {
        names.state_machine_name(p, ENV) for p in ("ingest", "train", "deploy", "batch-predict")
    }
    assert {names.pipeline_of(m, ENV) for m in machines} == {"ingest", "train", "deploy", "batch-predict"}


def test_functions_are_named_by_names() -> None:
    functions = {_sub(p["FunctionName"]["Fn::Sub"]) for p in _of_type("AWS::Serverless::Function").values()}
    assert all(f.startswith(names.PREFIX) and f.endswith(f"-{ENV}") for f in functions), functions
    for called in ("monitor", "promote-variant"):  # the functions the CLI calls by name
        assert names.function_name(called, ENV) in functions


def test_buckets_are_lockgate_and_the_data_bucket_is_found_by_its_prefix() -> None:
    buckets = {n: _sub(p["BucketName"]["Fn::Sub"]) for n, p in _of_type("AWS::S3::Bucket").items()}
    assert buckets["DataBucket"].startswith(names.data_bucket_prefix(ENV))
    assert all(names.is_lockgate(b) for b in buckets.values())


@pytest.mark.parametrize(
    ("function", "field"),
    [("RemediationFunction", "alarmName"), ("DeployStarterFunction", "ModelPackageGroupName")],
)
def test_event_rules_listen_on_the_environment_prefix(function: str, field: str) -> None:
    events = RESOURCES[function]["Properties"]["Events"].values()
    prefixes = [
        _sub(item["prefix"]["Fn::Sub"])
        for event in events
        for item in event["Properties"].get("Pattern", {}).get("detail", {}).get(field, [])
    ]
    assert prefixes == [names.environment_prefix(ENV)]
    assert names.group_name(ENV, "credit").startswith(prefixes[0])
    assert names.reaction_alarm_name(ENV, "idle", "credit-prod").startswith(prefixes[0])


def test_the_templates_alarms_follow_the_reaction_convention() -> None:
    alarms = [_sub(p["AlarmName"]["Fn::Sub"]) for p in _of_type("AWS::CloudWatch::Alarm").values()]
    assert alarms
    for alarm in alarms:
        parts = names.split_reaction_alarm(alarm, ENV)
        assert parts is not None and parts[0] in set(Reaction), alarm
        assert names.reaction_alarm_name(ENV, *parts) == alarm


def test_the_names_python_builds_fall_under_the_iam_grants() -> None:
    prod, staging = names.endpoint_name(ENV, "credit", "prod"), names.endpoint_name(ENV, "credit", "staging")
    model = names.resource_name(ENV, "credit", 3, PACKAGE, "model")
    config = names.resource_name(ENV, "credit", 3, PACKAGE, "prd")
    assert _granted("RegisterModelFunction", f"{ARN}:model-package-group/{names.group_name(ENV, 'credit')}")
    assert _granted("PrepareDeploymentFunction", f"{ARN}:model/{model}")
    assert _granted("PrepareDeploymentFunction", f"{ARN}:endpoint-config/{config}")
    assert _granted("PrepareDeploymentFunction", f"{ARN}:endpoint/{prod}")
    assert _granted("SmokeTestFunction", f"{ARN}:endpoint/{staging}")
    assert not _granted("SmokeTestFunction", f"{ARN}:endpoint/{prod}")
    rollback = names.rollback_config_name(prod, "2", "2026-03-04T05:06:07Z")
    assert _granted("RemediationFunction", f"{ARN}:endpoint-config/{rollback}")
    alarm = names.reaction_alarm_name(ENV, "rollback", "credit-5xx")
    assert _granted("RemediationFunction", f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{alarm}")
    train = names.state_machine_name("train", ENV)
    retrain = names.retrain_name("credit", "drift")
    assert _granted(
        "RemediationFunction", f"arn:aws:states:eu-west-1:123456789012:execution:{train}:{retrain}"
    )

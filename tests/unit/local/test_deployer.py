"""The offline deployer against an in-process moto server: templates/full exercises every feature."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lockgate.local.deployer.deploy import DeployError, creation_order, deploy
from lockgate.local.deployer.model import DeployedStack

TEMPLATES = Path(__file__).parent / "templates"
FULL = TEMPLATES / "full" / "template.yaml"
Aws = Callable[[str], Any]


class Deployed:
    """A deployment and the warnings it printed."""

    def __init__(self, endpoint: str, template: Path, **kwargs: Any) -> None:
        self.warnings: list[str] = []
        began = time.perf_counter()
        self.stack: DeployedStack = deploy(template, endpoint, warn=self.warnings.append, **kwargs)
        self.seconds = time.perf_counter() - began


@pytest.fixture(scope="module")
def dev(moto_endpoint: str) -> Deployed:
    return Deployed(moto_endpoint, FULL, stack_name="dev-stack")


@pytest.fixture(scope="module")
def prod(moto_endpoint: str) -> Deployed:
    overrides = {"Stage": "prod", "Prefix": "other"}
    return Deployed(moto_endpoint, FULL, stack_name="prod-stack", parameter_overrides=overrides)


def test_parameters_defaults_and_outputs(dev: Deployed) -> None:
    assert dev.stack.parameters == {"Stage": "dev", "Prefix": "lockgate", "RetentionDays": "7"}
    assert dev.stack.outputs["DataBucketName"] == "lockgate-data-dev-123456789012"
    assert dev.stack.outputs["Mode"] == "dev-mode"
    assert dev.stack.outputs["StateMachineArn"] == dev.stack.state_machines["IngestStateMachine"]
    assert dev.stack.outputs["FunctionArn"] == dev.stack.functions["ValidateFunction"].arn
    assert "ProdBucket" not in dev.stack.outputs  # output Condition false


def test_overrides_flip_conditions(prod: Deployed) -> None:
    assert prod.stack.parameters["Stage"] == "prod"
    assert prod.stack.outputs["Mode"] == "prod-mode"
    assert prod.stack.outputs["ProdBucket"] == prod.stack.resources["ProdOnlyBucket"].physical_id
    assert "HighErrorsAlarm" not in prod.stack.resources  # Condition DevAndLockgate false
    function = prod.stack.functions["ValidateFunction"]
    assert function.memory_mb == 1024
    assert function.environment["MODE"] == "strict"


def test_condition_false_resources_are_not_created(dev: Deployed, aws: Aws) -> None:
    assert "ProdOnlyBucket" not in dev.stack.resources
    alarms = aws("cloudwatch").describe_alarms(AlarmNames=["dev-stack-errors"])["MetricAlarms"]
    assert alarms[0]["Dimensions"] == [
        {"Name": "FunctionName", "Value": dev.stack.functions["ValidateFunction"].name}
    ]


def test_function_config_globals_environment_layer(dev: Deployed) -> None:
    function = dev.stack.functions["ValidateFunction"]
    assert function.handler == "app.lambda_handler"
    assert function.code_dir == (TEMPLATES / "full" / "src").resolve()
    assert (function.code_dir / "app.py").is_file()
    assert function.layer_dirs == ((TEMPLATES / "full" / "layer").resolve(),)
    assert (function.runtime, function.timeout, function.memory_mb) == ("python3.13", 30, 256)
    assert function.log_group == f"/aws/lambda/{function.name}"
    assert function.name.startswith("dev-stack-ValidateFunction-")
    env = function.environment
    assert env["STAGE"] == "dev"  # Globals merged
    assert env["POWERTOOLS_SERVICE_NAME"] == "lockgate"
    assert env["DATA_BUCKET"] == "lockgate-data-dev-123456789012"
    assert env["RUNS_TABLE"] == dev.stack.resources["RunsTable"].physical_id
    assert env["TOPIC_ARN"].startswith("arn:aws:sns:us-east-1:123456789012:dev-stack-AlertsTopic-")
    assert env["MODE"] == "lenient"
    assert env["GREETING"] == "hello-dev"
    assert env["LITERAL"] == "${NotAVar}-us-east-1"
    assert env["ENCODED"] == "YWJj"


def test_inline_code_and_logging_config(dev: Deployed) -> None:
    function = dev.stack.functions["InlineFunction"]
    assert (function.code_dir / "index.py").read_text().startswith("def handler(event, context):")
    assert function.log_group == "/lockgate/dev/shared"
    assert json.loads(function.environment["CONFIG"]) == {"stage": "dev", "retries": 3}
    assert function.environment["STAGE"] == "dev"


def test_parameter_outside_allowed_values(moto_endpoint: str) -> None:
    with pytest.raises(DeployError, match="'qa' is not one of"):
        deploy(FULL, moto_endpoint, stack_name="qa", parameter_overrides={"Stage": "qa"}, warn=print)


def test_state_machine_definition_substituted(dev: Deployed, aws: Aws) -> None:
    arn = dev.stack.state_machines["IngestStateMachine"]
    described = aws("stepfunctions").describe_state_machine(stateMachineArn=arn)
    definition = json.loads(described["definition"])
    states = definition["States"]
    assert states["Validate"]["Parameters"]["FunctionName"] == dev.stack.functions["ValidateFunction"].arn
    assert states["Notify"]["Parameters"]["TopicArn"] == dev.stack.resources["AlertsTopic"].physical_id
    assert "${" not in described["definition"]
    assert described["roleArn"] == dev.stack.resources["IngestStateMachineRole"].attributes["Arn"]


def test_bucket_configuration(dev: Deployed, aws: Aws) -> None:
    s3, bucket = aws("s3"), dev.stack.outputs["DataBucketName"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["BlockPublicAcls"]
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "project", "Value": "lockgate"}]
    # moto's GetBucketNotificationConfiguration leaves EventBridgeConfiguration out of its answer:
    # test_s3_put_reaches_eventbridge checks the behaviour instead.


def test_other_resources(dev: Deployed, aws: Aws) -> None:
    ssm = aws("ssm").get_parameter(Name="/lockgate/dev/threshold")["Parameter"]
    assert ssm["Value"] == "0.8"  # Select + Split
    groups = aws("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/dev-stack-")["logGroups"]
    assert [g.get("retentionInDays") for g in groups] == [7]
    aliases = aws("kms").list_aliases()["Aliases"]
    assert any(a["AliasName"] == "alias/dev-stack-alerts" for a in aliases)
    queue_url = dev.stack.resources["EventsQueue"].physical_id
    attributes = aws("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["MessageRetentionPeriod"] == "3600"
    assert "Policy" in attributes
    topic = dev.stack.resources["AlertsTopic"].physical_id
    subscriptions = aws("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["Endpoint"] for s in subscriptions] == [attributes["QueueArn"]]


def test_unsupported_type_named_in_one_warning(dev: Deployed) -> None:
    assert dev.stack.skipped == ["Dashboard (AWS::CloudWatch::Dashboard): not supported offline"]
    naming = [w for w in dev.warnings if "Dashboard" in w]
    assert naming == ["skipped Dashboard (AWS::CloudWatch::Dashboard): not supported offline"]


def test_bucket_policy_conditions_dropped_with_warning(dev: Deployed) -> None:
    assert any("DataBucketPolicy" in w and "DenyInsecureTransport" in w for w in dev.warnings)


def test_rule_target_keeps_input_transformer(dev: Deployed, aws: Aws) -> None:
    rule = dev.stack.resources["ObjectCreatedRule"].physical_id
    (target,) = aws("events").list_targets_by_rule(Rule=rule)["Targets"]
    assert target["InputTransformer"]["InputPathsMap"]["key"] == "$.detail.object.key"
    assert target["Arn"] == dev.stack.resources["EventsQueue"].attributes["Arn"]


def _drain(aws: Aws, queue_url: str) -> list[dict[str, Any]]:
    messages = aws("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_s3_put_reaches_eventbridge(dev: Deployed, aws: Aws) -> None:
    queue_url = dev.stack.resources["EventsQueue"].physical_id
    _drain(aws, queue_url)
    bucket = dev.stack.outputs["DataBucketName"]
    aws("s3").put_object(Bucket=bucket, Key="raw/iris data+1.csv", Body=b"a,b\n1,2\n")
    events = _drain(aws, queue_url)
    # moto's S3 -> EventBridge delivery skips InputTransformer (moto/s3/notifications.py:206)
    assert [e["detail-type"] for e in events] == ["Object Created"]
    # raw key from moto; URL-encoded as AWS delivers it once lockgate.local.moto_patches is applied
    assert events[0]["detail"]["object"]["key"] in ("raw/iris data+1.csv", "raw/iris+data%2B1.csv")


def test_put_events_applies_input_transformer(dev: Deployed, aws: Aws) -> None:
    queue_url = dev.stack.resources["EventsQueue"].physical_id
    _drain(aws, queue_url)
    bucket = dev.stack.outputs["DataBucketName"]
    detail = {"bucket": {"name": bucket}, "object": {"key": "raw/k.csv"}}
    entry = {"Source": "aws.s3", "DetailType": "Object Created", "Detail": json.dumps(detail)}
    assert aws("events").put_events(Entries=[entry])["FailedEntryCount"] == 0
    assert _drain(aws, queue_url) == [{"bucket": bucket, "key": "raw/k.csv"}]


def test_reference_to_unsupported_resolves_to_placeholder(moto_endpoint: str, aws: Aws) -> None:
    deployed = Deployed(moto_endpoint, TEMPLATES / "unsupported.yaml", stack_name="unsupported")
    assert deployed.stack.skipped == ["Board (AWS::CloudWatch::Dashboard): not supported offline"]
    assert deployed.stack.outputs["Board"] == "arn:aws:lockgate-placeholder:us-east-1:123456789012:Board"
    skipped_lines = [w for w in deployed.warnings if w.startswith("skipped")]
    assert skipped_lines == ["skipped Board (AWS::CloudWatch::Dashboard): not supported offline"]
    assert any("reference to Board resolves to a placeholder" in w for w in deployed.warnings)
    assert "Second" in deployed.stack.resources


def test_unknown_override_warns(moto_endpoint: str) -> None:
    deployed = Deployed(
        moto_endpoint, TEMPLATES / "unsupported.yaml", stack_name="override", parameter_overrides={"X": "1"}
    )
    assert any("'X' is not declared" in w for w in deployed.warnings)


def testcreation_order_follows_dependencies_then_template_order() -> None:
    resources = {
        "Fn": {"Type": "T", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "Param": {"Type": "T", "DependsOn": "Queue", "Properties": {"Value": {"Fn::Sub": "${Fn}"}}},
        "Role": {"Type": "T"},
        "Queue": {"Type": "T", "Properties": {"Name": {"Fn::Sub": "${AWS::Region}-${!Fn}"}}},
    }
    assert creation_order(resources) == ["Role", "Queue", "Fn", "Param"]


def test_reference_to_an_undeclared_name_is_an_error(moto_endpoint: str) -> None:
    with pytest.raises(DeployError, match="'Typo'"):
        deploy(TEMPLATES / "bad_ref.yaml", moto_endpoint, stack_name="bad-ref", warn=print)


def test_cycle_is_an_error(moto_endpoint: str) -> None:
    with pytest.raises(DeployError, match="circular"):
        deploy(TEMPLATES / "cycle.yaml", moto_endpoint, stack_name="cycle", warn=lambda _: None)


# The project's template: what may be skipped offline, by type, and why.
PROJECT_TEMPLATE = Path(__file__).parents[3] / "template.yaml"
ALLOWED_OFFLINE_SKIPS = {
    "AWS::CloudWatch::Dashboard": "a view only; nothing in the pipeline reads it",
}


@pytest.mark.skipif(not PROJECT_TEMPLATE.exists(), reason="no template.yaml at the repository root")
def test_project_template_deploys(moto_endpoint: str, aws: Aws) -> None:
    # moto's backends are per process: another local cloud in this test session (tests/integration)
    # may already hold the dev names, so deploy the staging flavour under its own stack name.
    overrides = {"Environment": "staging"}
    deployed = Deployed(moto_endpoint, PROJECT_TEMPLATE, stack_name="project", parameter_overrides=overrides)
    unexpected = [
        s for s in deployed.stack.skipped if s.split("(")[1].split(")")[0] not in ALLOWED_OFFLINE_SKIPS
    ]
    assert unexpected == []
    assert deployed.stack.functions and deployed.stack.state_machines
    for function in deployed.stack.functions.values():
        assert function.code_dir.is_dir(), function
        assert all(d.is_dir() for d in function.layer_dirs), function
    for arn in deployed.stack.state_machines.values():
        definition = aws("stepfunctions").describe_state_machine(stateMachineArn=arn)["definition"]
        assert "${" not in definition, arn


def test_environment_over_4_kb_and_out_of_range_settings_are_refused() -> None:
    from lockgate.local.limits import LimitExceeded, check_environment, check_function

    check_environment("ok", {"A": "x" * 4000})
    with pytest.raises(LimitExceeded, match="exceeded the 4KB limit"):
        check_environment("fn", {"A": "x" * 4100})
    check_function("ok", 900, 10_240)
    with pytest.raises(LimitExceeded, match="Timeout 901"):
        check_function("fn", 901, 128)
    with pytest.raises(LimitExceeded, match="MemorySize 64"):
        check_function("fn", 3, 64)


def test_a_lean_deploy_creates_what_the_function_and_its_environment_need(moto_endpoint: str) -> None:
    lean = Deployed(
        moto_endpoint,
        FULL,
        stack_name="lean-stack",
        parameter_overrides={"Prefix": "lean"},
        lean={"ValidateFunction", "Mode"},
    )
    # left-out resources resolve to placeholders silently; the kept bucket policy's usual warning
    assert [w for w in lean.warnings if "DataBucketPolicy" not in w] == []
    assert set(lean.stack.functions) == {"ValidateFunction"}
    kinds = {r.logical_id: r.type for r in lean.stack.resources.values()}
    # its environment's bucket (with its policy), table and topic (with the topic's key), its role,
    # layer and log group
    for needed in (
        "DataBucket",
        "DataBucketPolicy",
        "RunsTable",
        "AlertsTopic",
        "AlertsKey",
        "ValidateLogGroup",
    ):
        assert needed in kinds, needed
    assert {"AWS::IAM::Role", "AWS::Lambda::LayerVersion"} <= set(kinds.values())
    # not what only other resources use: the queue and the subscription into it, the state machine,
    # the rule, the alarm, the other function
    for other in (
        "InlineFunction",
        "IngestStateMachine",
        "EventsQueue",
        "AlertsSubscription",
        "ObjectCreatedRule",
        "HighErrorsAlarm",
        "ConfigParam",
    ):
        assert other not in kinds, other
    assert lean.stack.functions["ValidateFunction"].environment["DATA_BUCKET"] == "lean-data-dev-123456789012"
    assert lean.stack.outputs == {
        "DataBucketName": "lean-data-dev-123456789012",
        "FunctionArn": lean.stack.functions["ValidateFunction"].arn,
        "Mode": "dev-mode",
    }  # StateMachineArn names a resource left out


def test_a_lean_deploy_of_a_resource_whose_condition_is_false_is_a_deploy_error(moto_endpoint: str) -> None:
    with pytest.raises(DeployError, match=r"ProdOnlyBucket: not in template.yaml, or its Condition is false"):
        deploy(FULL, moto_endpoint, stack_name="lean-false", warn=lambda _: None, lean={"ProdOnlyBucket"})


def test_a_lean_deploy_keeps_what_an_output_names_and_the_state_machine_a_function_starts() -> None:
    from lockgate.local.deployer.lean import lean_resources

    resources = {
        "Starter": {"Type": "AWS::Lambda::Function", "Properties": {"Env": {"Ref": "Machine"}}},
        "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"F": {"Ref": "Worker"}}},
        "Worker": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Role": {"Fn::GetAtt": ["WorkerRole", "Arn"]}},
        },
        "WorkerRole": {"Type": "AWS::IAM::Role", "Properties": {"Policy": {"Ref": "Unrelated"}}},
        "Unrelated": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "WorkerLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"Name": {"Ref": "Worker"}}},
        "RulePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {"F": {"Ref": "Worker"}, "Source": {"Fn::GetAtt": ["Rule", "Arn"]}},
        },
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {"Target": {"Ref": "Worker"}}},
    }
    assert lean_resources(resources, {"Starter"}) == {
        "Starter",
        "Machine",
        "Worker",
        "WorkerRole",
        "WorkerLogs",
    }
    with pytest.raises(KeyError, match="NoSuch"):
        lean_resources(resources, {"NoSuch"})

"""What the IAM hook derives from a request offline: the SageMaker resource ARN, the role a SageMaker
call hands over (checked as iam:PassRole), and the condition context."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from lockgate.local.iam import patches
from lockgate.local.iam.policy import condition_holds, evaluate, statements

ROLE = "arn:aws:iam::123456789012:role/train"
SAGEMAKER_ROLE = "arn:aws:iam::123456789012:role/sagemaker-exec"


@dataclass
class _Request:
    path: str = "/"
    region: str = "us-east-1"
    current_account: str = "123456789012"


@pytest.mark.parametrize(
    ("operation", "params", "path", "arn"),
    [
        ("CreateTrainingJob", {"TrainingJobName": "LG-Train-1"}, "/", "training-job/lg-train-1"),
        ("CreateTransformJob", {"TransformJobName": "lg-t", "ModelName": "lg-m"}, "/", "transform-job/lg-t"),
        ("CreateModel", {"ModelName": "lg-m"}, "/", "model/lg-m"),
        ("UpdateEndpoint", {"EndpointName": "e", "EndpointConfigName": "c"}, "/", "endpoint/e"),
        ("CreateEndpointConfig", {"EndpointConfigName": "c"}, "/", "endpoint-config/c"),
        ("InvokeEndpoint", {}, "/endpoints/lockgate-dev/invocations", "endpoint/lockgate-dev"),
        ("ListModels", {}, "/", None),
    ],
)
def test_sagemaker_resources(operation: str, params: dict[str, str], path: str, arn: str | None) -> None:
    found = patches._sagemaker_resource(_Request(path=path), operation, params)
    assert found == (f"arn:aws:sagemaker:us-east-1:123456789012:{arn}" if arn else None)


def test_the_role_a_sagemaker_create_call_hands_over() -> None:
    assert (
        patches._passed_role("sagemaker", "CreateModel", {"ExecutionRoleArn": SAGEMAKER_ROLE})
        == SAGEMAKER_ROLE
    )
    tuning = {"TrainingJobDefinition": {"RoleArn": SAGEMAKER_ROLE}}
    assert patches._passed_role("sagemaker", "CreateHyperParameterTuningJob", tuning) == SAGEMAKER_ROLE
    assert patches._passed_role("sagemaker", "DescribeModel", {"ExecutionRoleArn": SAGEMAKER_ROLE}) is None
    assert patches._passed_role("lambda", "CreateFunction", {"Role": SAGEMAKER_ROLE}) is None


def test_pass_role_is_decided_with_passed_to_service() -> None:
    principal = patches.Principal("train", ROLE, ())
    context = patches.request_context(
        principal, "us-east-1", {"Tags": [{"Key": "team", "Value": "ml"}]}, "sagemaker", json_body=True
    )
    assert context.lookup("aws:RequestTag/team") == ("ml",)
    assert context.lookup("aws:RequestTag/owner") == ()  # modelled, absent
    assert context.lookup("aws:SourceIp") is None  # not known offline
    assert context.lookup("aws:SecureTransport") == ("true",)
    policy = statements(
        "p",
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": SAGEMAKER_ROLE,
                "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            }
        },
    )
    passed = patches.Context(
        {**context.values, "iam:passedtoservice": ("sagemaker.amazonaws.com",)}, context.modelled
    )
    assert evaluate(policy, "iam:PassRole", SAGEMAKER_ROLE, passed).allowed
    assert not evaluate(policy, "iam:PassRole", SAGEMAKER_ROLE, context).allowed  # no service: absent
    ec2 = patches.Context({**context.values, "iam:passedtoservice": ("ec2.amazonaws.com",)}, context.modelled)
    decision = evaluate(policy, "iam:PassRole", SAGEMAKER_ROLE, ec2)
    assert not decision.allowed and decision.undecided == ()


def test_query_requests_leave_request_tags_unknown() -> None:
    principal = patches.Principal("f", ROLE, ())
    context = patches.request_context(principal, "us-east-1", {}, "sns", json_body=False)
    assert context.lookup("aws:RequestTag/team") is None


def _conditions(node: object) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Condition" and isinstance(value, dict):
                found += [(op, k) for op, keys in value.items() if isinstance(keys, dict) for k in keys]
            else:
                found += _conditions(value)
    elif isinstance(node, list):
        for value in node:
            found += _conditions(value)
    return found


def test_every_condition_in_the_template_is_decided_offline() -> None:
    """A Condition Lockgate writes must not fall back to 'applied as if it held' offline."""
    from lockgate.local.deployer.template import load_template

    template = load_template(Path(__file__).parents[3] / "template.yaml")
    found = _conditions(template["Resources"])
    assert found, "the template has IAM conditions"
    principal = patches.Principal("f", ROLE, ())
    context = patches.request_context(
        principal, "us-east-1", {"Namespace": "Lockgate/Monitoring"}, "cloudwatch", json_body=True
    )
    s3 = patches.request_context(principal, "us-east-1", {"prefix": "contracts/"}, "s3", json_body=False)
    context = patches.Context(
        {**context.values, **s3.values, "iam:passedtoservice": ("sagemaker.amazonaws.com",)},
        context.modelled | s3.modelled,
    )
    for operator, key in found:
        assert condition_holds((operator, key, ("x",)), context) is not None, (operator, key)


def test_s3_prefix_is_known_for_listings() -> None:
    """ListBucket scoped by `s3:prefix` (PrepareDeployment reads contracts/ only): decided offline."""
    principal = patches.Principal("f", ROLE, ())
    listing = patches.request_context(
        principal, "us-east-1", {"prefix": "contracts/x"}, "s3", json_body=False
    )
    assert condition_holds(("StringLike", "s3:prefix", ("contracts/*",)), listing) is True
    other = patches.request_context(principal, "us-east-1", {"prefix": "raw/"}, "s3", json_body=False)
    assert condition_holds(("StringLike", "s3:prefix", ("contracts/*",)), other) is False
    bare = patches.request_context(principal, "us-east-1", {}, "s3", json_body=False)
    assert condition_holds(("StringLike", "s3:prefix", ("contracts/*",)), bare) is False

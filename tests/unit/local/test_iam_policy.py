"""The offline identity-policy evaluator: explicit Deny wins, an Allow is needed, wildcards, NotAction,
NotResource, and Conditions reported as undecided (never silently allowed)."""

from __future__ import annotations

import pytest

from lockgate.local.iam.policy import AWS_MANAGED, Context, conditions_hold, evaluate, statements

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/idempotency"


def _policy(*statement: dict[str, object]) -> list:  # type: ignore[type-arg]
    return statements("p", {"Version": "2012-10-17", "Statement": list(statement)})


def test_no_statement_is_an_implicit_deny_that_names_the_action() -> None:
    decision = evaluate([], "sns:Publish", "arn:aws:sns:us-east-1:1:t")
    assert not decision.allowed
    assert decision.reason == "no identity-based policy allows the sns:Publish action"


def test_action_and_resource_wildcards() -> None:
    policy = _policy({"Effect": "Allow", "Action": ["dynamodb:Get*", "dynamodb:PutItem"], "Resource": TABLE})
    assert evaluate(policy, "dynamodb:GetItem", TABLE).allowed
    assert evaluate(policy, "DynamoDB:putitem", TABLE).allowed  # actions are case-insensitive
    assert not evaluate(policy, "dynamodb:DeleteItem", TABLE).allowed
    assert not evaluate(policy, "dynamodb:GetItem", TABLE + "-other").allowed
    assert not evaluate(policy, "dynamodb:GetItem", TABLE.upper()).allowed  # resources are not


def test_explicit_deny_wins_over_allow() -> None:
    policy = _policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::data/*"},
    )
    assert evaluate(policy, "s3:GetObject", "arn:aws:s3:::data/raw/a.csv").allowed
    decision = evaluate(policy, "s3:DeleteObject", "arn:aws:s3:::data/raw/a.csv")
    assert not decision.allowed and decision.reason == "explicitly denied by p"


def test_not_action_and_not_resource() -> None:
    policy = _policy({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"})
    assert evaluate(policy, "s3:GetObject", "arn:aws:s3:::data/x").allowed
    assert not evaluate(policy, "iam:CreateUser", "*").allowed
    assert not evaluate(policy, "s3:GetObject", "arn:aws:s3:::secret/x").allowed


def test_conditions_that_cannot_be_decided_are_reported_never_silently_decided() -> None:
    policy = _policy(
        {
            "Sid": "Tagged",
            "Effect": "Allow",
            "Action": "sagemaker:DeleteEndpoint",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/lockgate:managed": "true"}},
        },
        {
            "Sid": "FromOffice",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        },
    )
    decision = evaluate(
        policy, "sagemaker:DeleteEndpoint", "arn:aws:sagemaker:us-east-1:1:endpoint/x", CONTEXT
    )
    assert decision.allowed
    assert decision.undecided == ("p (Tagged)", "p (FromOffice)")


CONTEXT = Context(
    values={
        "aws:securetransport": ("true",),
        "aws:principalarn": ("arn:aws:iam::123456789012:role/train",),
        "aws:requestedregion": ("us-east-1",),
        "aws:epochtime": ("1764662400",),
        "aws:currenttime": ("2025-12-02T08:00:00Z",),
        "aws:requesttag/team": ("ml",),
        "aws:tagkeys": ("team", "cost"),
        "cloudwatch:namespace": ("Lockgate/Monitoring",),
        "iam:passedtoservice": ("sagemaker.amazonaws.com",),
    },
    modelled=frozenset(
        {"aws:securetransport", "aws:principalarn", "aws:requesttag/", "aws:tagkeys", "iam:passedtoservice"}
    ),
)


def _allow_if(condition: dict[str, object]) -> list:  # type: ignore[type-arg]
    return _policy({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition})


@pytest.mark.parametrize(
    ("condition", "allowed"),
    [
        ({"Bool": {"aws:SecureTransport": "true"}}, True),
        ({"Bool": {"aws:SecureTransport": "false"}}, False),
        ({"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}, True),
        ({"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}}, False),
        ({"StringNotEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}, True),
        ({"StringEqualsIgnoreCase": {"aws:RequestedRegion": "US-EAST-1"}}, True),
        ({"StringLike": {"cloudwatch:namespace": "Lockgate/*"}}, True),
        ({"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}, False),
        ({"StringNotLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}, True),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/tr*"}}, True),
        ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/other"}}, False),
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/other"}}, True),
        ({"NumericLessThan": {"aws:EpochTime": "1800000000"}}, True),
        ({"NumericGreaterThanEquals": {"aws:EpochTime": "1800000000"}}, False),
        ({"DateGreaterThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}, True),
        ({"DateLessThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}, False),
        ({"StringEquals": {"aws:RequestTag/team": "ml"}}, True),
        ({"StringEquals": {"aws:RequestTag/owner": "me"}}, False),  # modelled, absent: no match
        ({"StringEqualsIfExists": {"aws:RequestTag/owner": "me"}}, True),
        ({"StringNotEquals": {"aws:RequestTag/owner": "me"}}, True),  # negated, absent: holds
        ({"Null": {"aws:RequestTag/owner": "true"}}, True),
        ({"Null": {"aws:RequestTag/team": "true"}}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["cost", "x"]}}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost", "x"]}}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["x"]}}, False),
        (  # every operator must hold (AND), any value of one key may match (OR)
            {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:RequestTag/team": ["x", "ml"]}},
            True,
        ),
        ({"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:RequestTag/team": "x"}}, False),
    ],
)
def test_conditions_are_evaluated_where_the_context_is_known(
    condition: dict[str, object], allowed: bool
) -> None:
    decision = evaluate(_allow_if(condition), "sagemaker:CreateModel", "*", CONTEXT)
    assert decision.allowed is allowed
    assert decision.undecided == ()


def test_an_unknown_key_or_operator_is_undecided_not_false() -> None:
    for condition in (
        {"StringEquals": {"aws:SourceArn": "arn:x"}},  # not modelled offline
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},  # operator not implemented offline
        {"BinaryEquals": {"aws:SecureTransport": "dHJ1ZQ=="}},
    ):
        held = conditions_hold(
            statements("p", {"Statement": {"Condition": condition}})[0].conditions, CONTEXT
        )
        assert held is None, condition


def test_a_failing_condition_decides_even_beside_an_undecided_one() -> None:
    condition = {"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:SourceArn": "arn:x"}}
    decision = evaluate(_allow_if(condition), "s3:GetObject", "*", CONTEXT)
    assert not decision.allowed and decision.undecided == ()


def test_a_deny_with_a_condition_that_holds_is_applied() -> None:
    policy = _policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
        },
    )
    context = Context({"aws:requestedregion": ("us-east-1",)}, frozenset({"aws:requestedregion"}))
    decision = evaluate(policy, "s3:GetObject", "arn:aws:s3:::b/k", context)
    assert not decision.allowed and decision.reason == "explicitly denied by p"


def test_an_unknown_resource_is_decided_on_the_action_alone() -> None:
    policy = _policy({"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "arn:x"})
    assert evaluate(policy, "sagemaker:CreateTrainingJob", None).allowed
    assert not evaluate(policy, "sagemaker:CreateEndpoint", None).allowed


def test_the_aws_managed_policies_functions_use_are_known() -> None:
    basic = statements("basic", {"Statement": AWS_MANAGED[next(iter(AWS_MANAGED))]})
    assert evaluate(basic, "logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:x").allowed


def test_role_statements_reads_inline_attached_and_known_aws_managed_policies(aws) -> None:  # type: ignore[no-untyped-def]
    import json

    from lockgate.local.iam.patches import role_statements

    iam = aws("iam")
    iam.create_role(RoleName="reader", AssumeRolePolicyDocument="{}")
    inline = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName="reader", PolicyName="notify", PolicyDocument=json.dumps(inline))
    managed = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    }
    arn = iam.create_policy(PolicyName="read", PolicyDocument=json.dumps(managed))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="reader", PolicyArn=arn)
    warnings: list[str] = []
    found = role_statements(
        iam,
        "arn:aws:iam::123456789012:role/reader",
        [*AWS_MANAGED, "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"],
        warnings.append,
    )
    assert evaluate(found, "sns:Publish", "arn:aws:sns:us-east-1:1:t").allowed
    assert evaluate(found, "s3:GetObject", "arn:aws:s3:::b/k").allowed
    assert evaluate(found, "logs:PutLogEvents", "*").allowed
    assert not evaluate(found, "s3:PutObject", "arn:aws:s3:::b/k").allowed
    assert warnings == [
        "IAM offline: AWS managed policy arn:aws:iam::aws:policy/AmazonSageMakerFullAccess of reader "
        "is not known offline: not granted"
    ]
    missing: list[str] = []
    assert role_statements(iam, "arn:aws:iam::123456789012:role/nobody", [], missing.append) == []
    assert "does not exist" in missing[0]

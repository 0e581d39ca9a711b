"""The offline identity-policy evaluator: explicit Deny wins, an Allow is needed, wildcards, NotAction,
NotResource, and Conditions reported as undecided (never silently allowed)."""

from __future__ import annotations

from lockgate.local.iam.policy import AWS_MANAGED, evaluate, statements

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


def test_conditions_are_reported_never_silently_decided() -> None:
    policy = _policy(
        {
            "Sid": "Tagged",
            "Effect": "Allow",
            "Action": "sagemaker:DeleteEndpoint",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/lockgate:managed": "true"}},
        },
        {
            "Sid": "Tls",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )
    decision = evaluate(policy, "sagemaker:DeleteEndpoint", "arn:aws:sagemaker:us-east-1:1:endpoint/x")
    assert decision.allowed
    assert decision.undecided == ("p (Tagged)", "p (Tls)")


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

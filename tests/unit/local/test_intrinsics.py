"""Intrinsic functions resolved offline: Ref, GetAtt, Sub, Join, Select, Split, If and conditions."""

from __future__ import annotations

import pytest

from lockgate.local.deployer.intrinsics import IntrinsicError, Resolver, references
from lockgate.local.deployer.model import PhysicalResource

PSEUDO = {"AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012", "AWS::StackName": "s"}


@pytest.fixture
def resolver() -> Resolver:
    bucket = PhysicalResource("Bucket", "AWS::S3::Bucket", "my-bucket", {"Arn": "arn:aws:s3:::my-bucket"})
    return Resolver(
        parameters={"Stage": "dev", "Names": ["a", "b"]},
        pseudo=PSEUDO,
        resources={"Bucket": bucket},
        mappings={"Sizes": {"dev": {"Memory": 256}}},
        condition_defs={
            "IsDev": {"Fn::Equals": [{"Ref": "Stage"}, "dev"]},
            "IsProd": {"Fn::Not": [{"Condition": "IsDev"}]},
            "Both": {"Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": ["x", "x"]}]},
            "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "Both"}]},
        },
    )


def test_ref_parameters_pseudo_and_resources(resolver: Resolver) -> None:
    assert resolver.resolve({"Ref": "Stage"}) == "dev"
    assert resolver.resolve({"Ref": "AWS::Region"}) == "eu-west-1"
    assert resolver.resolve({"Ref": "Bucket"}) == "my-bucket"
    assert resolver.resolve({"Ref": "Names"}) == ["a", "b"]


def test_no_value_removes_keys_and_items(resolver: Resolver) -> None:
    fragment = {"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}, 2]}
    assert resolver.resolve(fragment) == {"B": [1, 2]}


def test_get_att_both_forms(resolver: Resolver) -> None:
    assert resolver.resolve({"Fn::GetAtt": ["Bucket", "Arn"]}) == "arn:aws:s3:::my-bucket"
    assert resolver.resolve({"Fn::GetAtt": "Bucket.Arn"}) == "arn:aws:s3:::my-bucket"


def test_sub_string_form(resolver: Resolver) -> None:
    text = "${Bucket}/${Bucket.Arn}/${AWS::Region}/${Stage}/${!Literal}"
    assert resolver.resolve({"Fn::Sub": text}) == "my-bucket/arn:aws:s3:::my-bucket/eu-west-1/dev/${Literal}"


def test_sub_list_form_variables_win(resolver: Resolver) -> None:
    fragment = {"Fn::Sub": ["${Stage}-${Name}", {"Name": {"Ref": "Bucket"}, "Stage": "over"}]}
    assert resolver.resolve(fragment) == "over-my-bucket"


def test_join_select_split(resolver: Resolver) -> None:
    assert resolver.resolve({"Fn::Join": ["-", ["x", {"Ref": "Stage"}]]}) == "x-dev"
    assert resolver.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert resolver.resolve({"Fn::Select": ["0", {"Ref": "Names"}]}) == "a"


def test_conditions_and_if(resolver: Resolver) -> None:
    assert resolver.condition("IsDev") is True
    assert resolver.condition("IsProd") is False
    assert resolver.condition("Both") is True
    assert resolver.condition("Either") is True
    assert resolver.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "small"
    assert resolver.resolve({"X": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}}) == {}


def test_iam_condition_map_is_data_not_a_function(resolver: Resolver) -> None:
    statement = {"Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert resolver.resolve(statement) == statement


def test_find_in_map_base64_getazs(resolver: Resolver) -> None:
    assert resolver.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}) == 256
    assert resolver.resolve({"Fn::Base64": "abc"}) == "YWJj"
    assert resolver.resolve({"Fn::GetAZs": ""})[0] == "eu-west-1a"


def test_unknown_reference_fails_without_placeholder(resolver: Resolver) -> None:
    with pytest.raises(IntrinsicError, match="Missing"):
        resolver.resolve({"Ref": "Missing"})
    with pytest.raises(IntrinsicError, match="no attribute"):
        resolver.resolve({"Fn::GetAtt": ["Bucket", "Nope"]})


def test_placeholder_for_missing_resources(resolver: Resolver) -> None:
    resolver.placeholder = lambda name, attribute: f"<{name}.{attribute}>"
    assert resolver.resolve({"Fn::Sub": "${Gone.Arn}"}) == "<Gone.Arn>"
    assert resolver.resolve({"Ref": "Gone"}) == "<Gone.None>"


def test_references_finds_dependencies() -> None:
    fragment = {
        "A": {"Ref": "Bucket"},
        "B": {"Fn::GetAtt": "Role.Arn"},
        "C": {"Fn::Sub": ["${Topic.TopicName}-${Local}-${!Queue}", {"Local": {"Ref": "Table"}}]},
        "D": {"Ref": "AWS::Region"},
    }
    known = {"Bucket", "Role", "Topic", "Table", "Queue", "Local"}
    assert references(fragment, known) == {"Bucket", "Role", "Topic", "Table"}

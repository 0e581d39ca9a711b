import json

import pytest

from lockgate.local.eventbridge.targets import json_path, target_input

EVENT = {
    "id": "1",
    "source": "aws.s3",
    "detail-type": "Object Created",
    "detail": {"bucket": {"name": "data"}, "object": {"key": "raw/a b.csv", "size": 3}, "tags": ["x", "y"]},
}


def test_no_input_settings_delivers_the_whole_event() -> None:
    assert json.loads(target_input(EVENT, {"Arn": "a"})) == EVENT


def test_constant_input_wins() -> None:
    assert target_input(EVENT, {"Arn": "a", "Input": '{"fixed": 1}'}) == '{"fixed": 1}'


def test_input_path_selects_part_of_the_event() -> None:
    assert (
        json.loads(target_input(EVENT, {"Arn": "a", "InputPath": "$.detail.object"}))
        == EVENT["detail"]["object"]
    )


def test_input_transformer_quotes_strings_inside_quotes_and_json_outside() -> None:
    target = {
        "Arn": "a",
        "InputTransformer": {
            "InputPathsMap": {
                "bucket": "$.detail.bucket.name",
                "size": "$.detail.object.size",
                "obj": "$.detail.object",
            },
            "InputTemplate": (
                '{"where": "s3://<bucket>/x", "size": <size>, "object": <obj>, "keep": "<unknown>"}'
            ),
        },
    }
    assert json.loads(target_input(EVENT, target)) == {
        "where": "s3://data/x",
        "size": 3,
        "object": EVENT["detail"]["object"],
        "keep": "<unknown>",
    }


def test_input_transformer_escapes_quotes_in_string_values() -> None:
    event = {"detail": {"name": 'say "hi"'}}
    target = {
        "Arn": "a",
        "InputTransformer": {"InputPathsMap": {"n": "$.detail.name"}, "InputTemplate": '{"n": "<n>"}'},
    }
    assert json.loads(target_input(event, target)) == {"n": 'say "hi"'}


@pytest.mark.parametrize(
    ("path", "expected"), [("$", EVENT), ("$.detail.tags[1]", "y"), ("$.detail.missing.x", None)]
)
def test_json_path(path: str, expected: object) -> None:
    assert json_path(EVENT, path) == expected


def test_json_path_rejects_what_eventbridge_rejects() -> None:
    with pytest.raises(ValueError, match="must start with"):
        json_path(EVENT, "detail")

import json
from pathlib import Path

import pytest

from lockgate.cli import main, parameter_overrides

REPO = Path(__file__).resolve().parents[2]


def test_parameter_overrides_parse_key_value_pairs() -> None:
    assert parameter_overrides(["Environment=prod", "NotificationEmail=a=b@x"]) == {
        "Environment": "prod",
        "NotificationEmail": "a=b@x",
    }


def test_a_malformed_override_is_a_usage_error() -> None:
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        parameter_overrides(["Environment"])


def test_translate_prints_plain_cloudformation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", "--template", str(REPO / "template.yaml")]) == 0
    translated = json.loads(capsys.readouterr().out)
    types = {resource["Type"] for resource in translated["Resources"].values()}
    assert "AWS::Lambda::Function" in types and "AWS::StepFunctions::StateMachine" in types
    assert not any(t.startswith("AWS::Serverless::") for t in types)

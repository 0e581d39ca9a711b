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


def test_no_subcommand_module_imports_the_cli() -> None:
    """lockgate.cli imports the subcommands; they take shared options from commands.options."""
    import ast

    import lockgate.commands

    folder = Path(lockgate.commands.__file__).parent
    for module in folder.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "lockgate.cli", f"{module.name} imports lockgate.cli"
            if isinstance(node, ast.Import):
                assert all(alias.name != "lockgate.cli" for alias in node.names), module.name


def test_bias_is_a_subcommand_with_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bias", "--help"])
    assert exited.value.code == 0
    assert "--config" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main(["bias", "--data", "x.csv"])  # --config and --out missing: a usage error
    assert exited.value.code == 2

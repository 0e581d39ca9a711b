"""Issue 22 item 3 against a real local cloud: a negative answer ("no such ...") is one line on
stderr and exit 1 for every command that looks something up, never an IAM wall or exit 0; the
approval wording names what starts. (The convention's other rules: tests/unit/test_cli_convention.py.)"""

from __future__ import annotations

import pytest

from lockgate import cli

pytestmark = pytest.mark.integration
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/lockgate-dev-nosuch/1"


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["lineage", "nosuch"], "no lineage recorded for dataset#nosuch"),
        (["promote", "nosuch", "--variant", "champion"], "no such endpoint nosuch"),
        (["variants", "nosuch"], "no such endpoint nosuch"),
        (["fault", "nosuch", "AllTraffic", "--5xx-rate", "0.5"], "no such endpoint nosuch"),
        (["retrain", "nosuch"], "no dataset nosuch in s3://"),
        (["alarm", "nosuch", "--state", "OK"], "no alarm named 'nosuch'"),
        (["approve", PACKAGE], "no such model package"),
        (["reject", PACKAGE, "--reason", "r"], "no such model package"),
        (["deploy", PACKAGE, "--variants", "90/10"], "no such model package"),
    ],
)
def test_not_found_is_one_line_and_exit_1(
    argv: list[str], fragment: str, pipeline: object, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pipeline.cloud.url  # type: ignore[attr-defined]
    capsys.readouterr()
    assert cli.main([*argv, "--endpoint-url", url]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err and "AccessDenied" not in err
    [line] = err.strip().splitlines()
    assert line.startswith(f"lockgate {argv[0]}: ") and fragment in line
    assert "no a version" not in line


def test_aws_endpoint_url_reaches_the_cloud(
    pipeline: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", pipeline.cloud.url)  # type: ignore[attr-defined]
    capsys.readouterr()
    assert cli.main(["runs", "--limit", "1"]) == 0
    assert cli.main(["endpoints"]) == 0
    assert capsys.readouterr().err == ""

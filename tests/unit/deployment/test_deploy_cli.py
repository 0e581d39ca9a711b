"""The deploy commands fail in one line with exit status 2 and no traceback."""

from __future__ import annotations

import pytest

from lockgate.cli import main

NOWHERE = "http://127.0.0.1:9"  # discard port: nothing listens


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["predict", "ep", "--file", "/no/such.csv", "--endpoint-url", NOWHERE], "is not a file"),
        (["endpoints", "--endpoint-url", NOWHERE], "check --endpoint-url"),
        (["approve", "arn:aws:sagemaker:us-east-1:1:model-package/g/1", "--endpoint-url", NOWHERE], "check"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert out.out == "" and len(lines) == 1 and fragment in lines[0] and "Traceback" not in out.err


def test_a_rate_outside_0_1_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        main(["fault", "ep", "AllTraffic", "--5xx-rate", "1.5", "--endpoint-url", NOWHERE])
    assert usage.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "--5xx-rate" in line and "0..1" in line


def test_reject_needs_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        main(["reject", "arn:aws:sagemaker:us-east-1:1:model-package/g/1"])
    assert usage.value.code == 2

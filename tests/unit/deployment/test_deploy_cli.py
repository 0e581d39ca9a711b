"""The deploy commands fail in one line with exit status 2 and no traceback."""

from __future__ import annotations

import pytest

from lockgate.cli import main

NOWHERE = "http://127.0.0.1:9"  # discard port: nothing listens


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["fault", "ep", "AllTraffic", "--5xx-rate", "1.5", "--endpoint-url", NOWHERE], "between 0 and 1"),
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
    lines = out.out.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in out.err


def test_reject_needs_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        main(["reject", "arn:aws:sagemaker:us-east-1:1:model-package/g/1"])
    assert usage.value.code == 2

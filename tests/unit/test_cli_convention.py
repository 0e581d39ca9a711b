"""Issue 22 item 3: one CLI convention (lockgate.commands.options), checked for every command:
the endpoint from --endpoint-url, else AWS_ENDPOINT_URL, else AWS; a region hint; one line on
stderr and exit 2 (1 for "not found"); a silent closed pipe; help text on every option; values
outside what the help states refused."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lockgate import cli
from lockgate.commands import COMMANDS
from lockgate.commands.options import BROKEN_PIPE, REGION_HINT, endpoint_url, run_guarded
from lockgate.commands.usage import CliError

# Every command that calls an endpoint, with arguments that get it as far as its first AWS call.
ENDPOINT_COMMANDS = {
    "runs": [],
    "lineage": ["credit"],
    "alarm": ["x", "--state", "OK"],
    "actions": [],
    "monitor": ["run"],
    "approve": ["arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1"],
    "reject": ["arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1", "--reason", "r"],
    "predict": ["ep", "--file", "PLACEHOLDER"],
    "endpoints": [],
    "fault": ["ep", "AllTraffic", "--5xx-rate", "0.5"],
    "retrain": ["credit"],
    "deploy": ["arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1", "--variants", "90/10"],
    "promote": ["ep", "--variant", "champion"],
    "variants": ["ep"],
}


def _free_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _argv(command: str, tmp_path: Path) -> list[str]:
    rows = tmp_path / "rows.csv"
    rows.write_text("1,2,3\n")
    return [command, *(str(rows) if a == "PLACEHOLDER" else a for a in ENDPOINT_COMMANDS[command])]


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in err and out == "", (out, err)
    [line] = err.strip().splitlines()
    return line


def test_every_command_is_in_the_one_table() -> None:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(COMMANDS)
    assert set(ENDPOINT_COMMANDS) <= set(COMMANDS)


def test_every_option_and_argument_has_help_text() -> None:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [
        f"{name} {action.dest}"
        for name, command in sub.choices.items()
        for action in command._actions
        if not isinstance(action, argparse._HelpAction) and not action.help
    ]
    assert missing == []


@pytest.mark.parametrize("command", sorted(ENDPOINT_COMMANDS))
def test_every_endpoint_command_takes_endpoint_url(command: str) -> None:
    args = cli.build_parser().parse_args(
        [command, *ENDPOINT_COMMANDS[command], "--endpoint-url", "http://h:1"]
    )
    assert args.endpoint_url == "http://h:1"


@pytest.mark.parametrize("command", sorted(ENDPOINT_COMMANDS))
def test_an_unreachable_endpoint_is_one_line_and_exit_2(
    command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = _free_url()
    assert cli.main([*_argv(command, tmp_path), "--endpoint-url", url]) == 2
    line = _one_line(capsys)
    assert line.startswith(f"lockgate {command}: cannot reach {url}") and "lockgate up" in line


@pytest.mark.parametrize("command", sorted(ENDPOINT_COMMANDS))
def test_aws_endpoint_url_is_the_default(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = _free_url()
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    assert cli.main(_argv(command, tmp_path)) == 2
    assert f"cannot reach {url}" in _one_line(capsys)


@pytest.mark.parametrize("command", sorted(ENDPOINT_COMMANDS))
def test_a_bad_url_is_one_line_and_exit_2(
    command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli.main([*_argv(command, tmp_path), "--endpoint-url", "notaurl"]) == 2
    assert "'notaurl' is not a URL" in _one_line(capsys)


@pytest.mark.parametrize("command", ["runs", "endpoints", "actions"])
def test_no_region_and_no_endpoint_gives_the_hint(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert cli.main(_argv(command, tmp_path)) == 2
    assert _one_line(capsys) == f"lockgate {command}: {REGION_HINT}"


def test_the_endpoint_resolution_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert endpoint_url(None) is None  # AWS
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://env:1")
    assert endpoint_url(None) == "http://env:1"
    assert endpoint_url("https://given:2") == "https://given:2"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "127.0.0.1:5000")
    with pytest.raises(CliError, match=r"AWS_ENDPOINT_URL '127\.0\.0\.1:5000' is not a URL"):
        endpoint_url(None)


def _client_error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "DescribeEndpoint")


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (_client_error("AccessDeniedException", "User: x is not authorized\nto perform: y"), 2),
        (_client_error("ValidationException", "Could not find endpoint ep."), 1),
        (_client_error("ResourceNotFoundException", "Function not found: f"), 1),
        (CliError("no such thing; do this"), 2),
        (CliError("no such endpoint", exit_code=1), 1),
    ],
)
def test_errors_are_one_line_with_their_exit_status(
    error: Exception, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    def fails(args: argparse.Namespace) -> int:
        raise error

    assert run_guarded(argparse.Namespace(command="endpoints", endpoint_url="http://h:1"), fails) == status
    assert _one_line(capsys).startswith("lockgate endpoints: ")


def test_a_bug_is_not_hidden() -> None:
    def buggy(args: argparse.Namespace) -> int:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        run_guarded(argparse.Namespace(command="runs"), buggy)


def test_a_closed_pipe_is_silent() -> None:
    """`lockgate endpoints | head -1`: the reader goes away; no BrokenPipeError traceback."""
    program = (
        "import argparse\n"
        "from lockgate.commands.console import say\n"
        "from lockgate.commands.options import run_guarded\n"
        "def many(args):\n"
        "    for n in range(200000):\n"
        "        say(f'endpoint {n}')\n"
        "raise SystemExit(run_guarded(argparse.Namespace(command='endpoints'), many))\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", program], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=None
    )
    assert writer.stdout is not None and writer.stderr is not None
    assert writer.stdout.readline() == b"endpoint 0\n"
    writer.stdout.close()  # as `head -1` or `grep -q` does
    assert writer.wait(timeout=60) == BROKEN_PIPE
    assert writer.stderr.read() == b""


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["variants", "ep", "--minutes", "5000"], "--minutes: 5000 is out of range: use 1..1440"),
        (["variants", "ep", "--minutes", "0"], "out of range"),
        (["actions", "--limit", "0"], "--limit: 0 is out of range"),
        (["runs", "--limit", "-1"], "--limit: -1 is out of range"),
        (["fault", "ep", "v", "--5xx-rate", "1.5"], "--5xx-rate: 1.5 is out of range: use 0..1"),
        (["runs", "--limit", "many"], "'many' is not an integer"),
        (["up", "--port", "70000"], "--port: 70000 is out of range"),
        (["demo", "--clock-speed", "0"], "--clock-speed: 0 is out of range"),
    ],
)
def test_values_outside_the_help_are_refused_in_one_line(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as usage:
        cli.main(argv)
    assert usage.value.code == 2
    line = _one_line(capsys)
    assert line.startswith(f"lockgate {argv[0]}: argument") and fragment in line


@pytest.mark.parametrize(("split", "fragment"), [("50/60", "adds up to 110"), ("0/0", "both weights are 0")])
def test_variants_that_do_not_add_up_to_100_are_refused(
    split: str, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["deploy", "arn:aws:sagemaker:us-east-1:1:model-package/g/1", "--variants", split]
    assert cli.main([*argv, "--endpoint-url", "http://127.0.0.1:9"]) == 2  # before any call
    assert fragment in _one_line(capsys)


def test_the_help_names_the_limits() -> None:
    helps: dict[str, Any] = {}
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("variants", "actions", "runs"):
        helps[name] = {a.dest: a.help for a in sub.choices[name]._actions}
    assert "1..1440" in helps["variants"]["minutes"]
    assert "1..1000" in helps["actions"]["limit"] and "1..1000" in helps["runs"]["limit"]
    deploy = {a.dest: a.help for a in sub.choices["deploy"]._actions}
    assert "adding up to 100" in deploy["variants"]


def test_an_iam_wall_is_not_called_not_found() -> None:
    """`approve`/`deploy` of a package AWS refuses to describe: AWS's one line, exit 2, not "no such"."""
    from lockgate.commands import deploy_cli

    class Refusing:  # the registry adapter, as AWS answers it
        def package(self, arn: str) -> None:
            raise _client_error("AccessDeniedException", "User x is not authorized to perform y")

    class Missing:
        def package(self, arn: str) -> None:
            raise _client_error("ValidationException", f"ModelPackage {arn} does not exist.")

    with pytest.raises(ClientError):
        deploy_cli._package(Refusing(), "arn")  # type: ignore[arg-type]
    with pytest.raises(CliError, match="no such model package arn") as missing:
        deploy_cli._package(Missing(), "arn")  # type: ignore[arg-type]
    assert missing.value.exit_code == 1

"""The `lockgate` convention, the same for every subcommand (tests/unit/test_cli_convention.py checks
each one), and the options several subcommands share. Subcommands import from here, never from
lockgate.cli.

- Endpoint: `--endpoint-url URL`, else $AWS_ENDPOINT_URL (the export `lockgate up` prints), else AWS.
  A value that is not `http(s)://HOST[:PORT]` is refused before any call.
- Region: AWS's usual chain (AWS_REGION, AWS_DEFAULT_REGION, the profile); with none, one line says
  how to set it. A local endpoint needs none (the local cloud is us-east-1).
- Errors: one line on stderr, `lockgate <command>: <what is wrong>; <what to do>`, no traceback.
  Exit 2 for a bad argument, an unreachable endpoint or anything AWS refuses (a botocore
  ClientError); exit 1 for a negative answer (no such endpoint, package, alarm, lineage). A closed
  pipe (`lockgate endpoints | grep -q x`) is silent. `lockgate.commands.usage.CliError` is the one
  error class; `run_command` the one dispatcher (the table is `lockgate.commands.COMMANDS`).
- Arguments: every option has help text; a number outside the range its help states is refused by
  the parser (`bounded`), and so is a malformed value, in one line.
- Imports follow the command: a command module imports at its top only what its parser needs
  (argparse, this module, usage); boto3, the adapters and the local cloud load in its run functions.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from lockgate.commands.usage import NOT_FOUND, USAGE, CliError, require_template
from lockgate.local.clock import DEFAULT_SPEED

if TYPE_CHECKING:
    from lockgate.local.cloud import LocalCloud

DEFAULT_TEMPLATE = Path("template.yaml")
BROKEN_PIPE = 141  # 128 + SIGPIPE, as a C tool killed by the closed pipe reports it
ENDPOINT_HELP = "the endpoint to call (default: $AWS_ENDPOINT_URL, else AWS); `lockgate up` prints one"
REGION_HINT = "no AWS region: set AWS_REGION (or `aws configure`), or pass --endpoint-url for a local cloud"
# ClientError codes that are a negative answer (exit 1), and ValidationException wordings that are.
_NOT_FOUND_CODES = {
    "ResourceNotFoundException",
    "NoSuchKey",
    "NoSuchBucket",
    "NotFoundException",
    "NoSuchEntity",
}
_NOT_FOUND_WORDS = ("could not find", "not found", "does not exist")


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `lockgate runs: argument --limit: ...; see --help`, exit 2."""

    def error(self, message: str) -> NoReturn:
        """One line on stderr, exit 2 (argparse prints the whole usage first)."""
        self.exit(USAGE, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def bounded(low: float, high: float | None = None, kind: type = int) -> Callable[[str], Any]:
    """An argparse `type`: a number of `kind` in [low, high] (high None: no upper bound)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a{'n integer' if kind is int else ' number'}"
            ) from None
        if math.isnan(value) or value < low or (high is not None and value > high):  # NaN, or out of range
            top = f"..{high:g}" if high is not None else " or more"
            raise argparse.ArgumentTypeError(f"{text} is out of range: use {low:g}{top}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def add_endpoint_option(parser: argparse.ArgumentParser) -> None:
    """--endpoint-url (see the module docstring for how it is resolved)."""
    parser.add_argument("--endpoint-url", default=None, metavar="URL", help=ENDPOINT_HELP)


def add_cloud_options(parser: argparse.ArgumentParser) -> None:
    """--template, --clock-speed, --parameter-overrides and --no-iam."""
    parser.add_argument(
        "--template", type=Path, default=DEFAULT_TEMPLATE, help="SAM template (template.yaml)"
    )
    parser.add_argument(
        "--clock-speed",
        type=bounded(0.001, None, float),
        default=DEFAULT_SPEED,
        help=f"how much faster Wait and Retry run than real time (default {DEFAULT_SPEED:g}; 1 = real)",
    )
    parser.add_argument(
        "--parameter-overrides", nargs="*", default=[], metavar="KEY=VALUE", help="template parameters"
    )
    parser.add_argument(
        "--no-iam",
        dest="iam",
        action="store_false",
        help="do not enforce each function's role (debugging only: AWS would deny what this allows)",
    )


def local_cloud(
    args: argparse.Namespace,
    log_sink: Callable[[str, str], None],
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    warn: Callable[[str], None] | None = None,
    lean: frozenset[str] | None = None,
) -> LocalCloud:
    """The local cloud the common options (--template, --clock-speed, --parameter-overrides) ask for;
    its warnings go to `warn` (default: stderr, as stdout is for results); `lean`: LocalCloud.lean."""
    from lockgate.local.clock import LocalClock
    from lockgate.local.cloud import LocalCloud

    return LocalCloud(
        args.template,
        clock=LocalClock(args.clock_speed),
        parameter_overrides=parameter_overrides(args.parameter_overrides),
        log_sink=log_sink,
        warn=warn or (lambda message: print(message, file=sys.stderr, flush=True)),
        port=port,
        host=host,
        iam=getattr(args, "iam", True),
        lean=lean,
    )


def parameter_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """KEY=VALUE strings to a dict; a malformed pair is a usage error."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"lockgate: --parameter-overrides takes KEY=VALUE, got {pair!r}")
        result[key] = value
    return result


def endpoint_url(given: str | None) -> str | None:
    """--endpoint-url, else $AWS_ENDPOINT_URL, else None (AWS); CliError for a value that is no URL."""
    source, value = (
        ("--endpoint-url", given) if given else ("AWS_ENDPOINT_URL", os.environ.get("AWS_ENDPOINT_URL"))
    )
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(
            f"{source} {value!r} is not a URL: use http://HOST:PORT, e.g. the one `lockgate up` printed"
        )
    return value


def aws_client(service: str, endpoint_url: str | None) -> Any:
    """A boto3 client: for the endpoint at `endpoint_url` when given (the local cloud's region and
    credentials), else AWS's default chain (CliError with the hint when it names no region)."""
    if endpoint_url:
        from lockgate.local.endpoint_client import client_for

        return client_for(service, endpoint_url)
    import boto3
    from botocore.exceptions import NoRegionError

    try:
        return boto3.client(service)  # type: ignore[call-overload]
    except NoRegionError:
        raise CliError(REGION_HINT) from None


def run_command(args: argparse.Namespace) -> int:
    """The one dispatcher: import the command's run function (lockgate.commands.COMMANDS) and run it
    under the convention. The demo and tests call it in-process with a Namespace."""
    from lockgate.commands import COMMANDS

    module, _, name = COMMANDS[args.command].partition(":")
    function = getattr(importlib.import_module(f"lockgate.commands.{module}"), name)
    return run_guarded(args, function)


def run_guarded(args: argparse.Namespace, function: Callable[[argparse.Namespace], int | None]) -> int:
    """Run one command: its exit status, or one line on stderr and 2 (1 for a negative answer)."""
    try:
        if isinstance(getattr(args, "template", None), Path):
            require_template(args.template)
        if hasattr(args, "endpoint_url"):
            args.endpoint_url = endpoint_url(args.endpoint_url)
        return function(args) or 0
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # only what the convention names is translated; the rest re-raised
        translated = _one_line(error, getattr(args, "endpoint_url", None))
        if translated is None:
            raise
        message, code = translated
        flat = " ".join(message.split())
        print(f"lockgate {args.command}: {flat[:500]}", file=sys.stderr, flush=True)
        return code


def _one_line(error: Exception, url: str | None) -> tuple[str, int] | None:
    """The message and exit status of an error the convention covers; None for a bug."""
    from lockgate.errors import LockgateError

    if isinstance(error, CliError):
        return str(error), error.exit_code
    if isinstance(error, LockgateError):
        cause = error.__cause__  # an adapter's TransientError over an unreachable endpoint: say that
        if isinstance(cause, Exception) and type(cause).__module__.startswith("botocore"):
            return _one_line(cause, url)
        return f"{type(error).__name__}: {error}", USAGE
    if "botocore" not in sys.modules:  # no AWS call was made, so the error is not one of them
        return None
    from botocore import exceptions as aws

    if isinstance(error, aws.ClientError):
        detail = error.response.get("Error", {})
        code, text = str(detail.get("Code", "")), str(detail.get("Message", "")).strip()
        where = f" at {url}" if url else ""
        first = text.splitlines()[0] if text else str(error)
        return f"{code}: {first}{where}", NOT_FOUND if is_missing(error) else USAGE
    connection = (
        aws.EndpointConnectionError,
        aws.ConnectionClosedError,
        aws.ReadTimeoutError,
        aws.ConnectTimeoutError,
    )
    if isinstance(error, connection):
        return (
            f"cannot reach {url or 'AWS'}: start the local cloud with `lockgate up` and pass the endpoint "
            "it prints as --endpoint-url (or export AWS_ENDPOINT_URL); check --endpoint-url",
            USAGE,
        )
    if isinstance(error, aws.NoRegionError):
        return REGION_HINT, USAGE
    if isinstance(error, aws.NoCredentialsError):
        return "no AWS credentials: run `aws configure` (or export the ones `lockgate up` prints)", USAGE
    if isinstance(error, aws.BotoCoreError):
        return f"{error}; check --endpoint-url and the AWS settings", USAGE
    return None


def is_missing(error: Any) -> bool:
    """A botocore ClientError that says what was asked for does not exist (a negative answer)."""
    detail = error.response.get("Error", {})
    text = str(detail.get("Message", "")).lower()
    return str(detail.get("Code", "")) in _NOT_FOUND_CODES or any(w in text for w in _NOT_FOUND_WORDS)


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's last flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a captured stdout (tests) has no descriptor
        pass

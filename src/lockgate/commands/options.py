"""Options several subcommands share, and the local cloud they ask for. Subcommands import from
here, never from lockgate.cli (which imports them)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lockgate.local.clock import DEFAULT_SPEED

if TYPE_CHECKING:
    from lockgate.local.cloud import LocalCloud

DEFAULT_TEMPLATE = Path("template.yaml")


def add_cloud_options(parser: argparse.ArgumentParser) -> None:
    """--template, --clock-speed, --parameter-overrides and --no-iam."""
    parser.add_argument(
        "--template", type=Path, default=DEFAULT_TEMPLATE, help="SAM template (template.yaml)"
    )
    parser.add_argument(
        "--clock-speed",
        type=float,
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
    args: argparse.Namespace, log_sink: Callable[[str, str], None], port: int = 0, host: str = "127.0.0.1"
) -> LocalCloud:
    """The local cloud the common options (--template, --clock-speed, --parameter-overrides) ask for."""
    from lockgate.local.clock import LocalClock
    from lockgate.local.cloud import LocalCloud

    return LocalCloud(
        args.template,
        clock=LocalClock(args.clock_speed),
        parameter_overrides=parameter_overrides(args.parameter_overrides),
        log_sink=log_sink,
        warn=lambda message: print(message, file=sys.stderr, flush=True),  # stdout is for results
        port=port,
        host=host,
        iam=getattr(args, "iam", True),
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


def aws_client(service: str, endpoint_url: str | None) -> Any:
    """A boto3 client: for the local cloud at `endpoint_url` when given, else AWS's default chain."""
    if endpoint_url:
        from lockgate.local.endpoint_client import client_for

        return client_for(service, endpoint_url)
    import boto3

    return boto3.client(service)  # type: ignore[call-overload]

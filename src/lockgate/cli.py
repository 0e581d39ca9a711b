"""`lockgate`: the offline cloud, the Docker-free `sam local invoke`, runs, and the bias check."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from lockgate.commands import COMMANDS, PARSERS
from lockgate.commands.options import DEFAULT_TEMPLATE, Parser, bounded, parameter_overrides, run_command
from lockgate.commands.options import add_cloud_options as _common

__all__ = ["COMMANDS", "build_parser", "main", "parameter_overrides"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand (light: no command's run path is imported)."""
    parser = Parser(prog="lockgate", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    up = sub.add_parser("up", help="start the local cloud and keep it serving (Ctrl-C stops it)")
    _common(up)
    up.add_argument("--port", type=bounded(0, 65535), default=0, help="endpoint port (default: a free one)")
    up.add_argument(
        "--host",
        choices=["127.0.0.1", "0.0.0.0"],
        default="127.0.0.1",
        help="bind address; 0.0.0.0 lets containers (sam local invoke) reach the endpoint",
    )
    up.add_argument("--seed", action="store_true", help="put the objects the events/ files name")
    up.add_argument(
        "--env-vars",
        type=Path,
        metavar="FILE",
        help="write a `sam local invoke --env-vars` file: each function's environment as deployed here, "
        "AWS_ENDPOINT_URL at host.docker.internal",
    )
    up.add_argument(
        "--log",
        type=Path,
        default=Path(".lockgate/up.log"),
        metavar="FILE",
        help="where the functions' logs and the offline warnings go (default .lockgate/up.log)",
    )
    up.add_argument("-v", "--verbose", action="store_true", help="also show the log live on stderr")
    invoke = sub.add_parser("invoke", help="run one function with an event file, like `sam local invoke`")
    _common(invoke)
    invoke.add_argument("function", help="the function's logical id in the template, e.g. StarterFunction")
    invoke.add_argument("--event", "-e", type=Path, help="event JSON file (default: {})")
    invoke.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="a running `lockgate up` (--seed for the events/ files; also $AWS_ENDPOINT_URL): run the "
        "handler here against it, with its environment as deployed there, instead of deploying a fresh cloud",
    )
    invoke.add_argument(
        "--whole-cloud",
        action="store_true",
        help="without --endpoint-url: deploy the whole template, not only the resources the function's "
        "environment names (slower; for a handler that reaches a resource its environment does not name)",
    )
    demo = sub.add_parser("demo", help="the full offline demo")
    _common(demo)
    demo.add_argument(
        "--rows", type=bounded(100, 1_000_000), default=5000, help="rows in the sample dataset (100..1000000)"
    )
    demo.add_argument("--logs", action="store_true", help="print every function's logs, prefixed with it")
    demo.add_argument(
        "--output", type=Path, default=Path("demo-output"), help="where the reports are saved (demo-output/)"
    )
    demo.add_argument(
        "--console", action="store_true", help="keep the cloud up with the review console after the demo"
    )
    translate = sub.add_parser("translate", help="print the CloudFormation SAM makes of the template")
    translate.add_argument(
        "--template", type=Path, default=DEFAULT_TEMPLATE, help="SAM template (template.yaml)"
    )
    for module in PARSERS:
        importlib.import_module(f"lockgate.commands.{module}").add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `lockgate` command: parse, then the one dispatcher (options.run_command)."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    return run_command(args)


if __name__ == "__main__":
    raise SystemExit(main())

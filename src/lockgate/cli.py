"""`lockgate`: the offline cloud, the Docker-free `sam local invoke`, runs, and the bias check."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from lockgate.commands import alarms as alarm_commands
from lockgate.commands.bias import add_bias_arguments
from lockgate.commands.options import DEFAULT_TEMPLATE, parameter_overrides
from lockgate.commands.options import add_cloud_options as _common
from lockgate.commands.usage import CliError, require_template

__all__ = ["build_parser", "main", "parameter_overrides"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="lockgate", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the local cloud and keep it serving (Ctrl-C stops it)")
    _common(up)
    up.add_argument("--port", type=int, default=0, help="endpoint port (default: a free one)")
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
    invoke = sub.add_parser("invoke", help="run one function with an event file, like `sam local invoke`")
    _common(invoke)
    invoke.add_argument("function", help="the function's logical id in the template, e.g. StarterFunction")
    invoke.add_argument("--event", "-e", type=Path, help="event JSON file (default: {})")
    invoke.add_argument(
        "--endpoint-url",
        help="a running `lockgate up` (--seed for the events/ files): run the handler here against it, "
        "with its environment as deployed there, instead of deploying a fresh cloud (seconds, not 20)",
    )
    runs = sub.add_parser("runs", help="executions so far, with the states each went through")
    runs.add_argument("--endpoint-url", required=True, help="the endpoint `lockgate up` printed")
    runs.add_argument("--limit", type=int, default=20, help="runs shown per state machine (newest first)")
    runs.add_argument(
        "--status", choices=["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"], help="only these runs"
    )
    runs.add_argument("--dataset", help="only runs of this dataset")
    lineage = sub.add_parser("lineage", help="what a dataset or model package came from and led to")
    lineage.add_argument("node", help="a dataset name, a model package ARN, or <kind>#<id>")
    lineage.add_argument("--endpoint-url", required=True, help="the endpoint `lockgate up` printed")
    lineage.add_argument("--table", help="the lineage table (default: the stack's LineageTable)")
    demo = sub.add_parser("demo", help="the full offline demo")
    _common(demo)
    demo.add_argument("--rows", type=int, default=5000, help="rows in the generated sample dataset")
    demo.add_argument("--logs", action="store_true", help="print every function's logs, prefixed with it")
    demo.add_argument(
        "--output", type=Path, default=Path("demo-output"), help="where the reports are saved (demo-output/)"
    )
    translate = sub.add_parser("translate", help="print the CloudFormation SAM makes of the template")
    translate.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    bias = sub.add_parser(
        "bias",
        help="Clarify-compatible bias metrics from files",
        description="Clarify-compatible bias check. "
        "Exit status: 0 pass, 1 fail, 2 usage error, 3 needs-human, 4 invalid config or input.",
    )
    add_bias_arguments(bias)
    alarm_commands.add_parsers(sub)
    from lockgate.commands.deploy_cli import add_parsers as add_deploy_parsers

    add_deploy_parsers(sub)  # approve, reject, predict, endpoints, fault
    from lockgate.commands.retrain import add_parser as add_retrain_parser

    add_retrain_parser(sub)
    from lockgate.commands.ab_cli import add_parsers as add_ab_parsers

    add_ab_parsers(sub)  # deploy --variants, promote, variants (A/B)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `lockgate` command."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if isinstance(getattr(args, "template", None), Path):
            require_template(args.template)
        return _dispatch(args)
    except CliError as error:
        print(f"lockgate {args.command}: {error}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "up":
        from lockgate.commands.up import run_up

        return run_up(args)
    if args.command == "invoke":
        from lockgate.commands.invoke import run_invoke

        return run_invoke(args)
    if args.command == "runs":
        from lockgate.commands.runs import run_runs

        return run_runs(args)
    if args.command == "lineage":
        from lockgate.commands.lineage import run_lineage

        return run_lineage(args)
    if args.command in ("alarm", "actions", "monitor"):
        return alarm_commands.run(args)
    if args.command in ("approve", "reject", "predict", "endpoints", "fault"):
        from lockgate.commands.deploy_cli import run as run_deploy_command

        return run_deploy_command(args)
    if args.command == "retrain":
        from lockgate.commands.retrain import run_retrain

        return run_retrain(args)
    if args.command in ("deploy", "promote", "variants"):
        from lockgate.commands.ab_cli import run as run_ab_command

        return run_ab_command(args)
    if args.command == "bias":
        from lockgate.commands.bias import run_bias

        return run_bias(args)
    if args.command == "translate":
        from lockgate.commands.translate import run_translate

        return run_translate(args)
    from lockgate.commands.demo import run_demo

    return run_demo(args)


if __name__ == "__main__":
    raise SystemExit(main())

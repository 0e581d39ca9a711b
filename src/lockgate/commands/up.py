"""`lockgate up`: the local cloud, serving until Ctrl-C.

Quiet by default: the URL, the export lines, how to make a first upload (the contract first) and
one line per finished run. Everything else (the stack's outputs, the functions' logs, the offline
warnings, library warnings) goes to `--log FILE` (default .lockgate/up.log); `-v` also shows it live.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lockgate.commands.console import LogFile, say
from lockgate.commands.options import local_cloud

if TYPE_CHECKING:
    from lockgate.local.cloud import LocalCloud

# Docker Desktop resolves it; on Linux: `sam local invoke --add-host host.docker.internal:<docker0 address>`.
CONTAINER_HOST = "host.docker.internal"
RUN_POLL_SECONDS = 1.0
STOP_REPORT_SECONDS = 60
_ENDED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def run_up(args: argparse.Namespace) -> int:
    """Deploy the template into a local endpoint and print how to reach it."""
    from lockgate.local.fixtures import seed_fixtures

    log = LogFile(args.log, echo=args.verbose)
    handler = log.logging_handler()
    logging.getLogger().addHandler(handler)  # library warnings: the log, not the terminal
    # Ctrl-C and SIGTERM only ask to stop: the cloud stops from here, whatever it was doing (a
    # KeyboardInterrupt raised inside a starting cloud's thread joins could leave it half-made)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():  # in-process callers keep theirs
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    cloud = local_cloud(args, log.function_line, port=args.port, host=args.host, warn=log.line)
    try:
        stack = cloud.start()
        if args.seed:
            seed_fixtures(cloud)
        if args.env_vars:
            write_sam_env_vars(cloud, args.env_vars)
        for name, value in sorted(stack.outputs.items()):
            log.line(f"output {name:<28} {value}")
        say(f"Lockgate local cloud: {cloud.url}  (started in {cloud.startup_seconds:.2f} s; log {args.log})")
        say("For the AWS CLI and boto3:")
        for name, value in cloud.environment().items():
            say(f"  export {name}={value}")
        bucket = stack.outputs.get("DataBucketName", "<data bucket>")
        say(f"Try: aws s3 cp contracts/credit.yaml s3://{bucket}/contracts/credit.yaml")
        say(f"     aws s3 cp data.csv s3://{bucket}/raw/credit/data.csv")
        say("     lockgate runs   (a line appears here as each run ends; Ctrl-C stops the cloud)")
        watcher = threading.Thread(target=_watch_runs, args=(cloud, stop, log), daemon=True)
        watcher.start()
        stop.wait()
    finally:
        stop.set()
        say("stopping the local cloud")
        log.line("stopping the local cloud")
        # a stop that hangs says where, in the log (every thread's stack after a minute)
        faulthandler.dump_traceback_later(STOP_REPORT_SECONDS, file=log.stream)
        cloud.stop()
        faulthandler.cancel_dump_traceback_later()
        log.line("stopped")
        logging.getLogger().removeHandler(handler)
        log.close()
    return 0


def _watch_runs(cloud: LocalCloud, stop: threading.Event, log: LogFile) -> None:
    """Print one line per run that ends (any state machine), until `stop`."""
    seen: set[str] = set()
    sfn = cloud.client("stepfunctions")
    while not stop.wait(RUN_POLL_SECONDS):
        try:
            for machine in sfn.list_state_machines()["stateMachines"]:
                for page in sfn.get_paginator("list_executions").paginate(
                    stateMachineArn=machine["stateMachineArn"]
                ):
                    for execution in page["executions"]:
                        if execution["status"] in _ENDED and execution["executionArn"] not in seen:
                            seen.add(execution["executionArn"])
                            say(finished_run_line(sfn, machine["name"], execution))
        except Exception as error:  # stopping, or a transient endpoint error: the log says
            log.line(f"run watcher: {type(error).__name__}: {error}")


def finished_run_line(sfn: Any, machine: str, execution: dict[str, Any]) -> str:
    """`run SUCCEEDED   2.31 s  <name>  (<state machine>)`, with the error of a run that failed."""
    took = (
        (execution["stopDate"] - execution["startDate"]).total_seconds() if execution.get("stopDate") else 0
    )
    line = f"run {execution['status']:<9} {took:7.2f} s  {execution['name']}  ({machine})"
    if execution["status"] != "SUCCEEDED":
        error = sfn.describe_execution(executionArn=execution["executionArn"]).get("error")
        line += f"  error {error}" if error else ""
    return line


def write_sam_env_vars(cloud: LocalCloud, path: Path) -> None:
    """A `sam local invoke --env-vars` file: every function's environment as deployed into this cloud
    (resource names, ARNs) plus AWS_ENDPOINT_URL pointing a container at this endpoint.

    SAM only overrides variables the template declares: AWS_ENDPOINT_URL must be declared in the
    template that `sam local invoke` reads (tools/sam_local/compare.py adds it to a copy)."""
    assert cloud.stack is not None
    endpoint = f"http://{CONTAINER_HOST}:{cloud.port}"
    variables = {
        logical_id: {**function.environment, "AWS_ENDPOINT_URL": endpoint}
        for logical_id, function in sorted(cloud.stack.functions.items())
    }
    path.write_text(json.dumps(variables, indent=2) + "\n")

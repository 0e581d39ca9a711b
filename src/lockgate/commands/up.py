"""`lockgate up`: the local cloud, serving until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path

from lockgate.commands.console import function_log_sink, say
from lockgate.commands.options import local_cloud
from lockgate.local.cloud import LocalCloud
from lockgate.local.fixtures import seed_fixtures

# Docker Desktop resolves it; on Linux: `sam local invoke --add-host host.docker.internal:<docker0 address>`.
CONTAINER_HOST = "host.docker.internal"


def run_up(args: argparse.Namespace) -> int:
    """Deploy the template into a local endpoint and print how to reach it."""
    cloud = local_cloud(args, function_log_sink, port=args.port, host=args.host)
    stack = cloud.start()
    if args.seed:
        seed_fixtures(cloud)
    if args.env_vars:
        write_sam_env_vars(cloud, args.env_vars)
    say(f"Lockgate local cloud: {cloud.url}  (started in {cloud.startup_seconds:.2f} s)")
    for name, value in sorted(stack.outputs.items()):
        say(f"  {name:<28} {value}")
    say("For the AWS CLI and boto3:")
    for name, value in cloud.environment().items():
        say(f"  export {name}={value}")
    bucket = stack.outputs.get("DataBucketName", "<data bucket>")
    say(f"Try: aws s3 cp data.csv s3://{bucket}/raw/credit/data.csv")
    say(f"     lockgate runs --endpoint-url {cloud.url}")
    say("Ctrl-C stops it.")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        say("stopping the local cloud")
        cloud.stop()
    return 0


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

"""`lockgate up`: the local cloud, serving until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading

from lockgate.commands.console import function_log_sink, say
from lockgate.commands.options import local_cloud


def run_up(args: argparse.Namespace) -> int:
    """Deploy the template into a local endpoint and print how to reach it."""
    cloud = local_cloud(args, function_log_sink, port=args.port)
    stack = cloud.start()
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

"""`lockgate demo`: the whole offline pipeline, end to end, in one command."""

from __future__ import annotations

import argparse
import time

from lockgate.cli import parameter_overrides
from lockgate.commands.console import quiet_log_sink, render_visits, say
from lockgate.local.clock import LocalClock
from lockgate.local.cloud import LocalCloud
from lockgate.local.executions import wait_for_executions
from lockgate.local.fixtures import data_bucket, sample_csv, upload_contracts
from lockgate.pipeline.run_history import state_visits


def run_demo(args: argparse.Namespace) -> int:
    """Start the local cloud, upload a generated dataset, follow the run; exit 0 when it succeeds."""
    began = time.perf_counter()
    cloud = LocalCloud(
        args.template,
        clock=LocalClock(args.clock_speed),
        parameter_overrides=parameter_overrides(args.parameter_overrides),
        log_sink=quiet_log_sink,
    )
    with cloud:
        assert cloud.stack is not None
        say(f"local cloud up at {cloud.url} in {cloud.startup_seconds:.2f} s")
        upload_contracts(cloud)
        bucket, key = data_bucket(cloud), "raw/credit/applications 2026-11.csv"
        cloud.client("s3").put_object(Bucket=bucket, Key=key, Body=sample_csv(args.rows))
        say(f"uploaded s3://{bucket}/{key} ({args.rows} rows)")
        sfn = cloud.client("stepfunctions")
        ingest_arn = cloud.stack.outputs["IngestStateMachineArn"]
        (execution,) = wait_for_executions(sfn, ingest_arn, count=1, timeout=300)
        history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
        say(f"ingest {execution['status']}: {execution['name']}")
        for line in render_visits(state_visits(history["events"])):
            say(line)
        ok = execution["status"] == "SUCCEEDED"
    say(f"demo {'succeeded' if ok else 'FAILED'} in {time.perf_counter() - began:.2f} s")
    return 0 if ok else 1

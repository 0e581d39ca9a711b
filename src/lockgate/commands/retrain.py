"""`lockgate retrain <dataset> [--version V]`: train a dataset version again on purpose.

A version trains once per DatasetVersionCreated (the train run's idempotency claim). This starts
the train state machine with an execution named `retrain-<dataset>-manual-<UTC time>`, as the
drift reaction does with `retrain-<dataset>-<episode>`: PlanTraining gives such a run its own claim,
job names and model prefix (lockgate.pipeline.train_plan), so nobody deletes claim items by hand.
Against a running `lockgate up` or AWS (any endpoint URL boto3 accepts).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from lockgate.commands.options import add_endpoint_option
from lockgate.commands.usage import CliError, not_found


def add_parsers(sub: Any) -> None:
    """`lockgate retrain`."""
    retrain = sub.add_parser("retrain", help="train a dataset version again on purpose (default: the latest)")
    retrain.add_argument("dataset", help="dataset name, e.g. credit")
    retrain.add_argument("--version", help="dataset version id (default: the latest version)")
    add_endpoint_option(retrain)
    retrain.add_argument("--environment", default="dev", help="template Environment (default dev)")


def run_retrain(args: argparse.Namespace, now: datetime | None = None) -> int:
    """Start one deliberate retrain; print its execution and how to follow it."""
    return _retrain(args, now or datetime.now(UTC))


def _retrain(args: argparse.Namespace, now: datetime) -> int:
    from lockgate.adapters.pipelines import S3Datasets, TrainPipeline
    from lockgate.commands.console import say
    from lockgate.commands.options import aws_client
    from lockgate.names import data_bucket_prefix, retrain_name, state_machine_name

    sfn, s3 = aws_client("stepfunctions", args.endpoint_url), aws_client("s3", args.endpoint_url)
    machine_name = state_machine_name("train", args.environment)
    machines = [m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == machine_name]
    if not machines:
        raise CliError(f"no state machine {machine_name}; is --environment right?")
    prefix = data_bucket_prefix(args.environment)
    bucket = next((b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(prefix)), None)
    if bucket is None:
        raise CliError(f"no data bucket {prefix}*; is --environment right?")
    datasets = S3Datasets(bucket, s3)
    version = (
        datasets.version(args.dataset, args.version)
        if args.version
        else datasets.latest_version(args.dataset)
    )
    if version is None:
        wanted = f"version {args.version} of {args.dataset}" if args.version else f"dataset {args.dataset}"
        raise not_found(
            f"no {wanted} in s3://{bucket}/datasets/; upload data under raw/{args.dataset}/ first"
        )
    name = retrain_name(version.dataset, f"manual-{now.strftime('%Y%m%dT%H%M%SZ')}")
    arn, started = TrainPipeline(machines[0]["stateMachineArn"], bucket, sfn).start_train(name, version)
    if not started:
        raise CliError(f"{name} was already started ({arn}); wait a second and run it again")
    say(f"retraining {version.dataset} version {version.dataset_version[:12]}: {arn}")
    url = f" --endpoint-url {args.endpoint_url}" if args.endpoint_url else ""
    say(f"follow it: lockgate runs{url} --dataset {version.dataset}")
    return 0

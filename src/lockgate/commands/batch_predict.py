"""`lockgate batch-predict <dataset> s3://bucket/new-data.csv [--package ARN] [--direct]`: score a
file of new raw records with a registered model, through the model's own encoder.

By default it starts the stack's batch-predict state machine (`lockgate-batch-predict-<env>`:
PrepareBatch -> CreateModel + CreateTransformJob.sync -> FinishBatch) and waits for it, so the job
runs with the stack's least-privilege roles and is listed by `lockgate runs` like every other run;
`--direct` runs the same steps (`lockgate.serving.batch_job`) from this process with the caller's
own rights, for an input outside the data bucket or a stack without the state machine.

Writes beside the input: `<input>.scores.csv` (the contract's key columns, or the row number, and
the score of each good row, in input order) and `<input>.bad-rows.json` (every refused row named
by row and column, with the counts); bad rows are never scored. Default package: the dataset's
newest Approved one. Errors are one line, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from lockgate.commands.console import say
from lockgate.commands.options import add_endpoint_option, aws_client, bounded
from lockgate.commands.usage import CliError

HELP = """Score a CSV of new raw records (the contract's columns, header line optional) with a
registered model, through the model's own encoder: a batch transform of the package's inference
pipeline, on AWS or the local cloud. Runs the stack's batch-predict state machine
(lockgate-batch-predict-<environment>; the input must be in the data bucket) and waits for it;
--direct runs the same steps from here with your own rights (any bucket you can read and write).

Writes beside the input: <input>.scores.csv (the contract's key columns, or the row number, and the
score of each good row, in input order) and <input>.bad-rows.json (every refused row named by row
and column, with the counts); bad rows are never scored. Default package: the dataset's newest
Approved one.

examples:
  lockgate batch-predict credit s3://<data bucket>/incoming/new-data.csv --endpoint-url URL
  lockgate batch-predict credit s3://my-bucket/new.csv --package ARN --direct
"""


def add_parsers(sub: Any) -> None:
    """`batch-predict` (cli.py calls this once)."""
    parser = sub.add_parser(
        "batch-predict",
        help="score a CSV of new raw records in S3 with a registered model (batch transform)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dataset", help="the dataset whose model scores the records, e.g. credit")
    parser.add_argument("input", help="s3://bucket/key of a CSV of raw records (header line optional)")
    parser.add_argument("--package", default=None, help="model package ARN (default: newest Approved)")
    parser.add_argument("--environment", default="dev", help="the stack's Environment (default dev)")
    parser.add_argument(
        "--instance-type", default="ml.m5.large", help="the transform's instance type (default ml.m5.large)"
    )
    parser.add_argument(
        "--timeout",
        type=bounded(1, 86400, float),
        default=3600.0,
        help="seconds to wait for the run (or the transform), 1..86400 (default 3600)",
    )
    parser.add_argument(
        "--direct",
        action="store_true",
        help="run the steps from this process instead of the state machine (your own rights)",
    )
    add_endpoint_option(parser)


def run(args: argparse.Namespace) -> int:
    """Check, transform, join, report (errors: one line, by the CLI convention)."""
    from lockgate.errors import InputRejected
    from lockgate.messages.batch import BatchPredictRequest

    try:
        request = BatchPredictRequest(
            dataset=args.dataset, input=args.input, package=args.package, instance_type=args.instance_type
        )
    except ValueError:
        raise CliError(
            f"{args.input}: give the input as s3://bucket/key (and --package as a model package ARN)"
        ) from None
    try:
        result = _direct(args, request) if args.direct else _state_machine(args, request)
    except InputRejected as error:
        raise CliError(str(error)) from None
    say(f"{result.input}: {result.rows} rows, {result.scored} scored, {result.bad} bad")
    say(f"package: {result.package}")
    say(f"scores: {result.scores or '(none)'}")
    say(f"bad rows: {result.report} ({result.bad})")
    return 0


def _state_machine(args: argparse.Namespace, request: Any) -> Any:
    """Start lockgate-batch-predict-<env> and wait for its result."""
    from lockgate.messages.batch import BatchPredictResult
    from lockgate.names import state_machine_name

    sfn = aws_client("stepfunctions", args.endpoint_url)
    machine = state_machine_name("batch-predict", args.environment)
    arns = [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == machine]
    if not arns:
        raise CliError(f"no state machine {machine}; is --environment right? (--direct runs without it)")
    name = f"batch-{args.dataset}-{int(time.time() * 1000)}"[:80]
    payload = request.model_dump(mode="json", by_alias=True, exclude_none=True)
    execution = sfn.start_execution(stateMachineArn=arns[0], name=name, input=json.dumps(payload))[
        "executionArn"
    ]
    say(f"batch predict run {execution}")
    deadline = time.monotonic() + args.timeout
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        if time.monotonic() > deadline:
            raise CliError(f"{execution} still runs after {args.timeout:g} s; follow it with lockgate runs")
        time.sleep(0.5)
    if described["status"] != "SUCCEEDED":
        raise CliError(f"{execution} ended {described['status']}: {_cause(described)}")
    return BatchPredictResult.model_validate_json(described["output"])


def _cause(described: dict[str, Any]) -> str:
    """The failed run's reason in one line (a Lambda error's message, SageMaker's FailureReason)."""
    error, cause = str(described.get("error", "")), str(described.get("cause", ""))
    try:
        parsed = json.loads(cause)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        cause = str(parsed.get("errorMessage") or parsed.get("FailureReason") or cause)
    return " ".join(f"{error}: {cause}".split()) if cause else error or "no reason given"


def _direct(args: argparse.Namespace, request: Any) -> Any:
    """The state machine's steps from this process (the caller's own rights)."""
    from lockgate.adapters.s3 import S3Store
    from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
    from lockgate.adapters.sagemaker_jobs import SageMakerJobs
    from lockgate.adapters.sagemaker_registry import ModelRegistry
    from lockgate.messages.package import PackageMetadata
    from lockgate.serving import batch_job

    sagemaker = aws_client("sagemaker", args.endpoint_url)
    store = S3Store(aws_client("s3", args.endpoint_url))
    registry = ModelRegistry(sagemaker)
    plan = batch_job.prepare(store, registry, request, args.environment, int(time.time()))
    say(f"{plan.input}: {plan.rows} rows, {plan.scored} to score, {plan.bad} bad")
    if plan.scored:
        package = registry.package(plan.package)
        jobs, endpoints = SageMakerJobs(sagemaker, sleep=time.sleep), SageMakerEndpoints(sagemaker)
        role = endpoints.model_role(
            jobs.transform_model(PackageMetadata.from_properties(package.metadata).transform_job)
        )
        endpoints.ensure_model(plan.job, package, role, {"lockgate:managed": "true"})
        work = plan.transform.TransformOutput["S3OutputPath"].removesuffix("output")
        jobs.start_transform(plan.job, plan.job, f"{work}input/", f"{work}output", request.instance_type)
        say(f"transform job {plan.job} (package {plan.package})")
        ended = jobs.wait_transform(plan.job, args.timeout)
        if ended.status != "Completed":
            raise CliError(
                f"transform job {plan.job} ended {ended.status}: {ended.failure_reason or 'no reason given'}"
            )
    return batch_job.finish(store, plan)

"""`lockgate batch-predict <dataset> s3://bucket/new-data.csv [--package ARN]`: score a file of new
raw records with a registered model, through the model's own encoder (a batch transform of the
package's inference pipeline, on AWS or the local cloud).

Writes beside the input: `<input>.scores.csv` (the contract's key columns, or the row number, and
the score of each good row, in input order) and `<input>.bad-rows.json` (every refused row named
by row and column, with the counts); bad rows are never scored. Default package: the dataset's
newest Approved one. Errors are one line, exit status 2.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from typing import Any

from lockgate.commands.console import say
from lockgate.commands.options import add_endpoint_option, aws_client, bounded
from lockgate.commands.usage import CliError

HELP = """Score a CSV of new raw records (the contract's columns, header line optional) with a
registered model, through the model's own encoder: a batch transform of the package's inference
pipeline, on AWS or the local cloud.

Writes beside the input: <input>.scores.csv (the contract's key columns, or the row number, and the
score of each good row, in input order) and <input>.bad-rows.json (every refused row named by row
and column, with the counts); bad rows are never scored. Default package: the dataset's newest
Approved one.

example:
  lockgate batch-predict credit s3://<data bucket>/incoming/new-data.csv --endpoint-url URL
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
        help="seconds to wait for the transform, 1..86400 (default 3600)",
    )
    add_endpoint_option(parser)


def run(args: argparse.Namespace) -> int:
    """Check, transform, join, report (errors: one line, by the CLI convention)."""
    _run(args)
    return 0


def _run(args: argparse.Namespace) -> None:
    from lockgate.adapters.s3 import S3Store
    from lockgate.adapters.sagemaker_deploy import SageMakerDeploy
    from lockgate.adapters.sagemaker_transform import SageMakerTransform
    from lockgate.messages.package import PackageMetadata
    from lockgate.serving import batch
    from lockgate.serving.encoder import EncoderError

    if not args.input.startswith("s3://") or "/" not in args.input[5:]:
        raise CliError(f"{args.input}: give the input as s3://bucket/key")
    bucket, key = args.input[5:].split("/", 1)
    sagemaker = aws_client("sagemaker", args.endpoint_url)
    store = S3Store(aws_client("s3", args.endpoint_url))
    registry = SageMakerDeploy(sagemaker, aws_client("sagemaker-runtime", args.endpoint_url))
    package, spec = _package(args, registry, store)
    try:
        checked = batch.check(_encoder(spec), store.read(bucket, key), list(spec.get("keys", [])))
    except EncoderError as error:
        raise CliError(f"{args.input}: {error.message}") from error
    digest = hashlib.sha256(f"{package.arn}{args.input}".encode()).hexdigest()[:10]
    job = f"lg-batch-{digest}-{int(time.time())}"
    # the transform's files go beside the model (models/: what the SageMaker role may read and write)
    work_bucket = package.model_data_url.removeprefix("s3://").split("/", 1)[0]
    work = f"models/{args.dataset}/batch/{job}"
    scores_uri, report_uri = f"s3://{bucket}/{key}.scores.csv", f"s3://{bucket}/{key}.bad-rows.json"
    say(f"{args.input}: {checked.rows} rows, {checked.scored} to score, {checked.rows - checked.scored} bad")
    if checked.scored:
        store.put(work_bucket, f"{work}/input/records.csv", checked.records, "text/csv")
        transforms = SageMakerTransform(sagemaker, sleep=time.sleep)
        metadata = PackageMetadata.from_properties(package.metadata)
        role = transforms.role_of_transform(metadata.transform_job)
        registry.ensure_model(
            job,
            package.image,
            package.model_data_url,
            role,
            {"lockgate:managed": "true"},
            containers=package.containers,
        )
        transforms.start(
            job,
            job,
            f"s3://{work_bucket}/{work}/input/",
            f"s3://{work_bucket}/{work}/output",
            args.instance_type,
        )
        say(f"transform job {job} (package {package.arn})")
        status, reason = transforms.wait(job, args.timeout)
        if status != "Completed":
            raise CliError(f"transform job {job} ended {status}: {reason or 'no reason given'}")
        scores = store.read(work_bucket, f"{work}/output/records.csv.out").decode()
        store.put(bucket, f"{key}.scores.csv", batch.join(checked, scores), "text/csv")
    report = batch.report(checked, args.input, package.arn, scores_uri if checked.scored else "")
    store.put(bucket, f"{key}.bad-rows.json", batch.report_json(report), "application/json")
    say(f"scores: {scores_uri if checked.scored else '(none)'}")
    say(f"bad rows: {report_uri} ({report['bad']})")


def _package(args: argparse.Namespace, registry: Any, store: Any) -> tuple[Any, dict[str, Any]]:
    """The package (--package, or the dataset's newest Approved) and its encoder's spec."""
    from lockgate.registry.package import group_name
    from lockgate.serving import artifact

    arn = args.package
    if arn is None:
        approved = registry.approved_packages(group_name(args.environment, args.dataset))
        if not approved:
            raise CliError(f"dataset {args.dataset} has no Approved model package; pass --package ARN")
        arn = approved[-1][0]
    package = registry.package(arn)
    encoders = [c for c in package.containers if (c.get("Environment") or {}).get("SAGEMAKER_PROGRAM")]
    if not encoders:
        raise CliError(f"{arn} takes numeric features only (registered before raw records); pick a newer one")
    spec, _ = artifact.read_tarball(store.read(*encoders[0]["ModelDataUrl"][5:].split("/", 1)))
    if spec.get("dataset") not in (None, args.dataset):
        raise CliError(f"{arn} is a model of dataset {spec['dataset']}, not {args.dataset}")
    return package, spec


def _encoder(spec: dict[str, Any]) -> Any:
    from lockgate.serving.encoder import Encoder

    return Encoder(spec)

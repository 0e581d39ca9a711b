"""`lockgate approve | reject | predict | endpoints | fault`: a person's side of the deploy pipeline.

Every command takes --endpoint-url (the one `lockgate up` printed; omit it for AWS). Errors are
one line saying what to do next, exit status 2, and nothing changed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lockgate.adapters.deploy_records import DeployRecords
from lockgate.commands.console import say
from lockgate.commands.options import aws_client
from lockgate.deployment.names import FAULT_TAG
from lockgate.steps.deploy import ApprovalDecision

PREDICT_HELP = """Send raw records (the dataset contract's columns) to an endpoint; the model's own
encoder turns them into the features its model was trained on.

CSV (text/csv): rows in contract order without the label, header line optional (a header may list
the columns in any order; the label and key columns may be present and are ignored):
  applicant_id,age,sex,foreign_worker,purpose,credit_amount,duration_months,savings,employment_years
  7,30,male,yes,car,1000.5,12,none,3
JSON (application/json, chosen for a .json file):
  {"instances": [{"age": 30, "sex": "male", "foreign_worker": "yes", "purpose": "car",
                  "credit_amount": 1000.5, "duration_months": 12, "savings": "none",
                  "employment_years": 3}]}
Answers: one score per line (--accept text/csv), or {"predictions": [{"score": p}, ...]}
(--accept application/json); --labels adds the predicted label (the contract's label values).

examples:
  lockgate predict lockgate-dev-credit --file new.csv --endpoint-url http://127.0.0.1:5000
  lockgate predict lockgate-dev-credit --file new.json --accept application/json --labels
"""


class CommandError(Exception):
    """One line for the person at the terminal; exit status 2."""


def add_parsers(sub: Any) -> None:
    """The five subcommands (cli.py calls this once)."""
    approve = sub.add_parser(
        "approve", help="approve a model package (registry) or its production deployment"
    )
    approve.add_argument("package", help="model package ARN")
    approve.add_argument("--reason", default="", help="why (kept with the decision)")
    reject = sub.add_parser(
        "reject", help="reject a model package: stops its deployment, or rolls a live one back"
    )
    reject.add_argument("package", help="model package ARN")
    reject.add_argument("--reason", required=True, help="why (people and the run's failure cause see it)")
    predict = sub.add_parser(
        "predict",
        help="invoke an endpoint with a file of raw records (CSV rows or JSON instances)",
        description=PREDICT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    predict.add_argument("endpoint")
    predict.add_argument("--file", type=Path, required=True, help="records: .csv (or any name) or .json")
    predict.add_argument(
        "--content-type", default=None, help="text/csv or application/json (default: from the file name)"
    )
    predict.add_argument("--accept", default="text/csv", help="text/csv (default) or application/json")
    predict.add_argument("--labels", action="store_true", help="add the predicted label to each score")
    predict.add_argument("--variant", default=None, help="TargetVariant")
    sub.add_parser("endpoints", help="endpoints, variants, weights, status and the live package")
    fault = sub.add_parser(
        "fault", help="make a variant's model fail a share of calls with a 500 (offline twin)"
    )
    fault.add_argument("endpoint")
    fault.add_argument("variant")
    fault.add_argument("--5xx-rate", dest="rate", type=float, required=True, help="0..1; 0 clears the fault")
    for parser in (approve, reject, predict, fault):
        parser.add_argument(
            "--endpoint-url", default=None, help="the endpoint `lockgate up` printed (omit for AWS)"
        )
        parser.add_argument("--table", default=None, help="lineage table (default: the one named *Lineage*)")
    sub.choices["endpoints"].add_argument("--endpoint-url", default=None)


def run(args: argparse.Namespace) -> int:
    """Dispatch one of the five commands; a CommandError is one line and exit 2."""
    commands = {
        "approve": _approve,
        "reject": _reject,
        "predict": _predict,
        "endpoints": _endpoints,
        "fault": _fault,
    }
    try:
        commands[args.command](args)
    except CommandError as error:
        say(f"lockgate {args.command}: {error}")
        return 2
    except (ClientError, BotoCoreError) as error:
        say(f"lockgate {args.command}: {error}; check --endpoint-url (is `lockgate up` running?)")
        return 2
    return 0


def _client(service: str, url: str | None) -> Any:
    return aws_client(service, url)


def _records(args: argparse.Namespace) -> DeployRecords:
    dynamodb = _client("dynamodb", args.endpoint_url)
    name = args.table or next((t for t in dynamodb.list_tables()["TableNames"] if "Lineage" in t), None)
    if name is None:
        raise CommandError("no lineage table found; pass --table <name> (the stack output LineageTableName)")
    return DeployRecords(name, dynamodb)


def _package(sagemaker: Any, arn: str) -> dict[str, Any]:
    try:
        return dict(sagemaker.describe_model_package(ModelPackageName=arn))
    except ClientError as error:
        raise CommandError(
            f"unknown model package {arn}; list them with `aws sagemaker list-model-packages`"
        ) from error


def _set_status(sagemaker: Any, package: dict[str, Any], status: str, reason: str) -> None:
    # CustomerMetadataProperties are sent back unchanged: moto 5.2.5 drops them on a status-only update.
    sagemaker.update_model_package(
        ModelPackageArn=package["ModelPackageArn"],
        ModelApprovalStatus=status,
        ApprovalDescription=reason,
        CustomerMetadataProperties=package.get("CustomerMetadataProperties", {}),
    )


def _answer(args: argparse.Namespace, approved: bool) -> bool:
    """Answer a waiting production approval; False when none waits."""
    records = _records(args)
    pending = records.approval(args.package)
    if pending is None:
        return False
    if pending.state != "waiting":
        raise CommandError(
            f"the production approval of {args.package} was already answered ({pending.state}); "
            "nothing changed"
        )
    sfn = _client("stepfunctions", args.endpoint_url)
    try:
        if approved:
            decision = ApprovalDecision(approved=True, by="lockgate approve", reason=args.reason)
            sfn.send_task_success(taskToken=pending.token, output=json.dumps(decision.to_payload()))
        else:
            sfn.send_task_failure(taskToken=pending.token, error="Rejected", cause=args.reason)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise CommandError(
            f"the approval request of {args.package} is spent ({code}: its run ended or timed out); "
            "nothing changed"
        ) from error
    records.settle_approval(args.package, "approved" if approved else "rejected")
    return True


def _approve(args: argparse.Namespace) -> None:
    sagemaker = _client("sagemaker", args.endpoint_url)
    package = _package(sagemaker, args.package)
    status = package.get("ModelApprovalStatus")
    if _answer(args, approved=True):
        say(f"approved {args.package} for production; the canary starts now")
        return
    if status != "PendingManualApproval":
        raise CommandError(
            f"{args.package} is {status} and no production approval waits for it; nothing changed"
        )
    _set_status(sagemaker, package, "Approved", args.reason or "approved")
    say(f"approved {args.package} in the registry; the deploy pipeline takes it to staging")


def _reject(args: argparse.Namespace) -> None:
    sagemaker = _client("sagemaker", args.endpoint_url)
    package = _package(sagemaker, args.package)
    status = package.get("ModelApprovalStatus")
    if _answer(args, approved=False):
        say(f"rejected the production deployment of {args.package}: {args.reason}")
        return
    if status == "Rejected":
        raise CommandError(f"{args.package} is already Rejected; nothing changed")
    _set_status(sagemaker, package, "Rejected", args.reason)
    say(f"rejected {args.package} in the registry; if it was live, the previous approved model is restored")


def _predict(args: argparse.Namespace) -> None:
    if not args.file.is_file():
        raise CommandError(f"{args.file} is not a file; pass a CSV or JSON file of records")
    content_type = args.content_type or (
        "application/json" if args.file.suffix.lower() == ".json" else "text/csv"
    )
    accept = args.accept + (";labels=true" if args.labels else "")
    runtime = _client("sagemaker-runtime", args.endpoint_url)
    extra = {"TargetVariant": args.variant} if args.variant else {}
    try:
        answer = runtime.invoke_endpoint(
            EndpointName=args.endpoint,
            ContentType=content_type,
            Accept=accept,
            Body=args.file.read_bytes(),
            **extra,
        )
    except ClientError as error:
        response = error.response
        message = response.get("OriginalMessage") or response["Error"].get("Message", error)
        raise CommandError(f"{args.file}: {message}") from error
    say(f"# variant {answer.get('InvokedProductionVariant', '?')}")
    for line in answer["Body"].read().decode().splitlines():
        say(line)


def _endpoints(args: argparse.Namespace) -> None:
    sagemaker = _client("sagemaker", args.endpoint_url)
    endpoints = sagemaker.list_endpoints(MaxResults=100)["Endpoints"]
    if not endpoints:
        say("no endpoints")
    for summary in endpoints:
        described = sagemaker.describe_endpoint(EndpointName=summary["EndpointName"])
        tags = {
            t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=described["EndpointArn"])["Tags"]
        }
        say(
            f"{described['EndpointName']:<36} {described['EndpointStatus']:<10} "
            f"config {described['EndpointConfigName']}"
        )
        for variant in described.get("ProductionVariants", []):
            say(
                f"    {variant['VariantName']:<14} weight {variant.get('CurrentWeight', '-')!s:<6} "
                f"instances {variant.get('CurrentInstanceCount', '-')}"
            )
        say(f"    live package {tags.get('lockgate:package', '-')}")
        if described.get("FailureReason"):
            say(f"    last update: {described['FailureReason']}")


def _fault(args: argparse.Namespace) -> None:
    if not 0 <= args.rate <= 1:
        raise CommandError(f"--5xx-rate must be between 0 and 1, got {args.rate}")
    sagemaker = _client("sagemaker", args.endpoint_url)
    try:
        config = sagemaker.describe_endpoint(EndpointName=args.endpoint)["EndpointConfigName"]
        variants = sagemaker.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"]
    except ClientError as error:
        raise CommandError(
            f"unknown endpoint {args.endpoint}; list them with `lockgate endpoints`"
        ) from error
    model = next((v["ModelName"] for v in variants if v["VariantName"] == args.variant), None)
    if model is None:
        raise CommandError(f"{args.endpoint} has no variant {args.variant}; see `lockgate endpoints`")
    arn = sagemaker.describe_model(ModelName=model)["ModelArn"]
    sagemaker.delete_tags(ResourceArn=arn, TagKeys=[FAULT_TAG])
    if args.rate > 0:
        sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": FAULT_TAG, "Value": str(args.rate)}])
    say(f"model {model} ({args.endpoint}/{args.variant}) now fails {args.rate:.0%} of calls with a 500")


def approve_cli(endpoint_url: str, package: str, reason: str = "", *, reject: bool = False) -> int:
    """The same path `lockgate approve|reject` takes (the demo and tests call it in-process)."""
    args = argparse.Namespace(
        command="reject" if reject else "approve",
        package=package,
        reason=reason,
        endpoint_url=endpoint_url,
        table=None,
    )
    return run(args)

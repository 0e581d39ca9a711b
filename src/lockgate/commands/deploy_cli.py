"""`lockgate approve | reject | predict | endpoints | fault`: a person's side of the deploy pipeline.

Every command follows the CLI convention (lockgate.commands.options): --endpoint-url, else
$AWS_ENDPOINT_URL, else AWS; errors are one line on stderr, exit status 2 (1: no such package or
endpoint), and nothing changed. Heavy imports (boto3, the adapters) are in the functions.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lockgate.commands.console import say
from lockgate.commands.identity import who
from lockgate.commands.options import add_endpoint_option, aws_client, bounded, is_missing, run_command
from lockgate.commands.usage import CliError, not_found

if TYPE_CHECKING:
    from lockgate.adapters.deploy_records import DeployRecords, PendingApproval
    from lockgate.adapters.sagemaker_registry import ModelRegistry
    from lockgate.sagemaker_ports import PackageInfo

CONTENT_TYPES = ("text/csv", "application/json")
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
    predict.add_argument("endpoint", help="endpoint name (see `lockgate endpoints`)")
    predict.add_argument("--file", type=Path, required=True, help="records: .csv (or any name) or .json")
    predict.add_argument(
        "--content-type",
        choices=CONTENT_TYPES,
        default=None,
        help="text/csv or application/json (default: from the file name)",
    )
    predict.add_argument(
        "--accept", choices=CONTENT_TYPES, default="text/csv", help="text/csv (default) or application/json"
    )
    predict.add_argument("--labels", action="store_true", help="add the predicted label to each score")
    predict.add_argument("--variant", default=None, help="the variant to call (TargetVariant)")
    endpoints = sub.add_parser("endpoints", help="endpoints, variants, weights, status and the live package")
    fault = sub.add_parser(
        "fault", help="make a variant's model fail a share of calls with a 500 (offline twin)"
    )
    fault.add_argument("endpoint", help="endpoint name (see `lockgate endpoints`)")
    fault.add_argument("variant", help="variant name, e.g. AllTraffic or challenger")
    fault.add_argument(
        "--5xx-rate", dest="rate", type=bounded(0, 1, float), required=True, help="0..1; 0 clears the fault"
    )
    for parser in (approve, reject, predict, fault):
        add_endpoint_option(parser)
        parser.add_argument("--table", default=None, help="lineage table (default: the one named *Lineage*)")
    add_endpoint_option(endpoints)


def _records(args: argparse.Namespace) -> DeployRecords:
    from lockgate.adapters.deploy_records import DeployRecords

    dynamodb = aws_client("dynamodb", args.endpoint_url)
    name = args.table or next((t for t in dynamodb.list_tables()["TableNames"] if "Lineage" in t), None)
    if name is None:
        raise CliError("no lineage table found; pass --table <name> (the stack output LineageTableName)")
    return DeployRecords(name, dynamodb)


def _registry(args: argparse.Namespace) -> ModelRegistry:
    from lockgate.adapters.sagemaker_registry import ModelRegistry

    return ModelRegistry(aws_client("sagemaker", args.endpoint_url))


def _package(registry: ModelRegistry, arn: str) -> PackageInfo:
    from botocore.exceptions import ClientError

    try:
        return registry.package(arn)
    except ClientError as error:
        if not is_missing(error):
            raise  # AccessDenied and the like: the convention's one line, as AWS said it
        raise not_found(
            f"no such model package {arn}; list them with `aws sagemaker list-model-packages`"
        ) from error


def _answer(args: argparse.Namespace, approved: bool) -> PendingApproval | None:
    """Answer a waiting production approval; None when none waits (or it was answered already:
    a reject then goes on to the registry, lockgate.commands.reject_live)."""
    from botocore.exceptions import ClientError

    from lockgate.messages.deploy import ApprovalDecision

    records = _records(args)
    pending = records.approval(args.package)
    if pending is None or pending.state != "waiting":
        return None
    sfn = aws_client("stepfunctions", args.endpoint_url)
    by = who(args.command)
    try:
        if approved:
            decision = ApprovalDecision(approved=True, by=by, reason=args.reason)
            sfn.send_task_success(taskToken=pending.token, output=json.dumps(decision.to_payload()))
        else:
            sfn.send_task_failure(
                taskToken=pending.token, error="Rejected", cause=f"rejected by {by}: {args.reason}"
            )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise CliError(
            f"the approval request of {args.package} is spent ({code}: its run ended or timed out); "
            "nothing changed"
        ) from error
    records.settle_approval(args.package, "approved" if approved else "rejected")
    if not approved:  # the run ends here: lineage keeps who stopped it and why
        records.link(
            f"model-package#{args.package}",
            f"deploy-run#{pending.execution}",
            outcome="rejected",
            by=by,
            reason=args.reason[:500],
        )
    return pending


def _rollout(args: argparse.Namespace, execution: str) -> str:
    """What the approved run does next: the A/B split it was asked for, else the canary."""
    described = aws_client("stepfunctions", args.endpoint_url).describe_execution(executionArn=execution)
    variants = json.loads(described.get("input") or "{}").get("variants")
    if variants:
        split = f"{variants['champion']:g}/{variants['challenger']:g}"
        return f"the A/B test starts now (champion/challenger {split})"
    return "the production rollout starts now (the canary, unless the contract names A/B variants)"


def approve(args: argparse.Namespace) -> None:
    """`lockgate approve PACKAGE`: the waiting production approval, else the registry's."""
    say(_approved(args))


def reject(args: argparse.Namespace) -> None:
    """`lockgate reject PACKAGE --reason R`."""
    say(_rejected(args))


def decide(endpoint_url: str | None, package: str, reason: str, *, reject: bool = False) -> str:
    """`lockgate approve` / `reject` without the terminal (the review console calls it): the same
    checks and calls; returns the line the command prints; CliError when nothing changed."""
    args = argparse.Namespace(
        command="reject" if reject else "approve",
        package=package,
        reason=reason,
        endpoint_url=endpoint_url,
        table=None,
    )
    return _rejected(args) if reject else _approved(args)


def _approved(args: argparse.Namespace) -> str:
    registry = _registry(args)
    package = _package(registry, args.package)
    status = package.status
    pending = _answer(args, approved=True)
    if pending:
        return f"approved {args.package} for production; {_rollout(args, pending.execution)}"
    if status != "PendingManualApproval":
        raise CliError(f"{args.package} is {status} and no production approval waits for it; nothing changed")
    # the metadata go back unchanged: moto 5.2.5 drops them on a status-only update
    registry.set_approval(package.arn, "Approved", args.reason or "approved", package.metadata)
    return f"approved {args.package} in the registry; the deploy pipeline takes it to staging"


def _rejected(args: argparse.Namespace) -> str:
    """A waiting production approval is answered; otherwise the registry (lockgate.commands.reject_live)."""
    registry = _registry(args)
    package = _package(registry, args.package)
    if _answer(args, approved=False):
        return f"rejected the production deployment of {args.package}: {args.reason}"
    from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
    from lockgate.commands.reject_live import reject_in_registry

    endpoints = SageMakerEndpoints(aws_client("sagemaker", args.endpoint_url))
    return reject_in_registry(registry, endpoints, package, args.reason)


def predict(args: argparse.Namespace) -> None:
    """`lockgate predict ENDPOINT --file ROWS.csv` (a ClientError: one line, by the convention)."""
    if not args.file.is_file():
        raise CliError(f"{args.file} is not a file; pass a CSV or JSON file of records")
    content_type = args.content_type or (
        "application/json" if args.file.suffix.lower() == ".json" else "text/csv"
    )
    accept = args.accept + (";labels=true" if args.labels else "")
    from botocore.exceptions import ClientError

    from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints

    endpoints = SageMakerEndpoints(
        aws_client("sagemaker", args.endpoint_url), aws_client("sagemaker-runtime", args.endpoint_url)
    )
    try:  # the endpoint's 4XX names the row and column: said with the file
        answer = endpoints.invoke(
            args.endpoint, args.file.read_bytes(), content_type, accept=accept, variant=args.variant or ""
        )
    except ClientError as error:
        response = error.response
        message = response.get("OriginalMessage") or response["Error"].get("Message", error)
        raise CliError(f"{args.file}: {message}") from error
    say(f"# variant {answer.variant or '?'}")
    for line in answer.body.decode().splitlines():
        say(line)


def endpoints(args: argparse.Namespace) -> None:
    """`lockgate endpoints`."""
    from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints

    listed = SageMakerEndpoints(aws_client("sagemaker", args.endpoint_url)).list_all()
    if not listed:
        say("no endpoints")
    for endpoint in listed:
        say(f"{endpoint.name:<36} {endpoint.status:<10} config {endpoint.config}")
        for variant in endpoint.variants:
            say(f"    {variant.name:<14} weight {variant.current_weight:<6g} instances {variant.instances}")
        say(f"    live package {endpoint.tags.get('lockgate:package', '-')}")
        if endpoint.failure_reason:
            say(f"    last update: {endpoint.failure_reason}")


def fault(args: argparse.Namespace) -> None:
    """`lockgate fault ENDPOINT VARIANT --5xx-rate R` (the offline twin's fault tag)."""
    from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
    from lockgate.local.faults import FAULT_TAG

    sagemaker = SageMakerEndpoints(aws_client("sagemaker", args.endpoint_url))
    endpoint = sagemaker.describe(args.endpoint)
    if endpoint is None:
        raise not_found(f"no such endpoint {args.endpoint}; list them with `lockgate endpoints`")
    model = next((v.model for v in endpoint.variants if v.name == args.variant), None)
    if model is None:
        raise not_found(f"{args.endpoint} has no variant {args.variant}; see `lockgate endpoints`")
    arn = sagemaker.model_arn(model)
    sagemaker.untag_resource(arn, [FAULT_TAG])
    if args.rate > 0:
        sagemaker.tag_resource(arn, {FAULT_TAG: str(args.rate)})
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
    return run_command(args)

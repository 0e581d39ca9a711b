"""`lockgate deploy | promote | variants`: A/B tests of two production variants.

- `deploy <package-arn> --variants 90/10` starts the deploy state machine with an A/B request: the
  endpoint's live package is the champion, this (Approved) package the challenger; staging, smoke
  test and the production approval run as for any deploy.
- `variants <endpoint>`: each variant's package, weight, instances, invocations, 5XX, p50 latency and
  drift (the monitor's latest drifted-feature count and largest PSI for that variant's capture).
- `promote <endpoint> --variant challenger`: invokes the PromoteVariant function (weights 100/0).

Every command follows the CLI convention (lockgate.commands.options): --endpoint-url, else
$AWS_ENDPOINT_URL, else AWS; --environment (default dev); errors are one line on stderr, exit
status 2 (1: no such package or endpoint). Heavy imports (boto3, the adapters) are in the functions.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from typing import Any

from lockgate.commands.console import say
from lockgate.commands.options import add_endpoint_option, aws_client, bounded, is_missing
from lockgate.commands.usage import CliError, not_found

COMMANDS = ("deploy", "promote", "variants")
MAX_MINUTES = 1440


def add_parsers(sub: Any) -> None:
    """The three subcommands (cli.py calls this once)."""
    deploy = sub.add_parser(
        "deploy", help="A/B: deploy an Approved package as the challenger beside the live model"
    )
    deploy.add_argument("package", help="model package ARN (Approved)")
    deploy.add_argument(
        "--variants",
        required=True,
        help="CHAMPION/CHALLENGER traffic percentages adding up to 100, e.g. 90/10 (champion = live model)",
    )
    deploy.add_argument("--wait", action="store_true", help="wait for the run to end and print its outcome")
    promote = sub.add_parser("promote", help="A/B: all traffic to one variant (weights 100/0)")
    promote.add_argument("endpoint", help="the production endpoint (see `lockgate endpoints`)")
    promote.add_argument("--variant", required=True, help="the winner: challenger or champion")
    promote.add_argument("--reason", default="", help="why (kept in lineage and told to people)")
    promote.add_argument("--no-wait", dest="wait", action="store_false", help="do not wait for InService")
    variants = sub.add_parser(
        "variants", help="an endpoint's variants: package, weight, invocations, 5XX, p50 latency"
    )
    variants.add_argument("endpoint", help="endpoint name (see `lockgate endpoints`)")
    variants.add_argument(
        "--minutes",
        type=bounded(1, MAX_MINUTES),
        default=60,
        help=f"metrics window in minutes (1..{MAX_MINUTES}, default 60)",
    )
    for parser in (deploy, promote, variants):
        add_endpoint_option(parser)
        parser.add_argument("--environment", default="dev", help="the stack's Environment (default dev)")


def _split(text: str) -> Any:
    """`--variants`: two percentages adding up to 100 (SageMaker would take any pair as relative
    weights, so 50/60 would quietly give the challenger 55 %: refused instead)."""
    from lockgate.deployment.variants import parse_split

    split = parse_split(text)
    total = split.champion + split.challenger
    if abs(total - 100) > 1e-9:
        raise CliError(
            f"--variants {text} adds up to {total:g}: "
            "give the two traffic percentages, adding up to 100, e.g. 90/10"
        )
    return split


def deploy(args: argparse.Namespace) -> None:
    """`lockgate deploy PACKAGE --variants 90/10`."""
    from botocore.exceptions import ClientError

    from lockgate import names
    from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
    from lockgate.adapters.sagemaker_registry import ModelRegistry
    from lockgate.messages.deploy import DeployRunInput, VariantWeights
    from lockgate.messages.package import PackageMetadata

    split = _split(args.variants)
    sagemaker = aws_client("sagemaker", args.endpoint_url)
    registry, endpoints = ModelRegistry(sagemaker), SageMakerEndpoints(sagemaker)
    try:
        package = registry.package(args.package)
    except ClientError as error:
        if not is_missing(error):
            raise  # AccessDenied and the like: the convention's one line, as AWS said it
        raise not_found(
            f"no such model package {args.package}; list them with `aws sagemaker list-model-packages`"
        ) from error
    if package.status != "Approved":
        raise CliError(
            f"{package.arn} is {package.status}; approve it first (`lockgate approve {package.arn}`)"
        )
    dataset = PackageMetadata.from_properties(package.metadata).dataset
    if not dataset or package.group != names.group_name(args.environment, dataset):
        raise CliError(
            f"{package.arn} (group {package.group}, dataset {dataset or '?'}) is no Lockgate package "
            f"of environment {args.environment}; is --environment right?"
        )
    endpoint = names.endpoint_name(args.environment, dataset, "prod")
    live = endpoints.endpoint(endpoint)
    champion = live.tags.get("lockgate:package", "") if live else ""
    if not champion:
        raise CliError(
            f"{endpoint} serves no model yet, so A/B {split.label()} has no champion; "
            f"deploy {package.arn} without --variants first (approving it does)"
        )
    if champion == package.arn:
        raise CliError(f"{package.arn} is already the live model of {endpoint}; nothing to A/B")
    run_input = DeployRunInput(
        package_arn=package.arn,
        status="Approved",
        group=package.group,
        version=package.version,
        variants=VariantWeights(champion=split.champion, challenger=split.challenger),
    )
    sfn = aws_client("stepfunctions", args.endpoint_url)
    machine = _state_machine(sfn, args.environment)
    name = names.ab_execution_name(package.arn, split.label(), f"{datetime.now(UTC):%m%d%H%M%S}")
    started = sfn.start_execution(
        stateMachineArn=machine, name=name, input=json.dumps(run_input.to_payload())
    )
    say(
        f"started {name}: A/B {split.label()} on {endpoint}, champion {champion} vs challenger "
        f"{package.arn} (staging, smoke test and the production approval first)"
    )
    if args.wait:
        outcome = _wait_run(sfn, started["executionArn"])
        say(f"run {outcome['status']}" + (f": {outcome.get('cause', '')}" if outcome.get("cause") else ""))
        if outcome["status"] != "SUCCEEDED":
            raise CliError(f"the A/B deploy ended {outcome['status']} ({outcome.get('error', '')})")


def _state_machine(sfn: Any, environment: str) -> str:
    from lockgate.names import state_machine_name

    wanted = state_machine_name("deploy", environment)
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == wanted:
                return str(machine["stateMachineArn"])
    raise CliError(f"no state machine {wanted}; is --environment right (and the stack deployed)?")


def _wait_run(sfn: Any, execution_arn: str, timeout: float = 3600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        described = dict(sfn.describe_execution(executionArn=execution_arn))
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.5)


def promote(args: argparse.Namespace) -> None:
    """`lockgate promote ENDPOINT --variant V`: exit 1 when there is no such endpoint."""
    from botocore.exceptions import ClientError

    from lockgate.messages.deploy import PromoteRequest
    from lockgate.names import function_name

    _endpoint_exists(aws_client("sagemaker", args.endpoint_url), args.endpoint)
    lam = aws_client("lambda", args.endpoint_url)
    function = function_name("promote-variant", args.environment)
    request = PromoteRequest(
        endpoint=args.endpoint, variant=args.variant, by="lockgate promote", reason=args.reason
    )
    try:
        response = lam.invoke(FunctionName=function, Payload=json.dumps(request.to_payload()).encode())
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise CliError(f"no function {function}; is --environment right?") from error
        raise
    payload = json.loads(response["Payload"].read() or b"{}")
    if response.get("FunctionError"):
        raise CliError(f"{payload.get('errorType')}: {payload.get('errorMessage')}; nothing changed")
    weights = ", ".join(f"{k}={v:g}" for k, v in payload["weights"].items())
    say(
        f"promoted {args.variant} on {args.endpoint}: weights {weights}; live package {payload['packageArn']}"
    )
    if args.wait:
        status = _wait_in_service(aws_client("sagemaker", args.endpoint_url), args.endpoint)
        say(f"{args.endpoint} is {status}")


def _wait_in_service(sagemaker: Any, endpoint: str, timeout: float = 1800) -> str:
    from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints

    endpoints, deadline = SageMakerEndpoints(sagemaker), time.monotonic() + timeout
    while True:
        described = endpoints.endpoint(endpoint)
        status = described.status if described else "Missing"
        if status != "Updating" or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def _endpoint_exists(sagemaker: Any, endpoint: str) -> None:
    """not_found (exit 1) before anything is asked of a function that would meet an IAM wall."""
    from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints

    if SageMakerEndpoints(sagemaker).endpoint(endpoint) is None:
        raise not_found(f"no such endpoint {endpoint}; list them with `lockgate endpoints`")


def variants(args: argparse.Namespace) -> None:
    """`lockgate variants ENDPOINT`: exit 1 when there is no such endpoint."""
    from botocore.exceptions import ClientError

    from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
    from lockgate.adapters.variant_metrics import VariantMetrics

    if not 1 <= args.minutes <= MAX_MINUTES:
        raise CliError(f"--minutes {args.minutes} is out of range: use 1..{MAX_MINUTES}")
    sagemaker = aws_client("sagemaker", args.endpoint_url)
    try:
        live = SageMakerEndpoints(sagemaker).variants(args.endpoint)
    except ClientError as error:
        if not is_missing(error):
            raise
        raise not_found(f"no such endpoint {args.endpoint}; list them with `lockgate endpoints`") from error
    metrics = VariantMetrics(aws_client("cloudwatch", args.endpoint_url))
    total = sum(v.current_weight for v in live) or 1.0
    say(f"{args.endpoint}: last {args.minutes} min")
    say(
        f"{'variant':<12} {'package':<10} {'weight':>14} {'inst':>4} {'calls':>7} {'5XX':>5} {'p50 ms':>8}"
        f" {'drifted':>7} {'max PSI':>7}"
    )
    for variant in live:
        stats = metrics.read(args.endpoint, variant.name, args.minutes)
        version = variant.package_arn.rsplit("/", 1)[-1] if variant.package_arn else "-"
        weight = f"{variant.current_weight:g} ({variant.current_weight / total:.0%})"
        if variant.desired_weight != variant.current_weight:
            weight += f" -> {variant.desired_weight:g}"
        p50 = "-" if stats.p50_latency_ms is None else f"{stats.p50_latency_ms:.2f}"
        drifted = "-" if stats.drifted_features is None else str(stats.drifted_features)
        psi = "-" if stats.max_psi is None else f"{stats.max_psi:.3f}"
        say(
            f"{variant.name:<12} {'v' + version:<10} {weight:>14} {variant.instances:>4} "
            f"{stats.invocations:>7} {stats.errors_5xx:>5} {p50:>8} {drifted:>7} {psi:>7}"
        )
    for variant in live:
        say(f"  {variant.name}: {variant.package_arn or 'package unknown'}")

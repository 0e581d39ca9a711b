"""Every name Lockgate gives an AWS resource or an execution, and every S3 URI split, in one place
(beside `layout.py`, which owns the S3 keys). template.yaml names the same resources with !Sub (the
deployed definition); tests/unit/test_names_template.py checks that both agree.

  lockgate-<pipeline>-<env>                      state machines (ingest, train, deploy)
  lockgate-<function>-<env>                      Lambda functions
  lockgate-{data,artifacts}-<env>-<acct>-<region> buckets
  lockgate-<env>-<dataset>                       a dataset's model package group and production endpoint
  lockgate-<env>-<dataset>-staging               its staging endpoint
  lg-<env>-<dataset>-v<n>-<hash>-<purpose>       SageMaker models and endpoint configs of a package
  <endpoint>-rollback-<version>-<time>           the endpoint config a rollback reaction creates
  <endpoint>-5xx, <endpoint>-latency             the canary guardrail alarms of a production endpoint
  lockgate-<env>-<reaction>-<subject>            reaction alarms (rollback, idle, drift, notify)
  <raw key>-<hash>                               an upload's ingest execution
  retrain-<dataset>-<why>                        a deliberate retrain's train execution
  <group>-v<n>-<status>-<hash>                   a deploy execution (A/B: ...-<weights>-<time>)
"""

from __future__ import annotations

import hashlib
import re

from lockgate.errors import InputRejected
from lockgate.layout import RAW

PREFIX = "lockgate-"
SCHEME = "s3://"
EXECUTION_MAX = 80  # Step Functions' limit on an execution name
RESOURCE_MAX = 63  # SageMaker's limit on a model/endpoint config name
RETRAIN_PREFIX = "retrain-"
STAGES = ("prod", "staging")
_UNSAFE_RESOURCE = re.compile(r"[^A-Za-z0-9-]")
_UNSAFE_EXECUTION = re.compile(r"[^A-Za-z0-9_-]+")


def _digest(identity: str, length: int) -> str:
    """The first `length` hex digits of the identity's SHA-256: names unique per identity."""
    return hashlib.sha256(identity.encode()).hexdigest()[:length]


# --- S3 URIs -----------------------------------------------------------------------------------
def split_uri(uri: str) -> tuple[str, str]:
    """s3://bucket/key -> (bucket, key); anything else is bad input (InputRejected naming the URI)."""
    bucket, slash, key = uri.removeprefix(SCHEME).partition("/")
    if not uri.startswith(SCHEME) or not bucket or not slash:
        raise InputRejected(uri, "s3_uri", 1, "expected s3://bucket/key")
    return bucket, key


def split_location(uri: str) -> tuple[str, str]:
    """s3://bucket[/prefix] -> (bucket, prefix or ""): a location a service writes under."""
    bucket, _, prefix = uri.removeprefix(SCHEME).partition("/")
    if not uri.startswith(SCHEME) or not bucket:
        raise InputRejected(uri, "s3_uri", 1, "expected s3://bucket[/prefix]")
    return bucket, prefix


def bucket_of(uri: str) -> str:
    """The bucket of an s3:// URI."""
    return split_location(uri)[0]


# --- stack resources ---------------------------------------------------------------------------
def state_machine_prefix(pipeline: str) -> str:
    """`lockgate-<pipeline>-`: what a pipeline's state machine is called in every environment."""
    return f"{PREFIX}{pipeline}-"


def state_machine_name(pipeline: str, environment: str) -> str:
    """`lockgate-<pipeline>-<env>`: the ingest, train and deploy state machines."""
    return f"{state_machine_prefix(pipeline)}{environment}"


def pipeline_of(state_machine: str, environment: str) -> str | None:
    """`ingest` for `...:stateMachine:lockgate-ingest-dev` (ARN or name); None when not Lockgate's."""
    name = state_machine.rsplit(":", 1)[-1]
    tail = f"-{environment}"
    if not (name.startswith(PREFIX) and name.endswith(tail)) or len(name) <= len(PREFIX) + len(tail):
        return None
    return name[len(PREFIX) : -len(tail)]


def environment_of_machine(name: str, pipeline: str) -> str:
    """The environment of a state machine `lockgate-<pipeline>-<env>` (the name itself when not)."""
    return name.removeprefix(state_machine_prefix(pipeline))


def function_name(function: str, environment: str) -> str:
    """`lockgate-<function>-<env>`: a Lambda function (`monitor`, `promote-variant`, ...)."""
    return f"{PREFIX}{function}-{environment}"


def data_bucket_prefix(environment: str) -> str:
    """What the data bucket's name starts with (`lockgate-data-<env>-`; account and region follow)."""
    return f"{PREFIX}data-{environment}-"


def is_lockgate(name: str) -> bool:
    """True for any of Lockgate's names (buckets, state machines, groups, endpoints, alarms)."""
    return name.startswith(PREFIX)


# --- per dataset: model package groups, endpoints, SageMaker resources -------------------------
def environment_prefix(environment: str) -> str:
    """`lockgate-<env>-`: what every group, endpoint and alarm of an environment starts with."""
    return f"{PREFIX}{environment}-"


def environment_of(name: str) -> str | None:
    """The environment of a `lockgate-<env>-…` name (group, endpoint, alarm); None for other names."""
    return name.split("-")[1] if name.startswith(PREFIX) else None


def group_name(environment: str, dataset: str) -> str:
    """The model package group of a dataset: `lockgate-<env>-<dataset>`."""
    return f"{environment_prefix(environment)}{dataset}"


def dataset_of_group(environment: str, group: str) -> str:
    """The dataset a group belongs to; ValueError when the group is not Lockgate's."""
    prefix = environment_prefix(environment)
    if not group.startswith(prefix):
        raise ValueError(f"model package group {group!r} does not start with {prefix!r}")
    return group[len(prefix) :]


def endpoint_name(environment: str, dataset: str, stage: str) -> str:
    """`lockgate-<env>-<dataset>-staging` or `lockgate-<env>-<dataset>` (production)."""
    base = group_name(environment, dataset)
    return base if stage == "prod" else f"{base}-staging"


def stage_of(environment: str, endpoint: str) -> tuple[str, str] | None:
    """(dataset, "prod" | "staging") of a Lockgate endpoint name, None for other names."""
    head = environment_prefix(environment)
    if not endpoint.startswith(head) or len(endpoint) == len(head):
        return None
    rest = endpoint[len(head) :]
    return (rest.removesuffix("-staging"), "staging") if rest.endswith("-staging") else (rest, "prod")


def group_of_package(package_arn: str) -> str | None:
    """The model package group of a package ARN (`...:model-package/<group>/<n>`), None for other ARNs."""
    if ":model-package/" not in package_arn:
        return None
    return package_arn.split(":model-package/", 1)[1].rsplit("/", 1)[0]


def prod_endpoint_of_group(group: str) -> str:
    """The production endpoint of a model package group: the same name (`lockgate-<env>-<dataset>`)."""
    return group


def resource_name(environment: str, dataset: str, version: int, package_arn: str, suffix: str) -> str:
    """A SageMaker model/config name (<= 63 chars, [A-Za-z0-9-]) unique per package and purpose."""
    digest = _digest(package_arn, 8)
    stem = _UNSAFE_RESOURCE.sub("-", f"lg-{environment}-{dataset}")[:36].rstrip("-")
    return f"{stem}-v{version}-{digest}-{suffix}"[:RESOURCE_MAX]


def rollback_config_name(endpoint: str, version: str, timestamp: str) -> str:
    """The endpoint config a rollback reaction creates: `<endpoint>-rollback-<version>-<time>`."""
    when = timestamp[:19].replace(":", "").replace("-", "")
    return f"{endpoint}-rollback-{version}-{when}"[:RESOURCE_MAX]


def batch_job_name(digest: str, started: int) -> str:
    """A batch transform job of `lockgate batch-predict`."""
    return f"lg-batch-{digest}-{started}"


# --- alarms ------------------------------------------------------------------------------------
def alarm_names(endpoint: str) -> tuple[str, str]:
    """The rollback alarms of a production endpoint: 5XX errors and model latency."""
    return f"{endpoint}-5xx", f"{endpoint}-latency"


def reaction_alarm_name(environment: str, reaction: str, subject: str) -> str:
    """`lockgate-<env>-<reaction>-<subject>`: an alarm whose state change the remediation handles."""
    return f"{environment_prefix(environment)}{reaction}-{subject}"[:255]


def split_reaction_alarm(name: str, environment: str) -> tuple[str, str] | None:
    """(reaction, subject) of `lockgate-<env>-<reaction>-<subject>`; None for other names."""
    head = environment_prefix(environment)
    if not name.startswith(head):
        return None
    reaction, _, subject = name[len(head) :].partition("-")
    return reaction, subject


# --- executions --------------------------------------------------------------------------------
def upload_execution_name(bucket: str, key: str, version: str) -> str:
    """One upload, one execution: '<raw key, made safe>-<sha256 prefix>' of bucket, decoded key and
    version id (or ETag when versioning is off). Step Functions accepts a name once (per 90 days)."""
    digest = _digest(f"{bucket}\n{key}\n{version}", 32)
    readable = _UNSAFE_EXECUTION.sub("-", key.removeprefix(RAW)).strip("-")[: EXECUTION_MAX - len(digest) - 1]
    return f"{readable}-{digest}" if readable else digest


def retrain_name(dataset: str, reason: str) -> str:
    """A deliberate retrain's train execution: `retrain-<dataset>-<reason>`, valid, <= 80 chars.

    PlanTraining gives such a run its own claim, job names and model prefix instead of ending it as a
    duplicate of the version's first run; the same name still starts once."""
    return _UNSAFE_EXECUTION.sub("-", f"{RETRAIN_PREFIX}{dataset}-{reason}")[:EXECUTION_MAX].rstrip("-")


def retrain_of(execution: str) -> str | None:
    """The retrain name when the execution (ARN or name) is a deliberate retrain, else None."""
    name = execution.rsplit(":", 1)[-1]
    return name if name.startswith(RETRAIN_PREFIX) else None


def deploy_execution_name(package_arn: str, status: str) -> str:
    """One deploy run per package and approval status: `<group>-v<n>-<status>-<sha256 prefix>`."""
    digest = _digest(f"{package_arn}|{status}", 16)
    version = package_arn.rsplit("/", 1)[-1]
    group = _UNSAFE_RESOURCE.sub("-", package_arn.rsplit("/", 2)[-2] if "/" in package_arn else "package")
    return f"{group[:40]}-v{version[:8]}-{status[:10]}-{digest}"[:EXECUTION_MAX]


def ab_execution_name(package_arn: str, label: str, stamp: str) -> str:
    """`<package run name>-<label>-<stamp>`: a person may run A/B of one package again."""
    stem = deploy_execution_name(package_arn, "AB")[:52]
    return f"{stem}-{label.replace('/', '-').replace('.', '_')}-{stamp}"[:EXECUTION_MAX]

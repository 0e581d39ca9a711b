"""IAM enforced offline: each function calls AWS with its own role's credentials, and a call its role
does not allow fails with AccessDenied, naming the function, the role, the action and the resource.

How (moto 5.2.5): moto's IAM authentication (`INITIAL_NO_AUTH_ACTION_COUNT`, a process-wide setting)
would apply to every caller, and it derives a resource only for S3, SQS, IAM and STS: for every other
service it checks `Resource: "*"`, so a least-privilege statement scoped to a table or a state machine
never matches and everything is denied; it also treats a Condition it cannot evaluate as a Deny. So
this module leaves that setting alone and replaces the one hook every request passes through,
`ActionAuthenticatorMixin._authenticate_and_authorize_action`: a request signed with a key that
`register` issued to a function (or, through iam/state_machines.py, to a state machine's role) is
evaluated against that role's policies (see iam/policy.py), with the resource derived from the request
for the services Lockgate uses and the condition context this module knows (`request_context`); a
SageMaker Create* call that hands over a role is also checked as iam:PassRole on it. Every other caller
(the test harness, the AWS CLI) passes as before. Request signatures are not verified (the key
identifies the principal). Where the resource cannot be derived, the action alone decides and one
warning line says so; a Condition that cannot be decided offline gets one warning line per policy.
Nothing is allowed silently.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import unquote

import botocore.session
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError, _RESTError
from moto.s3.exceptions import S3ClientError

from lockgate.local.iam.policy import AWS_MANAGED, Context, Statement, evaluate, statements
from lockgate.local.lambda_runtime.env import SessionCredentials

# (owner, attribute) that the patch replaces or reads; checked by tests/contract/test_iam_patches.py.
PATCH_TARGETS: tuple[tuple[object, str], ...] = (
    (ActionAuthenticatorMixin, "_authenticate_and_authorize_action"),
    (JsonRESTError, "__init__"),
    (S3ClientError, "__init__"),
)


def role_statements(
    iam: Any, role_arn: str, managed_arns: list[str], warn: Callable[[str], None]
) -> list[Statement]:
    """The statements of every policy of the role (inline and attached, read through the IAM API, and
    the AWS managed ones of `managed_arns`, which moto does not hold)."""
    role = role_arn.rsplit("/", 1)[-1]
    found: list[Statement] = []
    try:
        iam.get_role(RoleName=role)
    except iam.exceptions.NoSuchEntityException:
        warn(f"IAM offline: role {role_arn} does not exist: every call of its functions is denied")
        return found
    for arn in managed_arns:
        if ":iam::aws:policy/" not in arn:
            continue
        if arn in AWS_MANAGED:
            found += statements(arn.rsplit("/", 1)[-1], {"Statement": AWS_MANAGED[arn]})
        else:
            warn(f"IAM offline: AWS managed policy {arn} of {role} is not known offline: not granted")
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        found += statements(f"inline policy {name}", document)
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        arn = attached["PolicyArn"]
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        found += statements(attached["PolicyName"], document)
    return found


# The request's signing name -> the IAM service prefix, where they differ.
_IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}
# API operation -> IAM action, where they differ.
_IAM_ACTION = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeAsync"): "InvokeFunction",
    ("s3", "HeadBucket"): "ListBucket",
}
_ACCESS_KEY = re.compile(r"Credential=([A-Z0-9]{20})/")


@dataclass(frozen=True)
class Principal:
    """A function (or a state machine's role) as IAM sees it: its role and the role's statements."""

    function: str  # the function's name, or the session name of a state machine's role
    role_arn: str
    statements: tuple[Statement, ...]
    kind: str = "function"  # "function" | "state machine role"

    @property
    def session_arn(self) -> str:
        """arn:aws:sts::<account>:assumed-role/<role>/<session>, as the calls are signed."""
        account = self.role_arn.split(":")[4]
        return f"arn:aws:sts::{account}:assumed-role/{self.role_arn.rsplit('/', 1)[-1]}/{self.function}"

    def describe(self) -> tuple[str, str]:
        """Who was refused and where to grant it, for the AccessDenied message."""
        if self.kind == "function":
            return f"function {self.function}, role {self.role_arn}", "its Policies"
        return f"state machine role {self.role_arn}", "the state machine's Policies"


class _State:
    principals: dict[str, Principal] = {}  # noqa: RUF012 - access key id -> principal
    original: Any = None
    warn: Callable[[str], None] = print
    warned: set[str] = set()  # noqa: RUF012


_state = _State()
_lock = threading.Lock()


def apply(warn: Callable[[str], None] = print) -> None:
    """Install the hook (idempotent); `warn` gets each undecidable-policy line once."""
    with _lock:
        _state.warn = warn
        if _state.original is None:
            _state.original = ActionAuthenticatorMixin._authenticate_and_authorize_action
            ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize  # type: ignore[method-assign]


def remove() -> None:
    """Uninstall the hook and forget every principal."""
    with _lock:
        if _state.original is not None:
            ActionAuthenticatorMixin._authenticate_and_authorize_action = _state.original  # type: ignore[method-assign]
            _state.original = None
        _state.principals.clear()
        _state.warned.clear()


def register(
    function: str, role_arn: str, statements: list[Statement], kind: str = "function"
) -> SessionCredentials:
    """Issue session credentials for `function` (or a state machine's role session) acting as
    `role_arn`; its calls are checked against `statements` (the role's policies)."""
    seed = f"{function}/{role_arn}" if kind == "function" else f"{kind}/{function}/{role_arn}"
    key = "ASIA" + hashlib.sha1(seed.encode()).hexdigest()[:16].upper()
    with _lock:
        _state.principals[key] = Principal(function, role_arn, tuple(statements), kind)
    return SessionCredentials(key, secrets.token_hex(20), f"lockgate-{function}")


def warn_once(line: str) -> None:
    """One warning line per distinct message."""
    with _lock:
        if line in _state.warned:
            return
        _state.warned.add(line)
    _state.warn(line)


# ---- the hook ---------------------------------------------------------------------------------


def _authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    match = _ACCESS_KEY.search(self.headers.get("Authorization", "") or "")
    principal = _state.principals.get(match.group(1)) if match else None
    if principal is None:
        _state.original(self, iam_request_cls, resource)
        return
    service = _signing_service(self.headers["Authorization"])
    prefix = _IAM_PREFIX.get(service, service)
    operation = _operation(self, prefix)
    action = f"{prefix}:{_IAM_ACTION.get((prefix, operation), operation)}"
    derived = resource if resource != "*" else _resource(self, prefix, operation)
    if derived is None:
        warn_once(
            f"IAM offline: the resource of {action} is not derived offline; its action alone is checked"
        )
    params = _params(self)
    context = request_context(principal, self.region, params, prefix, json_body=_is_json(self))
    _check(self, principal, prefix, action, derived, context=context)
    passed = _passed_role(prefix, operation, params)
    if passed is not None:  # the service is handed a role: iam:PassRole on it, as AWS checks
        values = {**context.values, "iam:passedtoservice": (f"{prefix}.amazonaws.com",)}
        modelled = context.modelled | {"iam:passedtoservice"}
        _check(self, principal, prefix, "iam:PassRole", passed, context=Context(values, modelled))


def _check(
    response: Any, principal: Principal, prefix: str, action: str, resource: str | None, *, context: Context
) -> None:
    decision = evaluate(list(principal.statements), action, resource, context)
    for policy in decision.undecided:
        warn_once(
            f"IAM offline: {policy} of {principal.role_arn} has a Condition that cannot be decided offline "
            "(a context key or operator not modelled: an Allow applies as if it held, a Deny is not applied)"
        )
    if decision.allowed:
        return
    who, where = principal.describe()
    message = (
        f"User: {principal.session_arn} is not authorized to perform: {action}"
        + (f" on resource: {resource}" if resource else "")
        + f" because {decision.reason} (offline: {who};"
        f" grant {action} on {resource or '*'} in {where} in template.yaml)"
    )
    if prefix == "s3":
        raise S3ClientError("AccessDenied", message)
    error: _RESTError
    if _protocol(response.boto3_service_name) in ("json", "rest-json"):
        error = JsonRESTError("AccessDeniedException", message)
    else:
        error = _RESTError("AccessDenied", message)
    error.code = 403
    raise error


# Condition keys the local cloud models for every checked request (lower case; "x/" = every "x/...").
_MODELLED = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:requestedregion",
        "aws:securetransport",
        "aws:currenttime",
        "aws:epochtime",
        "iam:passedtoservice",  # absent unless the request passes a role (see _passed_role)
    }
)


def request_context(
    principal: Principal, region: str, params: dict[str, Any], prefix: str, *, json_body: bool
) -> Context:
    """The IAM request context of a checked call, as far as it is known offline.

    aws:SecureTransport is "true": the AWS SDKs call AWS over HTTPS (offline it is plain HTTP on
    127.0.0.1). aws:RequestTag/* and aws:TagKeys are known for JSON requests (their `Tags` parameter);
    cloudwatch:namespace for PutMetricData when its Namespace is readable; s3:prefix for S3 listings.
    Everything else (aws:SourceIp,
    aws:ResourceTag/*, aws:SourceArn, service keys) is unknown and leaves its statement undecided."""
    now = time.time()
    values: dict[str, tuple[str, ...]] = {
        "aws:principalarn": (principal.role_arn,),
        "aws:principalaccount": (principal.role_arn.split(":")[4],),
        "aws:principaltype": ("AssumedRole",),
        "aws:requestedregion": (region,),
        "aws:securetransport": ("true",),
        "aws:currenttime": (datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),),
        "aws:epochtime": (str(int(now)),),
    }
    modelled = set(_MODELLED)
    if json_body:
        tags = _tags(params.get("Tags", params.get("tags")))
        modelled |= {"aws:requesttag/", "aws:tagkeys"}
        for key, value in tags.items():
            values[f"aws:requesttag/{key.lower()}"] = (value,)
        if tags:
            values["aws:tagkeys"] = tuple(tags)
    if prefix == "cloudwatch" and params.get("Namespace"):
        values["cloudwatch:namespace"] = (str(params["Namespace"]),)
        modelled.add("cloudwatch:namespace")
    if prefix == "s3":
        # ListObjects(V2)'s `prefix` query parameter; a listing without one has no s3:prefix key.
        modelled.add("s3:prefix")
        if params.get("prefix") is not None:
            values["s3:prefix"] = (str(params["prefix"]),)
    return Context(values, frozenset(modelled))


def _tags(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    if isinstance(raw, list):
        pairs = [t for t in raw if isinstance(t, dict)]
        return {str(t.get("Key", t.get("key"))): str(t.get("Value", t.get("value", ""))) for t in pairs}
    return {}


def _passed_role(prefix: str, operation: str, params: dict[str, Any]) -> str | None:
    """The role a SageMaker Create* call hands the service (RoleArn / ExecutionRoleArn, also inside a
    tuning job's TrainingJobDefinition), which AWS checks as iam:PassRole on that role."""
    if prefix != "sagemaker" or not operation.startswith("Create"):
        return None
    for holder in (params, params.get("TrainingJobDefinition") or {}):
        for key in ("RoleArn", "ExecutionRoleArn"):
            if isinstance(holder, dict) and holder.get(key):
                return str(holder[key])
    return None


def _is_json(response: Any) -> bool:
    return _protocol(response.boto3_service_name) in ("json", "rest-json")


def _signing_service(authorization: str) -> str:
    scope = authorization.partition("Credential=")[2].partition(",")[0].split("/")
    return scope[3] if len(scope) > 3 else ""


@cache
def _protocol(service: str) -> str:
    try:
        return str(botocore.session.get_session().get_service_model(service).protocol)
    except Exception:
        return "query"


def _operation(response: Any, prefix: str) -> str:
    if prefix == "s3":
        data = getattr(response, "data", None)
        if isinstance(data, dict) and data.get("Action"):
            return str(data["Action"])
    return str(response._get_action())


def _params(response: Any) -> dict[str, Any]:
    parsed = getattr(response, "params", None)  # moto's own parse (e.g. CloudWatch's CBOR), when it has one
    if getattr(response, "automated_parameter_parsing", False) and isinstance(parsed, dict) and parsed:
        return parsed
    body = getattr(response, "body", None)
    if isinstance(body, dict):  # moto's DynamoDB handler has parsed it already
        return body
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str) and body.lstrip().startswith("{"):
        try:
            parsed = json.loads(body)
            return parsed if isinstance(parsed, dict) else {}
        except ValueError:
            pass
    query = getattr(response, "querystring", {}) or {}
    return {k: v[0] if isinstance(v, list) and v else v for k, v in query.items()}


def _resource(response: Any, prefix: str, operation: str) -> str | None:
    """The ARN IAM checks for the request, for the services Lockgate's functions call; None if unknown."""
    region, account = response.region, response.current_account
    params = _params(response)
    if prefix == "dynamodb":
        table: str | None = params.get("TableName")
        if table is None and isinstance(params.get("RequestItems"), dict):
            table = next(iter(params["RequestItems"]), None)
        if table is None and params.get("TransactItems"):
            item: dict[str, Any] = next(iter(params["TransactItems"][0].values()), {})
            table = item.get("TableName")
        if table is None:
            return None
        arn = f"arn:aws:dynamodb:{region}:{account}:table/{table}"
        return f"{arn}/index/{params['IndexName']}" if params.get("IndexName") else arn
    if prefix == "states":
        for key in ("stateMachineArn", "executionArn", "activityArn"):
            if params.get(key):
                return str(params[key])
        return "*" if operation.startswith("SendTask") or operation.startswith("List") else None
    if prefix == "sns":
        topic = params.get("TopicArn") or params.get("TargetArn")
        return str(topic) if topic else None
    if prefix == "events" and operation == "PutEvents":
        entries = params.get("Entries") or [{}]
        bus = str(entries[0].get("EventBusName") or "default")
        return bus if bus.startswith("arn:") else f"arn:aws:events:{region}:{account}:event-bus/{bus}"
    if prefix == "lambda":
        found = re.search(r"/functions/([^/]+)", unquote(getattr(response, "path", "") or ""))
        if found:
            name = found.group(1)
            return name if name.startswith("arn:") else f"arn:aws:lambda:{region}:{account}:function:{name}"
        return None
    if prefix == "sagemaker":
        return _sagemaker_resource(response, operation, params)
    if prefix == "cloudwatch" and operation == "PutMetricData":
        return "*"
    if prefix == "xray":
        return "*"
    return None


# SageMaker request parameter -> the resource type in its ARN (names appear lower-cased in SageMaker ARNs).
_SAGEMAKER_NAMES = (
    ("TrainingJobName", "training-job"),
    ("TransformJobName", "transform-job"),
    ("HyperParameterTuningJobName", "hyper-parameter-tuning-job"),
    ("EndpointName", "endpoint"),  # before the config: CreateEndpoint / UpdateEndpoint name both
    ("EndpointConfigName", "endpoint-config"),
    ("ModelName", "model"),
)


def _sagemaker_resource(response: Any, operation: str, params: dict[str, Any]) -> str | None:
    """The ARN of the job, model, endpoint or endpoint config a SageMaker call names; None otherwise."""
    if params.get("ResourceArn"):  # AddTags, ListTags, DeleteTags
        return str(params["ResourceArn"])
    found = re.search(r"/endpoints/([^/]+)/invocations", unquote(getattr(response, "path", "") or ""))
    if found:
        params = {"EndpointName": found.group(1)}
    for key, kind in _SAGEMAKER_NAMES:
        if params.get(key):
            name = str(params[key]).lower()
            return f"arn:aws:sagemaker:{response.region}:{response.current_account}:{kind}/{name}"
    return None

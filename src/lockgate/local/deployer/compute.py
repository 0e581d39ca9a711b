"""Creators for Lambda, Step Functions, EventBridge and CloudWatch alarm resources.

Lambda functions are created in moto with a tiny placeholder zip: the real code runs in the local
Lambda runtime, from the `FunctionConfig` recorded here (code directory, handler, environment...).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from lockgate.local.deployer.context import LOGICAL_ID_TAG, STACK_NAME_TAG, Context, pick, tag_list
from lockgate.local.deployer.model import AsyncInvokeConfig, FunctionConfig
from lockgate.local.limits import check_environment, check_function

Created = tuple[str, dict[str, Any]]


@cache
def _dummy_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buf.getvalue()


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return (
        value
        if isinstance(value, str)
        else json.dumps(value)
        if isinstance(value, dict | list)
        else str(value)
    )


def lambda_layer_version(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    name = p.get("LayerName") or ctx.name(logical_id, 140)
    kwargs: dict[str, Any] = {"LayerName": name, "Content": {"ZipFile": _dummy_zip()}}
    kwargs |= pick(p, "Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo")
    arn = ctx.client("lambda").publish_layer_version(**kwargs)["LayerVersionArn"]
    local = ctx.artifacts.local_path(p.get("Content"))
    if local is None:
        ctx.warn(
            f"{logical_id} (AWS::Lambda::LayerVersion): content is not a local directory; not loaded offline"
        )
    else:
        ctx.layer_dirs[arn] = local
    return arn, {"LayerVersionArn": arn}


def _code_dir(ctx: Context, logical_id: str, p: dict[str, Any]) -> Path | None:
    code = p.get("Code", {})
    local = ctx.artifacts.local_path(code)
    if local is not None:
        return local
    if "ZipFile" in code:  # SAM InlineCode
        directory = Path(tempfile.mkdtemp(prefix=f"lockgate-{logical_id}-"))
        module = p.get("Handler", "index.handler").rsplit(".", 1)[0]
        (directory / f"{module}.py").write_text(code["ZipFile"], encoding="utf-8")
        return directory
    ctx.warn(
        f"{logical_id} (AWS::Lambda::Function): code is not a local CodeUri directory; not runnable offline"
    )
    return None


def lambda_function(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    name = p.get("FunctionName") or ctx.name(logical_id, 64)
    environment = {k: _env_value(v) for k, v in p.get("Environment", {}).get("Variables", {}).items()}
    layers = list(p.get("Layers", []))
    local_layers = [arn for arn in layers if arn in ctx.layer_dirs]
    for arn in layers:
        if arn not in ctx.layer_dirs:
            ctx.warn(
                f"{logical_id} (AWS::Lambda::Function): layer {arn} is not in the template; ignored offline"
            )
    kwargs: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": p.get("Runtime", "python3.13"),
        "Role": p["Role"],
        "Handler": p.get("Handler", "index.handler"),
        "Code": {"ZipFile": _dummy_zip()},
        "Timeout": int(p.get("Timeout", 3)),
        "MemorySize": int(p.get("MemorySize", 128)),
        "Environment": {"Variables": environment},
        "Layers": local_layers,
        **pick(p, "Description", "Architectures", "TracingConfig"),
    }
    # CloudFormation tags what it creates with the stack and the logical id, as here: `lockgate invoke
    # --endpoint-url` finds a function of a running `lockgate up` by its logical id (lookup.py).
    kwargs["Tags"] = {
        **{t["Key"]: t["Value"] for t in tag_list(p.get("Tags", []))},
        STACK_NAME_TAG: ctx.stack_name,
        LOGICAL_ID_TAG: logical_id,
    }
    check_environment(name, environment)
    check_function(name, kwargs["Timeout"], kwargs["MemorySize"])
    arn = ctx.client("lambda").create_function(**kwargs)["FunctionArn"]
    code_dir = _code_dir(ctx, logical_id, p)
    if code_dir is not None:
        ctx.functions[logical_id] = FunctionConfig(
            logical_id=logical_id,
            name=name,
            arn=arn,
            handler=kwargs["Handler"],
            code_dir=code_dir,
            runtime=kwargs["Runtime"],
            timeout=kwargs["Timeout"],
            memory_mb=kwargs["MemorySize"],
            environment=environment,
            layer_dirs=tuple(ctx.layer_dirs[a] for a in local_layers),
            log_group=p.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{name}",
            role_arn=str(p["Role"]),
            dead_letter_arn=str(p.get("DeadLetterConfig", {}).get("TargetArn", "")),
        )
    return name, {"Arn": arn}


def lambda_recorded(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    """Permission: nothing to enforce offline; recorded so references resolve."""
    return ctx.name(logical_id), {}


def lambda_event_invoke_config(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    """EventInvokeConfig: the retries, event age and destinations the runtime applies to Event invokes."""
    function = str(p["FunctionName"])
    name = function.split(":")[6] if function.startswith("arn:") else function
    destinations = p.get("DestinationConfig", {})
    config = AsyncInvokeConfig(
        maximum_retry_attempts=int(p.get("MaximumRetryAttempts", 2)),
        maximum_event_age_s=int(p.get("MaximumEventAgeInSeconds", 21_600)),
        on_failure=str(destinations.get("OnFailure", {}).get("Destination", "")),
        on_success=str(destinations.get("OnSuccess", {}).get("Destination", "")),
    )
    for key, function_config in ctx.functions.items():
        if function_config.name == name:
            ctx.functions[key] = replace(function_config, async_config=config)
            break
    else:
        ctx.warn(
            f"{logical_id} (AWS::Lambda::EventInvokeConfig): function {function} is not runnable offline"
        )
    return ctx.name(logical_id), {}


def lambda_version(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    function = str(p["FunctionName"])
    base = function if function.startswith("arn:") else ctx.arn("lambda", f"function:{function}")
    arn = f"{base}:1"
    return arn, {"Version": "1", "FunctionArn": arn}


def lambda_alias(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    function = str(p["FunctionName"])
    base = function if function.startswith("arn:") else ctx.arn("lambda", f"function:{function}")
    arn = f"{base}:{p['Name']}"
    return arn, {"AliasArn": arn}


# --- Step Functions -------------------------------------------------------------------------------
def _definition(ctx: Context, logical_id: str, p: dict[str, Any]) -> str:
    if "Definition" in p:
        text = json.dumps(p["Definition"])
    elif "DefinitionString" in p:
        text = p["DefinitionString"]
    else:
        local = ctx.artifacts.local_path(p.get("DefinitionS3Location"))
        if local is None:
            raise ValueError(f"{logical_id}: definition is neither inline nor a local DefinitionUri file")
        text = local.read_text(encoding="utf-8")
    for key, value in p.get("DefinitionSubstitutions", {}).items():
        text = text.replace("${" + key + "}", _env_value(value))
    return text


def _logging(cfn: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "Level" in cfn:
        out["level"] = cfn["Level"]
    if "IncludeExecutionData" in cfn:
        out["includeExecutionData"] = cfn["IncludeExecutionData"] in (True, "true")
    destinations = [
        {"cloudWatchLogsLogGroup": {"logGroupArn": d["CloudWatchLogsLogGroup"]["LogGroupArn"]}}
        for d in cfn.get("Destinations", [])
        if "CloudWatchLogsLogGroup" in d
    ]
    if destinations:
        out["destinations"] = destinations
    return out


def state_machine(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    name = p.get("StateMachineName") or ctx.name(logical_id, 80)
    kwargs: dict[str, Any] = {
        "name": name,
        "definition": _definition(ctx, logical_id, p),
        "roleArn": p["RoleArn"],
        "type": p.get("StateMachineType", "STANDARD"),
    }
    if "LoggingConfiguration" in p:
        kwargs["loggingConfiguration"] = _logging(p["LoggingConfiguration"])
    if "TracingConfiguration" in p:
        kwargs["tracingConfiguration"] = {
            "enabled": p["TracingConfiguration"].get("Enabled") in (True, "true")
        }
    if "Tags" in p:
        kwargs["tags"] = tag_list(p["Tags"], "key", "value")
    arn = ctx.client("stepfunctions").create_state_machine(**kwargs)["stateMachineArn"]
    return arn, {"Arn": arn, "Name": name, "StateMachineRevisionId": ""}


def activity(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    kwargs: dict[str, Any] = {"name": p["Name"]}
    if "Tags" in p:
        kwargs["tags"] = tag_list(p["Tags"], "key", "value")
    arn = ctx.client("stepfunctions").create_activity(**kwargs)["activityArn"]
    return arn, {"Name": p["Name"]}


# --- EventBridge / CloudWatch ---------------------------------------------------------------------
_TARGET_FIELDS = (
    "Id",
    "Arn",
    "RoleArn",
    "Input",
    "InputPath",
    "InputTransformer",
    "DeadLetterConfig",
    "RetryPolicy",
    "SqsParameters",
)


def _target(t: dict[str, Any]) -> dict[str, Any]:
    target = pick(t, *_TARGET_FIELDS)
    if isinstance(target.get("Input"), dict | list):
        target["Input"] = json.dumps(target["Input"])
    transformer = target.get("InputTransformer")
    if transformer is not None and isinstance(transformer.get("InputTemplate"), dict | list):
        target["InputTransformer"] = {
            **transformer,
            "InputTemplate": json.dumps(transformer["InputTemplate"]),
        }
    return target


def event_bus(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    name = p["Name"]
    arn = ctx.client("events").create_event_bus(Name=name)["EventBusArn"]
    return name, {"Arn": arn, "Name": name}


def events_rule(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    name = p.get("Name") or ctx.name(logical_id, 64)
    bus = str(p.get("EventBusName", "default"))
    bus_name = bus.rsplit("/", 1)[-1] if bus.startswith("arn:") else bus
    kwargs: dict[str, Any] = {"Name": name, "EventBusName": bus_name, "State": p.get("State", "ENABLED")}
    if "EventPattern" in p:
        pattern = p["EventPattern"]
        kwargs["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    kwargs |= pick(p, "ScheduleExpression", "Description", "RoleArn")
    events = ctx.client("events")
    arn = events.put_rule(**kwargs)["RuleArn"]
    targets = [_target(t) for t in p.get("Targets", [])]
    if targets:
        failed = events.put_targets(Rule=name, EventBusName=bus_name, Targets=targets).get("FailedEntries")
        if failed:
            raise ValueError(f"{logical_id}: put_targets failed: {failed}")
    physical = name if bus_name == "default" else f"{bus_name}|{name}"
    return physical, {"Arn": arn}


_ALARM_FIELDS = (
    "AlarmDescription",
    "ActionsEnabled",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "Metrics",
    "ThresholdMetricId",
)
_ALARM_INTS = ("Period", "EvaluationPeriods", "DatapointsToAlarm")


def cloudwatch_alarm(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    name = p.get("AlarmName") or ctx.name(logical_id, 255)
    kwargs: dict[str, Any] = {"AlarmName": name, **pick(p, *_ALARM_FIELDS)}
    for key in _ALARM_INTS:
        if key in kwargs:
            kwargs[key] = int(kwargs[key])
    if "Threshold" in kwargs:
        kwargs["Threshold"] = float(kwargs["Threshold"])
    if "ActionsEnabled" in kwargs:
        kwargs["ActionsEnabled"] = kwargs["ActionsEnabled"] in (True, "true")
    if "Tags" in p:
        kwargs["Tags"] = tag_list(p["Tags"])
    ctx.client("cloudwatch").put_metric_alarm(**kwargs)
    return name, {"Arn": ctx.arn("cloudwatch", f"alarm:{name}")}

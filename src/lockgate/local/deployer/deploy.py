"""Deploy a SAM template into the local (moto) endpoint, without moto's CloudFormation.

`deploy` loads the template, translates it offline with samtranslator (local CodeUri / ContentUri /
DefinitionUri paths survive as placeholders, see deploy_template), resolves intrinsics, and creates
each resource with boto3 in dependency order. A resource type it cannot create is named in one
warning line and listed in `DeployedStack.skipped`; references to it resolve to a placeholder.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from lockgate.local.deployer import compute, data
from lockgate.local.deployer.context import Clients, Context
from lockgate.local.deployer.intrinsics import IntrinsicError, Resolver, references
from lockgate.local.deployer.lean import lean_resources
from lockgate.local.deployer.model import DeployedStack, PhysicalResource
from lockgate.local.deployer.template import load_template, localize_artifacts, translate

ACCOUNT_ID = "123456789012"  # moto's default account

Creator = Callable[[Context, str, dict[str, Any]], tuple[str, dict[str, Any]]]

CREATORS: dict[str, Creator] = {
    "AWS::S3::Bucket": data.s3_bucket,
    "AWS::S3::BucketPolicy": data.s3_bucket_policy,
    "AWS::DynamoDB::Table": data.dynamodb_table,
    "AWS::SNS::Topic": data.sns_topic,
    "AWS::SNS::Subscription": data.sns_subscription,
    "AWS::SNS::TopicPolicy": data.sns_topic_policy,
    "AWS::SQS::Queue": data.sqs_queue,
    "AWS::SQS::QueuePolicy": data.sqs_queue_policy,
    "AWS::KMS::Key": data.kms_key,
    "AWS::KMS::Alias": data.kms_alias,
    "AWS::SSM::Parameter": data.ssm_parameter,
    "AWS::Logs::LogGroup": data.log_group,
    "AWS::IAM::Role": data.iam_role,
    "AWS::IAM::Policy": data.iam_policy,
    "AWS::IAM::ManagedPolicy": data.iam_managed_policy,
    "AWS::Lambda::LayerVersion": compute.lambda_layer_version,
    "AWS::Lambda::Function": compute.lambda_function,
    "AWS::Lambda::Permission": compute.lambda_recorded,
    "AWS::Lambda::EventInvokeConfig": compute.lambda_event_invoke_config,
    "AWS::Lambda::Version": compute.lambda_version,
    "AWS::Lambda::Alias": compute.lambda_alias,
    "AWS::StepFunctions::StateMachine": compute.state_machine,
    "AWS::StepFunctions::Activity": compute.activity,
    "AWS::Events::EventBus": compute.event_bus,
    "AWS::Events::Rule": compute.events_rule,
    "AWS::CloudWatch::Alarm": compute.cloudwatch_alarm,
}


class DeployError(RuntimeError):
    """A resource could not be created; the message names it."""


def _parameter_values(
    template: dict[str, Any], overrides: dict[str, str], warn: Callable[[str], None]
) -> dict:
    declared = template.get("Parameters", {}) or {}
    for name in overrides:
        if name not in declared:
            warn(f"parameter override {name!r} is not declared in the template; ignored")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in overrides:
            value: Any = overrides[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            raise DeployError(f"parameter {name!r} has no Default and no override")
        allowed = spec.get("AllowedValues")
        if allowed is not None and str(value) not in map(str, allowed):
            raise DeployError(f"parameter {name!r}: {value!r} is not one of {allowed}")
        kind = str(spec.get("Type", "String"))
        if kind.startswith("AWS::SSM::Parameter::Value<"):
            warn(f"parameter {name!r} ({kind}): not read from SSM offline; the parameter name is used as is")
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            value = value if isinstance(value, list) else [v.strip() for v in str(value).split(",")]
        else:
            value = str(value)
        values[name] = value
    return values


def creation_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids in dependency order (DependsOn and implicit references), template order otherwise."""
    known = set(resources)
    position = {name: i for i, name in enumerate(resources)}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn", [])
        depends = {depends} if isinstance(depends, str) else set(depends)
        deps = references(resource.get("Properties", {}), known) | (depends & known)
        sorter.add(logical_id, *(deps - {logical_id}))
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        raise DeployError(f"circular dependency between resources: {exc.args[1]}") from exc
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=position.__getitem__)
        order.extend(ready)
        sorter.done(*ready)
    return order


def _pseudo_parameters(stack_name: str, region: str) -> dict[str, Any]:
    partition = "aws"
    if region.startswith("cn-"):
        partition = "aws-cn"
    elif region.startswith("us-gov-"):
        partition = "aws-us-gov"
    return {
        "AWS::Region": region,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::StackName": stack_name,
        "AWS::StackId": f"arn:{partition}:cloudformation:{region}:{ACCOUNT_ID}:stack/{stack_name}/local",
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        "AWS::NotificationARNs": [],
    }


def _outputs(declared: dict[str, Any], resolver: Resolver, left_out: set[str]) -> dict[str, str]:
    outputs = {}
    for name, output in declared.items():
        if "Condition" in output and not resolver.condition(output["Condition"]):
            continue
        if references(output["Value"], left_out):
            continue  # a lean deploy's: the output names a resource it did not create
        value = resolver.resolve(output["Value"])
        outputs[name] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return outputs


def deploy(
    template_path: Path,
    endpoint_url: str,
    *,
    stack_name: str = "lockgate-local",
    region: str = "us-east-1",
    parameter_overrides: dict[str, str] | None = None,
    warn: Callable[[str], None] = print,
    lean: Collection[str] | None = None,
) -> DeployedStack:
    """Create every resource of the SAM template at `template_path` in the endpoint; return what exists.

    With `lean` (logical ids, or names of Outputs), only those resources and what they need
    (`lean.lean_resources`); references to the others resolve to placeholders, without a warning,
    and outputs naming them are left out."""
    template_path = Path(template_path).resolve()
    pseudo = _pseudo_parameters(stack_name, region)
    partition = pseudo["AWS::Partition"]
    sam_template = load_template(template_path)
    parameters = _parameter_values(sam_template, parameter_overrides or {}, warn)
    localized, artifacts = localize_artifacts(sam_template, template_path.parent)
    template = translate(localized, {**parameters, **pseudo})

    skipped: list[str] = []
    skipped_ids: set[str] = set()
    warned_refs: set[str] = set()
    left_out: set[str] = set()

    def placeholder(name: str, attribute: str | None) -> str:
        target = f"{name}.{attribute}" if attribute else name
        if name not in skipped_ids and name not in left_out:  # a typo or a false Condition: an error
            raise IntrinsicError(f"unresolvable reference {target!r}")
        if name in skipped_ids and target not in warned_refs:
            warned_refs.add(target)
            warn(f"reference to {target} resolves to a placeholder: the resource was not created offline")
        if attribute in ("Arn", None):
            return f"arn:{partition}:lockgate-placeholder:{region}:{ACCOUNT_ID}:{name}"
        return f"lockgate-placeholder-{name}"

    resolver = Resolver(
        parameters=parameters,
        pseudo=pseudo,
        mappings=template.get("Mappings", {}) or {},
        condition_defs=template.get("Conditions", {}) or {},
        placeholder=placeholder,
    )
    ctx = Context(
        client=Clients(endpoint_url, region),
        stack_name=stack_name,
        region=region,
        account_id=ACCOUNT_ID,
        partition=partition,
        artifacts=artifacts,
        warn=warn,
    )
    resources = {
        logical_id: resource
        for logical_id, resource in template.get("Resources", {}).items()
        if "Condition" not in resource or resolver.condition(resource["Condition"])
    }
    if lean is not None:
        declared = template.get("Outputs", {}) or {}
        roots = {name for name in lean if name not in declared}
        roots |= references([declared[name]["Value"] for name in lean if name in declared], set(resources))
        if missing := sorted(roots - set(resources)):
            raise DeployError(f"{', '.join(missing)}: not in {template_path.name}, or its Condition is false")
        kept = lean_resources(resources, roots)
        left_out = set(resources) - kept
        resources = {logical_id: resource for logical_id, resource in resources.items() if logical_id in kept}
    for logical_id in creation_order(resources):
        resource = resources[logical_id]
        resource_type = resource["Type"]
        creator = CREATORS.get(resource_type)
        if creator is None:
            reason = "not supported offline"
            warn(f"skipped {logical_id} ({resource_type}): {reason}")
            skipped.append(f"{logical_id} ({resource_type}): {reason}")
            skipped_ids.add(logical_id)
            continue
        try:
            properties = resolver.resolve(resource.get("Properties", {}))
            physical_id, attributes = creator(ctx, logical_id, properties)
        except Exception as exc:
            raise DeployError(f"cannot create {logical_id} ({resource_type}): {exc}") from exc
        resolver.resources[logical_id] = PhysicalResource(logical_id, resource_type, physical_id, attributes)

    outputs = _outputs(template.get("Outputs", {}) or {}, resolver, left_out)
    return DeployedStack(
        stack_name=stack_name,
        region=region,
        account_id=ACCOUNT_ID,
        parameters={k: ",".join(v) if isinstance(v, list) else v for k, v in parameters.items()},
        resources=dict(resolver.resources),
        outputs=outputs,
        functions=dict(ctx.functions),
        state_machines={
            r.logical_id: r.physical_id
            for r in resolver.resources.values()
            if r.type == "AWS::StepFunctions::StateMachine"
        },
        skipped=skipped,
    )

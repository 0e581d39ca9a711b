"""A function as deployed in a running local cloud (`lockgate up`), found by its logical id.

What `lockgate invoke --endpoint-url` runs, as `sam local invoke --env-vars` does against a deployed
stack: the handler, timeout, memory, role and environment (resource names and ARNs) come from the
function the endpoint holds (found by the `aws:cloudformation:logical-id` tag the deployer puts on
it, as CloudFormation does); the code and layer directories from the template, on this machine.
Nothing is translated or deployed: a template read and two API calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lockgate.local.deployer.context import LOGICAL_ID_TAG, Clients
from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.deployer.template import load_template

REGION = "us-east-1"  # the local cloud's
LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")


class NotDeployed(LookupError):
    """The endpoint holds no function with that logical id (not a `lockgate up` of this template)."""


def _local_dirs(template: dict[str, Any], template_dir: Path, logical_id: str) -> tuple[Path, list[Path]]:
    """The function's CodeUri directory and its local layers' directories, from the template."""
    resources = template.get("Resources", {})
    defaults = template.get("Globals", {}).get("Function", {})
    props = resources[logical_id].get("Properties", {})
    code_uri = props.get("CodeUri", defaults.get("CodeUri", "."))
    if not isinstance(code_uri, str):
        raise NotDeployed(f"{logical_id}: CodeUri is not a local directory; not runnable offline")
    layers = []
    for ref in [*defaults.get("Layers", []), *props.get("Layers", [])]:
        layer = resources.get(ref.get("Ref", "")) if isinstance(ref, dict) else None
        if layer and layer.get("Type") in LAYER_TYPES:
            content = layer.get("Properties", {}).get("ContentUri")
            if isinstance(content, str):
                layers.append((template_dir / content).resolve())
    return (template_dir / code_uri).resolve(), layers


def deployed_function(template_path: Path, logical_id: str, endpoint_url: str) -> FunctionConfig:
    """The function `logical_id` of the template as the local cloud at `endpoint_url` deployed it."""
    template_path = Path(template_path).resolve()
    code_dir, layer_dirs = _local_dirs(load_template(template_path), template_path.parent, logical_id)
    clients = Clients(endpoint_url, REGION)
    found = clients("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": LOGICAL_ID_TAG, "Values": [logical_id]}], ResourceTypeFilters=["lambda:function"]
    )["ResourceTagMappingList"]
    if not found:
        raise NotDeployed(
            f"{endpoint_url} holds no function {logical_id}: is it a `lockgate up` of this template?"
        )
    config = clients("lambda").get_function_configuration(FunctionName=found[0]["ResourceARN"])
    return FunctionConfig(
        logical_id=logical_id,
        name=config["FunctionName"],
        arn=config["FunctionArn"],
        handler=config["Handler"],
        code_dir=code_dir,
        runtime=config.get("Runtime", "python3.13"),
        timeout=int(config.get("Timeout", 3)),
        memory_mb=int(config.get("MemorySize", 128)),
        environment=dict(config.get("Environment", {}).get("Variables", {})),
        layer_dirs=tuple(layer_dirs),
        log_group=config.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{config['FunctionName']}",
        role_arn=config.get("Role", ""),
        dead_letter_arn=config.get("DeadLetterConfig", {}).get("TargetArn", ""),
    )

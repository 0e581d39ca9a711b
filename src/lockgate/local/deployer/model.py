"""What the offline deployer hands to the rest of the local cloud."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class AsyncInvokeConfig:
    """A function's EventInvokeConfig; the defaults are Lambda's (2 retries, 6 hours, no destinations)."""

    maximum_retry_attempts: int = 2
    maximum_event_age_s: int = 21_600
    on_failure: str = ""  # destination ARN (SQS, SNS, Lambda, EventBridge bus)
    on_success: str = ""


@dataclass(frozen=True)
class FunctionConfig:
    """One Lambda function as the template defines it, intrinsics resolved, Globals merged."""

    logical_id: str
    name: str  # physical FunctionName
    arn: str
    handler: str  # "app.lambda_handler"
    code_dir: Path  # absolute path of the CodeUri directory
    runtime: str = "python3.13"
    timeout: int = 3  # seconds, as on AWS
    memory_mb: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    layer_dirs: tuple[Path, ...] = ()  # absolute paths of layer ContentUri directories
    log_group: str = ""  # "/aws/lambda/<name>"
    role_arn: str = ""  # the execution role: the function's AWS calls are made with its credentials
    dead_letter_arn: str = ""  # DeadLetterConfig.TargetArn (SQS queue or SNS topic)
    async_config: AsyncInvokeConfig = field(default_factory=AsyncInvokeConfig)


@dataclass(frozen=True)
class PhysicalResource:
    """A created resource: its physical id and the attributes GetAtt can read."""

    logical_id: str
    type: str
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class DeployedStack:
    """The result of deploying template.yaml into the local endpoint."""

    stack_name: str
    region: str
    account_id: str
    parameters: dict[str, str]
    resources: dict[str, PhysicalResource]
    outputs: dict[str, str]
    functions: dict[str, FunctionConfig]  # by logical id
    state_machines: dict[str, str]  # logical id -> ARN
    skipped: list[str] = field(default_factory=list)  # "LogicalId (Type): reason"

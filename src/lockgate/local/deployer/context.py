"""What resource creators share: cached boto3 clients, naming, ARNs, artifacts and collected output."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from lockgate.local.deployer.model import FunctionConfig
from lockgate.local.deployer.template import Artifacts

_CLIENT_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)

LOGICAL_ID_TAG = "aws:cloudformation:logical-id"  # as CloudFormation tags the resources it creates
STACK_NAME_TAG = "aws:cloudformation:stack-name"


class Clients:
    """One boto3 session against the local endpoint, one client per service (client creation is slow)."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        self._session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )
        self._endpoint_url = endpoint_url
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(
                service, endpoint_url=self._endpoint_url, config=_CLIENT_CONFIG
            )
        return self._clients[service]


@dataclass
class Context:
    """The deployment in progress, as resource creators see it."""

    client: Clients
    stack_name: str
    region: str
    account_id: str
    partition: str
    artifacts: Artifacts
    warn: Callable[[str], None]
    functions: dict[str, FunctionConfig] = field(default_factory=dict)
    layer_dirs: dict[str, Path] = field(default_factory=dict)  # layer version ARN -> local dir

    def name(self, logical_id: str, max_len: int = 64, *, lower: bool = False, sep: str = "-") -> str:
        """A CloudFormation-style generated name: <stack>-<LogicalId>-<hash>, cut to `max_len`."""
        digest = hashlib.sha1(f"{self.stack_name}/{logical_id}".encode()).hexdigest()[:12].upper()
        head = f"{self.stack_name}{sep}{logical_id}"[: max_len - len(digest) - 1]
        name = f"{head}{sep}{digest}"
        return name.lower() if lower else name

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        region_part = self.region if region else ""
        account_part = self.account_id if account else ""
        return f"arn:{self.partition}:{service}:{region_part}:{account_part}:{resource}"


def tag_list(tags: Any, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    """CloudFormation tags (a list of {Key, Value} or a plain dict) as a list with the given key names."""
    items = tags.items() if isinstance(tags, dict) else [(t["Key"], t["Value"]) for t in tags or []]
    return [{key: str(k), value: str(v)} for k, v in items]


def pick(props: dict[str, Any], *names: str) -> dict[str, Any]:
    """The listed properties that are present."""
    return {n: props[n] for n in names if n in props}

"""`lockgate up --env-vars`: the file `sam local invoke --env-vars` reads, pointing at this cloud."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from lockgate.commands.up import write_sam_env_vars
from lockgate.local.deployer.model import DeployedStack, FunctionConfig


def _function(logical_id: str, environment: dict[str, str]) -> FunctionConfig:
    return FunctionConfig(
        logical_id, f"fn-{logical_id}", f"arn:{logical_id}", "app.h", Path("."), environment=environment
    )


def test_every_function_gets_its_deployed_environment_and_the_endpoint(tmp_path: Path) -> None:
    stack = DeployedStack(
        "s", "us-east-1", "123456789012", {}, {}, {},
        {"A": _function("A", {"DATA_BUCKET": "b-1"}), "B": _function("B", {})},
        {},
    )  # fmt: skip

    class Cloud:
        port = 4567

    cloud: Any = Cloud()
    cloud.stack = stack
    target = tmp_path / "env.json"
    write_sam_env_vars(cast(Any, cloud), target)
    assert json.loads(target.read_text()) == {
        "A": {"DATA_BUCKET": "b-1", "AWS_ENDPOINT_URL": "http://host.docker.internal:4567"},
        "B": {"AWS_ENDPOINT_URL": "http://host.docker.internal:4567"},
    }

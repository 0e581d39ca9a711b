"""The environment of a worker process, built as Lambda builds an execution environment's.

A few basics of this process (PATH, HOME, LANG, ...; never its AWS_* credentials), then the function's
variables, then Lambda's reserved variables with AWS_ENDPOINT_URL pointing at the local endpoint and the
function's credentials; AWS_SAM_LOCAL=true unless the function sets it, as `sam local invoke` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from lockgate.local.deployer.model import FunctionConfig

# What the offline runtime changes for every function: no X-Ray daemon runs here.
LOCAL_FUNCTION_ENV = {"POWERTOOLS_TRACE_DISABLED": "true"}
BASIC_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PYTHONPATH", "SSL_CERT_FILE")


@dataclass(frozen=True)
class SessionCredentials:
    """What the runtime puts in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN."""

    access_key_id: str = "testing"
    secret_access_key: str = "testing"
    session_token: str = "testing"


def log_group_of(config: FunctionConfig) -> str:
    """The function's log group: its LoggingConfig's, else /aws/lambda/<name>."""
    return config.log_group or f"/aws/lambda/{config.name}"


def function_environment(
    config: FunctionConfig,
    *,
    endpoint_url: str,
    region: str,
    log_stream: str,
    credentials: SessionCredentials | None = None,
) -> dict[str, str]:
    """Every variable of one worker process of `config`."""
    creds = credentials or SessionCredentials()
    env = {key: os.environ[key] for key in BASIC_ENV if key in os.environ}
    env["AWS_SAM_LOCAL"] = "true"
    env |= config.environment
    env |= {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "AWS_SESSION_TOKEN": creds.session_token,
        "AWS_CONFIG_FILE": os.devnull,  # nothing from ~/.aws can point a handler at real AWS
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group_of(config),
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
        "_HANDLER": config.handler,
        "LAMBDA_TASK_ROOT": str(config.code_dir),
        "TZ": ":UTC",
    }
    return env

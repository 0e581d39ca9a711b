"""boto3 clients for a running local cloud (`lockgate up`), without importing the cloud itself.

Light on purpose: commands that only talk to an endpoint (`lockgate console`, ...) import this,
not `lockgate.local.cloud` (moto, the twins). `lockgate.local.cloud` re-exports these names."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def client_for(service: str, endpoint_url: str, read_timeout: int = 900) -> Any:
    """A boto3 client for the local endpoint (no retries hide errors; generous read timeout)."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1}, read_timeout=read_timeout),
    )  # type: ignore[call-overload]

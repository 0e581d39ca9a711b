"""An in-process moto server (the local cloud's, lockgate.local.server) for the deployer tests (one per
test session)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from lockgate.local.server import LocalServer

REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The URL of a moto server on 127.0.0.1 (a free port)."""
    server = LocalServer("127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.start()}"
    server.stop()


@pytest.fixture(scope="session")
def aws(moto_endpoint: str) -> Callable[[str], Any]:
    """A boto3 client factory for the moto endpoint, one client per service."""
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(service, endpoint_url=moto_endpoint)
        return clients[service]

    return client

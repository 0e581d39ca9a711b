"""The demo's deploy part runs whole: first model to production, faulty second model rolled back."""

from __future__ import annotations

import pytest

from lockgate.commands.demo_deploy import run_deploy_demo
from lockgate.deployment.names import endpoint_name

pytestmark = pytest.mark.integration


def test_deploy_demo_part(pipeline) -> None:  # type: ignore[no-untyped-def]
    timings = run_deploy_demo(pipeline.cloud, dataset="demo")
    assert timings["split"]["canary (5XX)"] >= 1 and timings["split"]["first model (ok)"] >= 1
    sm = pipeline.cloud.client("sagemaker")
    prod = sm.describe_endpoint(EndpointName=endpoint_name("dev", "demo", "prod"))
    assert prod["EndpointStatus"] == "InService" and "-v1-" in prod["EndpointConfigName"]

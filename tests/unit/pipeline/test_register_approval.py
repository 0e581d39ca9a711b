"""The register step when the approval update fails after the package exists: the intended status
and its reasons are on the package from the start, the error says what happened and what to do,
and a retry of the step finishes the approval (not "already registered" on a reasonless package)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lockgate.errors import ApprovalNotRecorded, TransientError
from lockgate.lineage import Node
from lockgate.messages.train import RegisterModelInput
from lockgate.names import split_uri
from lockgate.pipeline.register import Registrar
from lockgate.registry.gates import APPROVED, PENDING
from lockgate.sagemaker_ports import PackageInfo

REPO = Path(__file__).resolve().parents[3]
DATA, ARTIFACTS = "data", "artifacts"
EVENT = REPO / "events" / "register_model_rejected.json"


class FakeRegistry:
    """Packages in a dict; `fail_updates` makes the next UpdateModelPackage calls raise."""

    def __init__(self) -> None:
        self.packages: dict[str, dict[str, Any]] = {}
        self.fail_updates: list[Exception] = []
        self.updates = 0

    def ensure_group(self, name: str, description: str) -> None:
        pass

    def latest_approved(self, group: str) -> PackageInfo | None:
        return None

    def find(self, group: str, metadata: dict[str, str]) -> PackageInfo | None:
        for arn, package in reversed(self.packages.items()):
            if all(package["metadata"].get(k) == v for k, v in metadata.items()):
                return self._info(arn)
        return None

    def _info(self, arn: str) -> PackageInfo:
        package = self.packages[arn]
        return PackageInfo(
            arn=arn,
            status=package["status"],
            metadata=dict(package["metadata"]),
            approval_description=package["description"],
        )

    def create(self, request: dict[str, Any]) -> str:
        arn = f"arn:aws:sagemaker:us-east-1:123456789012:model-package/g/{len(self.packages) + 1}"
        self.packages[arn] = {
            "status": request["ModelApprovalStatus"],
            "metadata": dict(request["CustomerMetadataProperties"]),
            "description": "",
        }
        return arn

    def set_approval(self, arn: str, status: str, description: str) -> None:
        self.updates += 1
        if self.fail_updates:
            raise self.fail_updates.pop(0)
        self.packages[arn].update(status=status, description=description)


class FakeLineage:
    def __init__(self) -> None:
        self.edges: set[tuple[str, str]] = set()

    def link(self, parent: Node, child: Node, **attrs: str) -> None:
        self.edges.add((parent.key, child.key))


def _setup(store: Any, auto_approve: bool) -> tuple[Registrar, FakeRegistry, FakeLineage, RegisterModelInput]:
    contract = (REPO / "contracts" / "credit.yaml").read_text()
    contract = contract.replace("auto_approve: false", f"auto_approve: {str(auto_approve).lower()}")
    store.put(DATA, "contracts/credit.yaml", contract.encode())
    payload = json.loads(EVENT.read_text())
    payload["dataset"] = "credit"
    request = RegisterModelInput.model_validate(payload)
    metrics = {"binary_classification_metrics": {"auc": {"value": 0.9}, "accuracy": {"value": 0.9}}}
    bucket, key = split_uri(request.evaluation)
    store.put(bucket, key, json.dumps(metrics).encode())
    registry, lineage = FakeRegistry(), FakeLineage()
    registrar = Registrar(store, registry, lineage, DATA, "dev", "image:1")
    return registrar, registry, lineage, request


def test_the_package_carries_its_intended_status_and_reasons_from_creation(store: Any) -> None:
    registrar, registry, _, request = _setup(store, auto_approve=True)
    registry.fail_updates.append(RuntimeError("AccessDeniedException: sagemaker:UpdateModelPackage"))
    with pytest.raises(ApprovalNotRecorded):
        registrar.register(request)
    (package,) = registry.packages.values()
    assert package["status"] == PENDING  # the update did not land ...
    assert package["metadata"]["approvalStatus"] == APPROVED  # ... but what was decided is recorded
    assert package["metadata"]["approvalReasons"].startswith("auto-approved")


def test_a_failed_update_is_a_clear_error_naming_the_package_and_the_fix(store: Any) -> None:
    registrar, registry, _, request = _setup(store, auto_approve=False)
    registry.fail_updates.append(RuntimeError("AccessDeniedException"))
    with pytest.raises(ApprovalNotRecorded) as raised:
        registrar.register(request)
    message = str(raised.value)
    (arn,) = registry.packages
    assert arn in message and PENDING in message and "AccessDeniedException" in message
    assert f"lockgate approve|reject {arn}" in message
    assert raised.value.package_arn == arn and raised.value.status == PENDING


def test_a_transient_update_failure_stays_transient_for_the_state_machine_retry(store: Any) -> None:
    registrar, registry, _, request = _setup(store, auto_approve=True)
    registry.fail_updates.append(TransientError("ThrottlingException"))
    with pytest.raises(TransientError):
        registrar.register(request)


@pytest.mark.parametrize("failure", [TransientError("ThrottlingException"), RuntimeError("AccessDenied")])
def test_a_retry_finishes_the_approval_and_the_lineage(store: Any, failure: Exception) -> None:
    registrar, registry, lineage, request = _setup(store, auto_approve=True)
    registry.fail_updates.append(failure)
    with pytest.raises((TransientError, ApprovalNotRecorded)):
        registrar.register(request)
    assert not lineage.edges
    out = registrar.register(request)  # the state machine's retry, or the run started again
    ((arn, package),) = registry.packages.items()  # still one package
    assert package["status"] == APPROVED and package["description"].startswith("auto-approved")
    assert out.package_arn == arn and out.approval_status == APPROVED
    assert out.approval_description == package["description"]
    assert (Node(kind="transform-job", id=request.transform_job).key, f"model-package#{arn}") in lineage.edges


def test_a_registered_package_is_returned_as_it_is(store: Any) -> None:
    registrar, registry, _, request = _setup(store, auto_approve=False)
    first = registrar.register(request)
    updates = registry.updates
    again = registrar.register(request)
    assert again.already_registered and again.package_arn == first.package_arn
    assert again.approval_status == PENDING and registry.updates == updates  # nothing sent again


def test_a_persons_answer_is_never_overwritten_by_a_retry(store: Any) -> None:
    registrar, registry, _, request = _setup(store, auto_approve=True)
    registry.fail_updates.append(RuntimeError("AccessDenied"))
    with pytest.raises(ApprovalNotRecorded):
        registrar.register(request)
    (arn,) = registry.packages
    registry.packages[arn].update(status="Rejected", description="rejected by a person")
    out = registrar.register(request)
    assert registry.packages[arn]["status"] == "Rejected" and out.approval_status == "Rejected"

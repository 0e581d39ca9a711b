"""RecordDeployment of a restore (a live package was rejected): lineage, event and message say who
and why, and name both packages."""

from __future__ import annotations

from typing import Any

from lockgate.deployment import service
from lockgate.messages.deploy import RecordRequest

G = "arn:aws:sagemaker:us-east-1:1:model-package/lockgate-dev-credit"


class Fakes:
    def __init__(self) -> None:
        self.links: list[tuple[str, str, dict[str, str]]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.messages: list[tuple[str, str]] = []
        self.tags: dict[str, dict[str, str]] = {}
        self.notes: dict[str, str] = {}

    def link(self, parent: str, child: str, **attrs: str) -> None:
        self.links.append((parent, child, attrs))

    def put(self, detail_type: str, detail: dict[str, Any], resources: list[str]) -> None:
        self.events.append((detail_type, detail))

    def publish(self, subject: str, message: str) -> str:
        self.messages.append((subject, message))
        return "m"

    def set_tags(self, name: str, tags: dict[str, str]) -> None:
        self.tags.setdefault(name, {}).update(tags)

    def note_package(self, arn: str, note: str) -> None:
        self.notes[arn] = note


def test_a_restore_records_the_rejected_package_and_tells_people_who_and_why() -> None:
    fakes = Fakes()
    request = RecordRequest.model_validate(
        {
            "packageArn": f"{G}/1",
            "dataset": "credit",
            "endpoint": "lockgate-dev-credit",
            "config": "cfg-1",
            "execution": "arn:run",
            "outcome": "deployed",
            "reason": "live package v2 was rejected: restoring approved v1 (rejected by ann: drift)",
            "variants": [],
            "restore": True,
            "replaces": f"{G}/2",
        }
    )
    result = service.record(request, fakes, fakes, fakes, fakes, endpoints=fakes)  # type: ignore[arg-type]
    assert result.outcome == "restored"
    outcomes = {(parent, child): attrs["outcome"] for parent, child, attrs in fakes.links}
    assert outcomes[(f"model-package#{G}/1", "deploy-run#arn:run")] == "restored"
    assert outcomes[(f"model-package#{G}/2", "deploy-run#arn:run")] == "rejected"
    assert fakes.tags["lockgate-dev-credit"]["lockgate:package"] == f"{G}/1"
    [(subject, message)] = fakes.messages
    assert "restored" in subject and f"{G}/1" in message and f"{G}/2" in message and "ann" in message
    assert fakes.events[0][1]["outcome"] == "restored"


def test_an_ordinary_deploy_sends_no_restore_message() -> None:
    fakes = Fakes()
    request = RecordRequest(
        package_arn=f"{G}/3",
        dataset="credit",
        endpoint="lockgate-dev-credit",
        config="cfg-3",
        execution="arn:run3",
        outcome="deployed",
        replaces=f"{G}/3",
    )
    assert service.record(request, fakes, fakes, fakes, fakes, endpoints=fakes).outcome == "deployed"  # type: ignore[arg-type]
    assert fakes.messages == [] and len(fakes.links) == 3

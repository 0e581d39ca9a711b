"""The register step: the evaluation gate against the contract and the latest Approved package,
then (when it passes) the model package, its approval status by the contract's policy, and the
lineage record. Idempotent: a package already registered for this version and training job is
returned as it is (the same DatasetVersionCreated twice gives one package).

The package is created PendingManualApproval with the decided status and reasons in its metadata
(`approvalStatus`, `approvalReasons`), then one UpdateModelPackage sets them. When that update
fails the package is not left mute: the error is ApprovalNotRecorded (TransientError stays itself
for the state machine's retry), and a retry finds the package still Pending without a description
and finishes the approval and the lineage from its metadata. A person's answer is never overwritten."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

from lockgate.errors import ApprovalNotRecorded, TransientError
from lockgate.evaluation.model_quality import metric_values
from lockgate.lineage import Node
from lockgate.messages.base import JsonObject
from lockgate.messages.package import PackageMetadata
from lockgate.messages.train import RegisterModelInput, RegisterModelOutput
from lockgate.names import group_name, split_uri
from lockgate.pipeline.contracts import dataset_contract
from lockgate.pipeline.ports import ObjectStore
from lockgate.registry.gates import PENDING, approval, evaluation_gate
from lockgate.registry.package import create_request
from lockgate.sagemaker_ports import PackageInfo, Registry


class Lineage(Protocol):
    """What the step needs from the lineage table (lockgate.adapters.dynamodb.LineageTable)."""

    def link(self, parent: Node, child: Node, **attrs: str) -> None: ...


@dataclass
class Registrar:
    """Gates and registers one trained model."""

    store: ObjectStore
    registry: Registry
    lineage: Lineage
    data_bucket: str
    environment: str
    image: str
    encoder_image: str = ""  # the scikit-learn container that runs the encoder ("" = numeric only)

    def register(self, request: RegisterModelInput) -> RegisterModelOutput:
        """The gate's verdict; the package when it passed."""
        contract = dataset_contract(self.store, self.data_bucket, request.dataset)
        group = group_name(self.environment, request.dataset)
        self.registry.ensure_group(group, f"Lockgate models of dataset {request.dataset}")
        existing = self.registry.find(
            group,
            PackageMetadata.query(dataset_version=request.version, training_job=request.model.training_job),
        )
        if existing is not None and _unfinished(existing):
            intended = PackageMetadata.from_properties(existing.metadata)
            reasons = [intended.approval_reasons] if intended.approval_reasons else []
            return self._finish(request, existing.arn, group, intended.approval_status, reasons)
        if existing is not None:
            return RegisterModelOutput(
                verdict="pass",
                reasons=["already registered for this version and training job"],
                package_group=group,
                package_arn=existing.arn,
                approval_status=existing.status,
                already_registered=True,
            )
        metrics = metric_values(self._json(request.evaluation))
        baseline = self.registry.latest_approved(group)
        baseline_metrics = (
            metric_values(self._json(baseline.model_quality_uri))
            if baseline and baseline.model_quality_uri
            else None
        )
        gate = evaluation_gate(
            metrics, contract.evaluation, baseline_metrics, baseline.arn if baseline else None
        )
        if gate.verdict == "fail":
            return RegisterModelOutput(
                verdict="fail",
                reasons=gate.reasons,
                package_group=group,
                baseline=baseline.arn if baseline else None,
            )
        status, reasons = approval(
            contract.approval, gate, request.bias_pre.verdict, request.bias_post.verdict, metrics
        )
        described = reasons + gate.notes
        arn = self.registry.create(
            create_request(
                request,
                group,
                self.image,
                status=status,
                reasons="; ".join(described),
                encoder_image=self.encoder_image,
            )
        )
        return self._finish(
            request, arn, group, status, described, baseline=baseline.arn if baseline else None
        )

    def _finish(
        self,
        request: RegisterModelInput,
        arn: str,
        group: str,
        status: str,
        reasons: list[str],
        *,
        baseline: str | None = None,
    ) -> RegisterModelOutput:
        """Set the decided status and reasons on the package, then the lineage record."""
        description = "; ".join(reasons)
        try:
            self.registry.set_approval(arn, status, description)
        except TransientError:
            raise
        except Exception as error:  # any other failure: say which package waits, and how to finish it
            raise ApprovalNotRecorded(arn, status, f"{type(error).__name__}: {error}") from error
        self._record(request, arn)
        return RegisterModelOutput(
            verdict="pass",
            reasons=reasons,
            package_group=group,
            package_arn=arn,
            approval_status=status,
            approval_description=description,
            baseline=baseline,
        )

    def _json(self, uri: str) -> JsonObject:  # a report's JSON (evaluation.json, analysis.json)
        return dict(json.loads(self.store.read(*split_uri(uri))))

    def _record(self, request: RegisterModelInput, package_arn: str) -> None:
        execution = Node(kind="execution", id=request.execution)
        version = Node(kind="version", id=request.version)
        training = Node(kind="training-job", id=request.model.training_job)
        transform = Node(kind="transform-job", id=request.transform_job)
        package = Node(kind="model-package", id=package_arn)
        self.lineage.link(Node(kind="dataset", id=request.dataset), version)
        self.lineage.link(version, execution, dataset=request.dataset)
        if request.model.tuning_job:
            tuning = Node(kind="tuning-job", id=request.model.tuning_job)
            self.lineage.link(execution, tuning)
            self.lineage.link(tuning, training, role="best training job")
        else:
            self.lineage.link(execution, training)
        self.lineage.link(training, transform)
        self.lineage.link(transform, package, model=request.model.model_data_url)


def _unfinished(package: PackageInfo) -> bool:
    """Created by an attempt whose approval update never landed (and no person has answered)."""
    return (
        package.status == PENDING
        and not package.approval_description
        and bool(PackageMetadata.from_properties(package.metadata).approval_status)
    )

"""The CreateModelPackage request of a trained model, as docs/packages.md describes it:
InferenceSpecification (an inference pipeline that takes raw records when the run wrote an encoder
artifact: encoder -> XGBoost -> encoder, `lockgate.serving.artifact.package_containers`; else the
XGBoost image alone on the training job's model.tar.gz, numeric text/csv), ModelMetrics
(ModelQuality from evaluation.json, Bias from both analysis.json), CustomerMetadataProperties."""

from __future__ import annotations

from typing import Any

from lockgate.messages.train import RegisterModelInput
from lockgate.serving.artifact import package_containers

JSON = "application/json"
APPROVAL_STATUS, APPROVAL_REASONS = "approvalStatus", "approvalReasons"  # decided at registration
METADATA_VALUE_MAX = 256  # CustomerMetadataProperties: a value is at most 256 characters


def metadata(request: RegisterModelInput, status: str, reasons: str) -> dict[str, str]:
    """CustomerMetadataProperties (all strings), with the approval status and reasons decided at
    registration (so a package whose approval update failed still says what was meant)."""
    values = {
        "dataset": request.dataset,
        "version": request.version,
        "execution": request.execution,
        "trainingJob": request.model.training_job,
        "transformJob": request.transform_job,
        "testData": request.test_data,
        "predictions": request.predictions,
        "testLabels": request.test_labels,
        "evaluation": request.evaluation,
        "evaluationReport": request.evaluation_report,
        "biasPre": request.bias_pre.analysis,
        "biasPost": request.bias_post.analysis,
        "biasPreVerdict": request.bias_pre.verdict,
        "biasPostVerdict": request.bias_post.verdict,
        "autoApproved": "true" if status == "Approved" else "false",
        APPROVAL_STATUS: status,
        APPROVAL_REASONS: _clip(reasons),
    }
    if request.model.tuning_job:
        values["tuningJob"] = request.model.tuning_job
    if request.encoder:
        values["encoder"] = request.encoder
    return values


def _clip(text: str) -> str:
    return text if len(text) <= METADATA_VALUE_MAX else text[: METADATA_VALUE_MAX - 1] + "…"


def create_request(
    request: RegisterModelInput,
    group: str,
    image: str,
    *,
    status: str,
    reasons: str,
    encoder_image: str = "",
) -> dict[str, Any]:
    """The CreateModelPackage parameters. The package is created PendingManualApproval; the
    register step then sets the decided `status` with its `reasons` (ApprovalDescription), one
    UpdateModelPackage, so an auto-approval is one "Approved" state change as a person's is."""
    return {
        "ModelPackageGroupName": group,
        "ModelPackageDescription": (
            f"{request.dataset} {request.version[:12]} from {request.model.training_job}"
        ),
        "InferenceSpecification": _inference(request, image, encoder_image),
        "ModelMetrics": {
            "ModelQuality": {"Statistics": {"ContentType": JSON, "S3Uri": request.evaluation}},
            "Bias": {
                "PreTrainingReport": {"ContentType": JSON, "S3Uri": request.bias_pre.analysis},
                "PostTrainingReport": {"ContentType": JSON, "S3Uri": request.bias_post.analysis},
            },
        },
        "ModelApprovalStatus": "PendingManualApproval",
        "CustomerMetadataProperties": metadata(request, status, reasons),
        "Tags": [{"Key": "lockgate:dataset", "Value": request.dataset}],
    }


def _inference(request: RegisterModelInput, image: str, encoder_image: str) -> dict[str, Any]:
    """Raw records in (the encoder pipeline) when the run wrote an encoder and an image serves it."""
    if request.encoder and encoder_image:
        return {
            "Containers": package_containers(
                request.encoder, encoder_image, image, request.model.model_data_url
            ),
            "SupportedContentTypes": ["text/csv", "application/json"],
            "SupportedResponseMIMETypes": ["text/csv", "application/json"],
        }
    return {
        "Containers": [{"Image": image, "ModelDataUrl": request.model.model_data_url}],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"],
    }

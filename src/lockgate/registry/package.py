"""The CreateModelPackage request of a trained model, as docs/packages.md describes it:
InferenceSpecification (an inference pipeline that takes raw records when the run wrote an encoder
artifact: encoder -> XGBoost -> encoder, `lockgate.serving.artifact.package_containers`; else the
XGBoost image alone on the training job's model.tar.gz, numeric text/csv), ModelMetrics
(ModelQuality from evaluation.json, Bias from both analysis.json), CustomerMetadataProperties
(`lockgate.messages.package.PackageMetadata`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lockgate.messages.package import PackageMetadata
from lockgate.messages.train import RegisterModelInput
from lockgate.serving.artifact import package_containers

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import (
        CreateModelPackageInputTypeDef,
        InferenceSpecificationTypeDef,
    )

JSON = "application/json"


def metadata(request: RegisterModelInput, status: str, reasons: str) -> PackageMetadata:
    """The package's metadata, with the approval status and reasons decided at registration (so a
    package whose approval update failed still says what was meant)."""
    return PackageMetadata(
        dataset=request.dataset,
        dataset_version=request.version,
        execution=request.execution,
        training_job=request.model.training_job,
        transform_job=request.transform_job,
        test_data=request.test_data,
        predictions=request.predictions,
        test_labels=request.test_labels,
        evaluation=request.evaluation,
        evaluation_report=request.evaluation_report,
        bias_pre=request.bias_pre.analysis,
        bias_post=request.bias_post.analysis,
        bias_pre_verdict=request.bias_pre.verdict,
        bias_post_verdict=request.bias_post.verdict,
        auto_approved=status == "Approved",
        approval_status=status,
        approval_reasons=reasons,
        tuning_job=request.model.tuning_job or "",
        encoder=request.encoder or "",
    )


def create_request(
    request: RegisterModelInput,
    group: str,
    image: str,
    *,
    status: str,
    reasons: str,
    encoder_image: str = "",
) -> CreateModelPackageInputTypeDef:
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
        "CustomerMetadataProperties": metadata(request, status, reasons).to_properties(),
        "Tags": [{"Key": "lockgate:dataset", "Value": request.dataset}],
    }


def _inference(request: RegisterModelInput, image: str, encoder_image: str) -> InferenceSpecificationTypeDef:
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

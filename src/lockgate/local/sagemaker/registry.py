"""The model registry as AWS behaves, where moto 5.2.5 does not:

- UpdateModelPackage changes only the fields it is given (moto wipes CustomerMetadataProperties
  and ApprovalDescription on an approval-only update);
- AddTags/ListTags accept a model package ARN (moto raises ValueError splitting it);
- every create and every status change emits "SageMaker Model Package State Change" to the
  default bus, detail = DescribeModelPackage output (JSON-safe: timestamps as ISO 8601 strings).
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from typing import Any

from moto.events.models import events_backends
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import ModelPackage, SageMakerModelBackend

LOG = logging.getLogger(__name__)
SOURCE, DETAIL_TYPE = "aws.sagemaker", "SageMaker Model Package State Change"


def json_safe(value: Any) -> Any:
    """Datetimes to ISO 8601 strings, recursively (EventBridge and Step Functions carry JSON)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def describe(package: ModelPackage) -> dict[str, Any]:
    """DescribeModelPackage's output for one package, JSON-safe."""
    return dict(json_safe(package.gen_response_object()))


def emit_state_change(backend: SageMakerModelBackend, package: ModelPackage) -> None:
    """Put "SageMaker Model Package State Change" on the default bus of the package's account."""
    entry = {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps(describe(package)),
        "Resources": [package.arn],
        "EventBusName": "default",
    }
    try:
        events_backends[backend.account_id][backend.region_name].put_events([entry])
    except Exception:  # the registry call succeeded; a lost event is logged, not raised
        LOG.exception("could not emit %s for %s", DETAIL_TYPE, package.arn)


def create_model_package(original: Any, response: Any) -> Any:
    """SageMakerResponse.create_model_package + the state-change event."""
    result = original(response)
    arn = result.result["ModelPackageArn"]
    backend: SageMakerModelBackend = response.sagemaker_backend
    package = backend.model_packages[arn]
    if package.tags is None:
        package.tags = []
    emit_state_change(backend, package)
    return result


def update_model_package(  # noqa: PLR0917 (moto's signature)
    backend: SageMakerModelBackend,
    model_package_arn: str,
    model_approval_status: str | None,
    approval_description: str | None,
    customer_metadata_properties: dict[str, str] | None,
    customer_metadata_properties_to_remove: list[str],
    additional_inference_specifications_to_add: list[Any] | None,
) -> str:
    """UpdateModelPackage that changes only what it is given, then emits the state change."""
    mapped = backend.model_package_name_mapping.get(model_package_arn, model_package_arn)
    package = backend.model_packages.get(mapped)
    if package is None:
        raise ValidationError(f"Model package {model_package_arn} not found")
    if model_approval_status is not None:
        package.set_model_approval_status(model_approval_status)
    if approval_description is not None:
        package.approval_description = approval_description
    if customer_metadata_properties:
        package.customer_metadata_properties = {
            **(package.customer_metadata_properties or {}),
            **customer_metadata_properties,
        }
    package.remove_customer_metadata_property(customer_metadata_properties_to_remove)
    package.add_additional_inference_specifications(additional_inference_specifications_to_add)
    package.modifications_done()
    emit_state_change(backend, package)
    return str(package.arn)


def get_resource_from_arn(original: Any, backend: SageMakerModelBackend, arn: str) -> Any:
    """_get_resource_from_arn that also finds model packages (ARN .../model-package/<group>/<n>)."""
    resource_part = arn.split(":", 5)[-1]
    if resource_part.startswith("model-package/"):
        package = backend.model_packages.get(backend.model_package_name_mapping.get(arn, arn))
        if package is None:
            raise ValidationError(message=f"Could not find model-package with name {resource_part}")
        if package.tags is None:
            package.tags = []
        return package
    return original(backend, arn)

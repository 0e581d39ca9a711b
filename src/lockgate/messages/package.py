"""A model package's CustomerMetadataProperties: what the train pipeline hands to deploy.

RegisterModel writes them (`lockgate.registry.package`); deployment, the review console, endpoint
monitoring and the CLI read them back through `PackageMetadata.from_properties`, never by key.
The property keys are the wire format of every package already registered, so each field keeps
its key as an alias. `dataset_version` (key "version") is the dataset's content hash, never the
package's own version number (ModelPackageVersion, an int, `PackageInfo.version`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lockgate.messages.base import JsonObject

METADATA_VALUE_MAX = 256  # CustomerMetadataProperties: a value is at most 256 characters

Value = Annotated[str, Field(max_length=METADATA_VALUE_MAX)]
"""A machine value (an S3 URI, a job name): too long is an error, never silently cut."""


def clip(text: str) -> str:
    """Free text cut to fit one property value (an ellipsis marks the cut)."""
    return text if len(text) <= METADATA_VALUE_MAX else text[: METADATA_VALUE_MAX - 1] + "…"


class PackageMetadata(BaseModel):
    """The properties of one model package (keys as SageMaker stores them, values all strings).

    A property is written when it was given (set by the writer, or read from the package), so
    `from_properties(p).to_properties() == p`; `tuningJob`, `encoder` and `deployNote` are left out
    while empty. Keys Lockgate does not know (added by a person in the console) are kept and
    written back unchanged, never read."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)
    __pydantic_extra__: dict[str, str] = Field(init=False)

    dataset: Value = ""
    dataset_version: Value = Field("", alias="version")  # the dataset's content hash
    execution: Value = ""  # the train execution's ARN
    training_job: Value = Field("", alias="trainingJob")
    transform_job: Value = Field("", alias="transformJob")
    test_data: Value = Field("", alias="testData")  # the smoke test's rows
    predictions: Value = ""  # the transform's predictions of test_data (the smoke test's reference)
    test_labels: Value = Field("", alias="testLabels")
    evaluation: Value = ""  # evaluation.json
    evaluation_report: Value = Field("", alias="evaluationReport")
    bias_pre: Value = Field("", alias="biasPre")  # analysis.json of the pre-training bias gate
    bias_post: Value = Field("", alias="biasPost")
    bias_pre_verdict: Value = Field("", alias="biasPreVerdict")
    bias_post_verdict: Value = Field("", alias="biasPostVerdict")
    auto_approved: bool = Field(False, alias="autoApproved")  # "true" / "false"
    approval_status: Value = Field("", alias="approvalStatus")  # decided at registration
    approval_reasons: str = Field("", alias="approvalReasons")  # free text, clipped
    tuning_job: Value = Field("", alias="tuningJob")  # only when the contract asked for tuning
    encoder: Value = ""  # the run's encoder artifact: the package takes raw records
    deploy_note: str = Field("", alias="deployNote")  # the last deployment outcome, free text, clipped

    _OMITTED_WHEN_EMPTY: ClassVar[frozenset[str]] = frozenset({"tuningJob", "encoder", "deployNote"})

    @field_validator("auto_approved", mode="before")
    @classmethod
    def _flag(cls, value: object) -> bool:
        return value is True or value == "true"

    @field_validator("approval_reasons", "deploy_note", mode="before")
    @classmethod
    def _clip(cls, value: object) -> object:
        return clip(value) if isinstance(value, str) else value

    @classmethod
    def from_properties(cls, properties: Mapping[str, str]) -> PackageMetadata:
        """Parse a package's CustomerMetadataProperties (a missing key reads as empty)."""
        return cls.model_validate(dict(properties))

    def to_properties(self) -> dict[str, str]:
        """CustomerMetadataProperties: the given fields under their keys, every value a string."""
        dumped: JsonObject = self.model_dump(by_alias=True, exclude_unset=True)
        properties = {}
        for key, value in dumped.items():
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            if text or key not in self._OMITTED_WHEN_EMPTY:
                properties[key] = text
        return properties

    def missing(self, *fields: str) -> list[str]:
        """The property keys of those of `fields` (field names) that are empty."""
        return [type(self).model_fields[name].alias or name for name in fields if not getattr(self, name)]

    def with_note(self, note: str) -> PackageMetadata:
        """The same properties with a new deployment note."""
        return self.model_copy(update={"deploy_note": clip(note)})

    @classmethod
    def query(cls, **fields: str) -> dict[str, str]:
        """Some fields as properties: what a registry search matches packages on."""
        return cls.model_validate(fields).to_properties()

"""The payloads the state machines send to the functions, as typed models (Powertools Parser
validates them before a handler runs: a malformed payload is a ValidationError naming the field)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataGateRequest(_Request):
    """One data-gate step: "object" (a single file), "part" (one part of a batch), "reduce"."""

    step: Literal["object", "part", "reduce"] = "object"
    bucket: str = Field(min_length=3)
    dataset: str = Field(min_length=1)
    execution: str = ""
    key: str | None = None
    version_id: str | None = None
    etag: str = ""
    size: int | None = Field(default=None, ge=0)
    prefix: str | None = None
    parts: list[dict[str, object]] = Field(default_factory=list)
    kind: str | None = None  # the ingest input's own fields may ride along

    def idempotency_key(self) -> dict[str, object]:
        """What makes two requests the same step of the same run."""
        return {
            "step": self.step,
            "bucket": self.bucket,
            "object": self.key or self.prefix,
            "version": self.version_id or self.etag,
            "execution": self.execution,
        }


class BiasCheckRequest(_Request):
    """A bias check of a dataset version's data (pre-training), with predictions (post-training)."""

    dataset: str = Field(min_length=1)
    version: str = Field(min_length=1)
    data: str = Field(pattern=r"^s3://[^/]+/.+")
    predictions: str | None = Field(default=None, pattern=r"^s3://[^/]+/.+")
    bucket: str | None = None  # the data bucket holding contracts/ (default: the stack's)

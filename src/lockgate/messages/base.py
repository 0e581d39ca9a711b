"""The base of every step model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

type JsonObject = dict[str, Any]
"""A JSON object as Lambda returns it to Step Functions (a model's `to_payload()`), nothing else."""


class StepModel(BaseModel):
    """A task's input or output: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")

    def to_payload(self) -> JsonObject:
        """The JSON object a handler returns to Step Functions."""
        return self.model_dump(mode="json", by_alias=True)


@dataclass(frozen=True)
class FunctionIO:
    """The models of one Lambda function's input and output.

    `input` is a model class (a `RootModel` for a union keyed on a field, like the data gate's
    steps; a member may name its own result model in a `returns` ClassVar). `output` is the model
    of what the handler returns, None when no state reads it."""

    input: type[BaseModel]
    output: type[BaseModel] | None = None

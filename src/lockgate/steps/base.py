"""The base of every step model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict


class StepModel(BaseModel):
    """A task's input or output: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")

    def to_payload(self) -> dict[str, Any]:
        """The JSON object a handler returns to Step Functions."""
        return self.model_dump(mode="json", by_alias=True)


@dataclass(frozen=True)
class FunctionIO:
    """The models of one Lambda function's input and output."""

    input: type[BaseModel]
    output: type[BaseModel] | None = None  # None: the function's result is not read by any state

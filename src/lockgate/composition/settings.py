"""Handler settings from the environment the template gives each function: typed, checked once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError


class MissingSetting(RuntimeError):
    """An environment variable the template must set is absent."""


class HandlerSettings(BaseModel):
    """Base of one handler's settings model: each field is the environment variable of the same
    name in upper case, declared once; a required one that is absent raises MissingSetting.

        class EvaluateSettings(HandlerSettings):
            data_bucket: str
            artifact_bucket: str

        settings = EvaluateSettings.from_env()
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read the fields from the environment (or `environ`)."""
        source = os.environ if environ is None else environ
        values = {name: source[name.upper()] for name in cls.model_fields if source.get(name.upper())}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            names = ", ".join(str(e["loc"][0]).upper() for e in error.errors() if e["loc"])
            raise MissingSetting(f"environment variables missing or invalid: {names}") from error

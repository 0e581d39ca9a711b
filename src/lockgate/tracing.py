"""Powertools' Tracer for the handlers, without loading the X-Ray SDK where tracing is off.

`Tracer()` imports `aws_xray_sdk.core` (its recorder, wrapt, the sampling rules: a good share of a
handler's cold start) even when tracing is off: POWERTOOLS_TRACE_DISABLED=true, outside Lambda, or
under `sam local invoke` (Powertools' own rule, `Tracer._is_tracer_disabled`). There `lambda_tracer()`
gives it a provider that records nothing, so the SDK is never imported; on Lambda with tracing on it
is Powertools' Tracer as is, the X-Ray SDK included.
"""

from __future__ import annotations

import numbers
import traceback
from collections.abc import AsyncGenerator, Generator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment


class _NoSegment(BaseSegment):
    """A subsegment that records nothing."""

    def close(self, end_time: int | None = None) -> None:
        """Nothing to close."""

    def add_subsegment(self, subsegment: Any) -> None:
        """Dropped."""

    def remove_subsegment(self, subsegment: Any) -> None:
        """Nothing to remove."""

    def put_annotation(self, key: str, value: str | numbers.Number | bool) -> None:
        """Dropped."""

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        """Dropped."""

    def add_exception(
        self, exception: BaseException, stack: list[traceback.StackSummary], remote: bool = False
    ) -> None:
        """Dropped."""


class NoTracing(BaseProvider):
    """The provider of a Tracer that is off: every segment records nothing, nothing is patched."""

    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Generator[BaseSegment]:
        """A segment that records nothing."""
        yield _NoSegment()

    @asynccontextmanager
    async def in_subsegment_async(
        self, name: str | None = None, **kwargs: Any
    ) -> AsyncGenerator[BaseSegment]:
        """A segment that records nothing."""
        yield _NoSegment()

    def put_annotation(self, key: str, value: str | numbers.Number | bool) -> None:
        """Dropped."""

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        """Dropped."""

    def patch(self, modules: Sequence[str]) -> None:
        """Nothing to patch."""

    def patch_all(self) -> None:
        """Nothing to patch."""


def lambda_tracer() -> Tracer:
    """Powertools' Tracer: the X-Ray one where tracing is on, one that loads no SDK where it is off."""
    if Tracer._is_tracer_disabled():
        return Tracer(disabled=True, auto_patch=False, provider=NoTracing())
    return Tracer()

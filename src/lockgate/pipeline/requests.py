"""Moved: the task payload models live in lockgate.steps (one module per pipeline). These names
stay importable from here for code written before the move."""

from __future__ import annotations

from lockgate.steps.bias import BiasCheckRequest
from lockgate.steps.ingest import DataGateRequest

__all__ = ["BiasCheckRequest", "DataGateRequest"]

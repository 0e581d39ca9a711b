"""Moved: the task payload models live in lockgate.messages (one module per pipeline). These names
stay importable from here for code written before the move."""

from __future__ import annotations

from lockgate.messages.bias import BiasCheckRequest
from lockgate.messages.ingest import DataGateRequest

__all__ = ["BiasCheckRequest", "DataGateRequest"]

"""Fault injection on the offline endpoint twin (not shipped in the layer; `lockgate fault` sets the tag,
so this module imports nothing)."""

from __future__ import annotations

# A model tagged with this key fails that share (0..1) of its calls with a 500 on the offline endpoint twin.
FAULT_TAG = "lockgate:fault-5xx-rate"

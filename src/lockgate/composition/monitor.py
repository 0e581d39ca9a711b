"""MonitorFunction: its settings and one monitoring pass over every managed endpoint."""

from __future__ import annotations

from collections.abc import Callable

from lockgate.adapters.monitoring import MonitoringSources
from lockgate.composition.settings import HandlerSettings
from lockgate.messages.monitoring import MonitorOutput
from lockgate.monitoring.monitor import monitor_pass, summarise


class MonitorSettings(HandlerSettings):
    """Environment of MonitorFunction."""

    environment: str
    data_bucket: str
    artifact_bucket: str


def build_monitor(settings: MonitorSettings) -> Callable[[], MonitorOutput]:
    """() -> one pass: drift and live bias of every managed endpoint, summarised."""
    sources = MonitoringSources(settings.data_bucket, settings.artifact_bucket, settings.environment)
    return lambda: summarise(monitor_pass(sources))

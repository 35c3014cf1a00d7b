"""Prometheus metrics of a platform node."""

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, Metric

HEARTBEAT_FLUSH_SECONDS = Histogram(
    "govkiosk_heartbeat_flush_seconds",
    "time to write one batch of heartbeats",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
HEARTBEAT_BUFFER = Gauge("govkiosk_heartbeat_buffer", "heartbeats waiting to be written")
PUSH_CONNECTIONS = Gauge("govkiosk_push_connections", "open push WebSockets on this node")


class CountersOf:
    """Counters read from plain integers at scrape time, so the heartbeat path only bumps an int."""

    def __init__(self, counters: dict[str, tuple[str, Callable[[], int]]]):
        self._counters = counters

    def collect(self) -> Iterator[Metric]:
        for name, (documentation, read) in self._counters.items():
            yield CounterMetricFamily(name, documentation, value=read())


def node_registry(counters: dict[str, tuple[str, Callable[[], int]]]) -> CollectorRegistry:
    """A registry of one app's own counters (the process-wide metrics stay in the default registry)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CountersOf(counters))  # type: ignore[arg-type]
    return registry

"""Prometheus metrics of a platform node."""

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("govkiosk_http_requests_total", "HTTP requests", ["method", "route", "status"])
HEARTBEATS = Counter("govkiosk_heartbeats_total", "heartbeats accepted")
HEARTBEAT_FLUSH_SECONDS = Histogram(
    "govkiosk_heartbeat_flush_seconds",
    "time to write one batch of heartbeats",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
HEARTBEAT_BUFFER = Gauge("govkiosk_heartbeat_buffer", "heartbeats waiting to be written")
PUSH_CONNECTIONS = Gauge("govkiosk_push_connections", "open push WebSockets on this node")

"""Prometheus metrics of one process, served at `/metrics` (see `ops.router`).

Names follow Prometheus conventions; labels stay low-cardinality (route templates, never raw paths or
ids; models and agent names from configuration). The scan and agent figures are counted where the scan
runs: in `serve` in the embedded mode, in each `housescan worker` process when scaled out.

`REGISTRY` is everything, served by the API; `WORKER_REGISTRY` is what a `housescan worker --metrics-port`
has to tell (the process, its scans and agents), without the HTTP, upload, Socket.IO and queue series that
only the API counts and that would read 0 there for ever.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TypeVar

from prometheus_client import (
    GC_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

from housescan.agents.contract import AgentExecution
from housescan.jobs.base import QueueHealth

REGISTRY = CollectorRegistry(auto_describe=True)
WORKER_REGISTRY = CollectorRegistry(auto_describe=True)
for _registry in (REGISTRY, WORKER_REGISTRY):
    ProcessCollector(registry=_registry)
    PlatformCollector(registry=_registry)
    _registry.register(GC_COLLECTOR)

_Metric = TypeVar("_Metric", Counter, Histogram)


def _also_in_workers(metric: _Metric) -> _Metric:
    WORKER_REGISTRY.register(metric)
    return metric


_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)

HTTP_REQUESTS = Counter(
    "housescan_http_requests",
    "HTTP requests served, by route template, method and status code",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "housescan_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method",
    ["route", "method"],
    buckets=_DURATION_BUCKETS,
    registry=REGISTRY,
)
UPLOAD_BYTES = Counter(
    "housescan_upload_bytes",
    "Bytes received by the photo upload endpoint (request bodies, accepted or not)",
    registry=REGISTRY,
)
UPLOAD_REQUESTS = Counter(
    "housescan_upload_requests",
    "Photo upload requests, by status code",
    ["status"],
    registry=REGISTRY,
)
SCANS = _also_in_workers(
    Counter(
        "housescan_scans",
        "Scan runs finished, by outcome: succeeded, failed (for good), retried (an attempt failed and queued again), "
        "interrupted (stopped by a shutdown, queued again uncounted)",
        ["outcome"],
        registry=REGISTRY,
    )
)
SCAN_STAGE_SECONDS = _also_in_workers(
    Histogram(
        "housescan_scan_stage_duration_seconds",
        "Time spent in each stage of a scan job: prepare (request build), analysis (agents), save",
        ["stage"],
        buckets=_DURATION_BUCKETS,
        registry=REGISTRY,
    )
)
AGENT_SECONDS = _also_in_workers(
    Histogram(
        "housescan_agent_duration_seconds",
        "Time of one agent execution of the analysis pipeline, by agent",
        ["agent"],
        buckets=_DURATION_BUCKETS,
        registry=REGISTRY,
    )
)
AGENT_TOKENS = _also_in_workers(
    Counter(
        "housescan_agent_tokens",
        "Model tokens used by the analysis agents, by model and direction (input, output)",
        ["model", "direction"],
        registry=REGISTRY,
    )
)
AGENT_COST_USD = _also_in_workers(
    Counter(
        "housescan_agent_cost_usd",
        "USD spent on model calls by the analysis agents, by model",
        ["model"],
        registry=REGISTRY,
    )
)
AGENT_RUNS = _also_in_workers(
    Counter(
        "housescan_agent_executions",
        "Agent executions, by agent and status (cache hits are counted, with zero cost)",
        ["agent", "status"],
        registry=REGISTRY,
    )
)
QUEUE_JOBS = Gauge(
    "housescan_queue_jobs",
    "Scan jobs in the queue, by state (read from the queue at each scrape)",
    ["state"],
    registry=REGISTRY,
)
QUEUE_OLDEST_WAITING = Gauge(
    "housescan_queue_oldest_waiting_seconds",
    "Age of the oldest waiting scan job (0 when none waits)",
    registry=REGISTRY,
)
SOCKET_CONNECTIONS = Gauge(
    "housescan_socket_connections",
    "Authenticated Socket.IO connections open on this process",
    registry=REGISTRY,
)
SOCKET_CONNECTS = Counter(
    "housescan_socket_connects",
    "Socket.IO connection attempts, by result (accepted, refused)",
    ["result"],
    registry=REGISTRY,
)

_open_sockets: set[str] = set()


def scan_finished(outcome: str) -> None:
    SCANS.labels(outcome=outcome).inc()


def stage_took(stage: str, since: float) -> float:
    """Record a stage that started at `since` (a `time.perf_counter()` reading); returns the time now."""
    now = time.perf_counter()
    SCAN_STAGE_SECONDS.labels(stage=stage).observe(now - since)
    return now


def agents_ran(executions: Iterable[AgentExecution]) -> None:
    """Count a finished analysis: each execution's time, tokens and USD."""
    for execution in executions:
        AGENT_RUNS.labels(agent=execution.agent_name, status=execution.status).inc()
        if execution.cache_hit:
            continue
        AGENT_SECONDS.labels(agent=execution.agent_name).observe(
            max(0.0, (execution.finished_at - execution.started_at).total_seconds())
        )
        AGENT_TOKENS.labels(model=execution.model, direction="input").inc(execution.tokens_in)
        AGENT_TOKENS.labels(model=execution.model, direction="output").inc(execution.tokens_out)
        AGENT_COST_USD.labels(model=execution.model).inc(max(0.0, execution.cost_usd))


def socket_connected(sid: str) -> None:
    SOCKET_CONNECTS.labels(result="accepted").inc()
    if sid not in _open_sockets:
        _open_sockets.add(sid)
        SOCKET_CONNECTIONS.inc()


def socket_refused() -> None:
    SOCKET_CONNECTS.labels(result="refused").inc()


def socket_disconnected(sid: str) -> None:
    if sid in _open_sockets:
        _open_sockets.discard(sid)
        SOCKET_CONNECTIONS.dec()


def queue_observed(health: QueueHealth) -> None:
    for state in ("waiting", "active", "delayed", "completed", "failed"):
        QUEUE_JOBS.labels(state=state).set(getattr(health, state))
    QUEUE_OLDEST_WAITING.set(health.oldest_waiting_seconds or 0.0)

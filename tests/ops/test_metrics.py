"""`/metrics`: requests, uploads, scans by outcome, stage durations, queue depth, agents, sockets."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest
import socketio
from prometheus_client import generate_latest
from pydantic import SecretStr, ValidationError

from housescan.agents.contract import AgentExecution
from housescan.auth.security import bearer_matches
from housescan.config import Settings
from housescan.ops import metrics
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, register
from tests.ops_support import finished_scan, metric_samples, value
from tests.realtime_client import EventRecorder

UPLOAD_ROUTE = "/api/v1/scans/{scan_id}/images"


async def test_metrics_count_requests_uploads_scans_stages_agents_queue_and_sockets(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        before = await metric_samples(client)
        token = await register(client)
        stranger = EventRecorder()
        with pytest.raises(socketio.exceptions.ConnectionError):
            await stranger.connect(live_server.url, "not-a-token")
        recorder = EventRecorder()
        await recorder.connect(live_server.url, token)
        try:
            connected = await metric_samples(client)
            assert value(connected, "housescan_socket_connections") == value(before, "housescan_socket_connections") + 1
            refused = value(connected, "housescan_socket_connects_total", result="refused")
            assert refused == value(before, "housescan_socket_connects_total", result="refused") + 1
            await finished_scan(client, token, {"Kitchen": [(200, 10, 10), (10, 200, 10)], "Hall": [(10, 10, 200)]})
            assert (await client.get("/api/v1/no/such/thing")).status_code == 404
            after = await metric_samples(client)
            # The worker counts the scan (and its save stage) once the save that showed it succeeded returns.
            async with asyncio.timeout(30):
                while value(after, "housescan_scans_total", outcome="succeeded") == value(
                    before, "housescan_scans_total", outcome="succeeded"
                ):
                    await asyncio.sleep(0.02)
                    after = await metric_samples(client)
        finally:
            await recorder.disconnect()

        def grew(name: str, **labels: str) -> float:
            return value(after, name, **labels) - value(before, name, **labels)

        assert grew("housescan_http_requests_total", route=UPLOAD_ROUTE, method="POST", status="200") == 1
        assert grew("housescan_http_requests_total", route="/api/v1/auth/register", method="POST", status="201") == 1
        assert grew("housescan_http_requests_total", route="/api/v1/scans/{scan_id}", method="GET", status="200") >= 1
        assert grew("housescan_http_requests_total", route="unmatched", method="GET", status="404") == 1
        routes = {dict(labels).get("route") for name, labels in after if name == "housescan_http_requests_total"}
        uuid_like = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")
        assert not any(route and uuid_like.search(route) for route in routes), "raw ids never become labels"
        assert grew("housescan_http_request_duration_seconds_count", route=UPLOAD_ROUTE, method="POST") == 1

        assert grew("housescan_upload_bytes_total") > 3 * 1000, "three photos were sent"
        assert grew("housescan_upload_requests_total", status="200") == 1
        assert grew("housescan_scans_total", outcome="succeeded") == 1
        for stage in ("prepare", "analysis", "save"):
            assert grew("housescan_scan_stage_duration_seconds_count", stage=stage) == 1, stage
        assert grew("housescan_scan_stage_duration_seconds_sum", stage="analysis") > 0
        runs = {agent: grew("housescan_agent_executions_total", agent=agent, status="succeeded") for agent in (
            "room_type", "room_checklist", "products", "house_type", "house_checklist", "pros_cons"
        )}  # fmt: skip
        assert runs == {
            "room_type": 2,
            "room_checklist": 2,
            "products": 2,
            "house_type": 1,
            "house_checklist": 1,
            "pros_cons": 1,
        }
        models = {dict(labels)["model"] for name, labels in after if name == "housescan_agent_cost_usd_total"}
        assert any(model.startswith("local") for model in models), models
        assert {"waiting", "active", "delayed", "completed", "failed"} <= {
            dict(labels)["state"] for name, labels in after if name == "housescan_queue_jobs"
        }

        for _ in range(200):
            closed = await metric_samples(client)
            # The job counts as completed once its handler returns, just after the scan reads `succeeded`.
            if (
                value(closed, "housescan_socket_connections") == value(before, "housescan_socket_connections")
                and value(closed, "housescan_queue_jobs", state="completed") >= 1
            ):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("socket gauge not back down after the disconnect, or no completed job")
        # With no scrape token configured no authentication is needed, and no user data is exposed.
        assert "@example.com" not in (await client.get("/metrics")).text
        assert (await client.get("/metrics", headers=auth(token))).status_code == 200


def test_model_tokens_and_usd_are_counted_by_model() -> None:
    start = datetime.now(UTC)

    def execution(model: str, tokens_in: int, tokens_out: int, usd: float, cache_hit: bool = False) -> AgentExecution:
        return AgentExecution(
            agent_name="room_type",
            model=model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            requests=1,
            cost_usd=usd,
            cache_hit=cache_hit,
            started_at=start,
            finished_at=start + timedelta(seconds=2),
        )

    def read(name: str, **labels: str) -> float:
        return metrics.REGISTRY.get_sample_value(name, labels) or 0.0

    tokens_before = read("housescan_agent_tokens_total", model="test-model-a", direction="input")
    usd_before = read("housescan_agent_cost_usd_total", model="test-model-a")
    metrics.agents_ran(
        [
            execution("test-model-a", 1200, 300, 0.012),
            execution("test-model-a", 800, 100, 0.008),
            execution("test-model-a", 5000, 500, 0.05, cache_hit=True),  # paid in an earlier attempt
            execution("test-model-b", 10, 1, 0.0001),
        ]
    )
    assert read("housescan_agent_tokens_total", model="test-model-a", direction="input") - tokens_before == 2000
    assert read("housescan_agent_tokens_total", model="test-model-a", direction="output") >= 400
    assert abs(read("housescan_agent_cost_usd_total", model="test-model-a") - usd_before - 0.02) < 1e-9
    assert read("housescan_agent_cost_usd_total", model="test-model-b") >= 0.0001


async def test_a_configured_scrape_token_is_required(settings: Settings) -> None:
    server = await start_server(settings.model_copy(update={"metrics_token": SecretStr("scrape-secret")}))
    try:
        async with server.client() as client:
            token = await register(client)
            refused = [
                (await client.get("/metrics", headers=headers)).status_code
                for headers in ({}, {"Authorization": "Bearer wrong"}, auth(token))
            ]
            assert refused == [401, 401, 401], "a user's own token is not the scrape token"
            assert "HOUSESCAN_METRICS_TOKEN" in (await client.get("/metrics")).json()["detail"]
            scraped = await client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
            assert scraped.status_code == 200 and "housescan_http_requests_total" in scraped.text
    finally:
        await server.stop()


def test_an_empty_service_token_is_unset_and_a_short_one_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """`HOUSESCAN_METRICS_TOKEN=` read as a token of nothing would open the route to `Bearer ` with nothing."""
    for variable in ("HOUSESCAN_METRICS_TOKEN", "HOUSESCAN_AGENTS_TOKEN"):
        monkeypatch.setenv(variable, "")
    settings = Settings()
    assert settings.metrics_token is None and settings.agents_token is None
    assert not bearer_matches("Bearer ", SecretStr(""))
    monkeypatch.setenv("HOUSESCAN_METRICS_TOKEN", "short")
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings()


def test_a_worker_tells_its_scans_and_agents_without_the_api_only_series() -> None:
    metrics.scan_finished("succeeded")
    metrics.UPLOAD_BYTES.inc(10)
    metrics.socket_connected("worker-test-sid")
    metrics.socket_disconnected("worker-test-sid")

    worker = generate_latest(metrics.WORKER_REGISTRY).decode()
    assert 'housescan_scans_total{outcome="succeeded"}' in worker
    assert "process_cpu_seconds_total" in worker and "housescan_agent_tokens" in worker
    api_only_series = ("housescan_upload_bytes", "housescan_socket_connections", "housescan_http", "housescan_queue")
    for api_only in api_only_series:
        assert api_only not in worker, api_only
    api = generate_latest(metrics.REGISTRY).decode()
    for every in ("housescan_scans_total", "housescan_upload_bytes_total", "housescan_socket_connections"):
        assert every in api, every

"""The monthly budget per user: a scan that could exceed it is refused before any model call."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from housescan.agents.service import create_agents_client
from housescan.config import Settings
from housescan.costs import service as costs_service
from housescan.storage.local import LocalFolderStore
from tests.conftest import LiveServer, start_server
from tests.fakes import FlakyAgents
from tests.helpers import auth, register, wait_for_status
from tests.ops_support import record_paid_call, uploaded_scan


def _paid_deployment(settings: Settings, **limits: float) -> Settings:
    """Settings of a deployment whose analysis may cost money (an LLM provider), with these limits; the
    tests hand the server the offline client, so no model is really called."""
    return settings.model_copy(update={"agents_provider": "llm", **limits})


def _offline_agents(settings: Settings) -> FlakyAgents:
    return FlakyAgents(
        create_agents_client(settings, LocalFolderStore(settings.photos_dir)), failures=0, error=OSError()
    )


async def test_a_scan_that_could_exceed_the_month_is_refused_before_any_model_call(settings: Settings) -> None:
    agents = _offline_agents(settings)
    server = await start_server(
        _paid_deployment(settings, user_monthly_budget_usd=2.0, scan_budget_usd=1.0), agents=agents
    )
    try:
        async with server.client() as client:
            token = await register(client)
            earlier = await uploaded_scan(client, token, {"Hall": [(1, 1, 1)]})
            await record_paid_call(server, earlier["id"], 0.75)
            await record_paid_call(
                server, earlier["id"], 50.0, at=datetime.now(UTC) - timedelta(days=40)
            )  # another month

            fits = await uploaded_scan(client, token, {"Kitchen": [(2, 2, 2)]})
            assert (await client.post(f"/api/v1/scans/{fits['id']}/process", headers=auth(token))).status_code == 202
            await wait_for_status(client, token, fits["id"], {"succeeded"})
            assert agents.calls == 1

            await record_paid_call(server, earlier["id"], 0.5)  # 1.25 spent: one more scan of up to $1 could reach 2.25
            over = await uploaded_scan(client, token, {"Garden": [(3, 3, 3)]})
            refused = await client.post(f"/api/v1/scans/{over['id']}/process", headers=auth(token))
            assert refused.status_code == 402, refused.text
            detail = refused.json()["detail"]
            assert detail.startswith("monthly budget of $2.00 would be exceeded: spent $1.25 this month")
            assert "a scan may cost up to $1.00" in detail and "no analysis was started" in detail
            assert agents.calls == 1, "no model was called for the refused scan"
            state = (await client.get(f"/api/v1/scans/{over['id']}", headers=auth(token))).json()
            assert (state["status"], state["attempts"]) == ("draft", 0)

            other = await register(client)
            theirs = await uploaded_scan(client, other, {"Den": [(4, 4, 4)]})
            assert (await client.post(f"/api/v1/scans/{theirs['id']}/process", headers=auth(other))).status_code == 202
            # A scan already running is a state conflict, whatever the budget.
            done = await client.post(f"/api/v1/scans/{fits['id']}/process", headers=auth(token))
            assert done.status_code == 409
    finally:
        await server.stop()


@contextlib.asynccontextmanager
async def _queue_only_server(settings: Settings, *, monthly_usd: float) -> AsyncIterator[LiveServer]:
    """A paid deployment's server that queues scans but runs none, with a monthly budget and $1 per scan."""
    limited = _paid_deployment(settings, user_monthly_budget_usd=monthly_usd, scan_budget_usd=1.0)
    server = await start_server(limited.model_copy(update={"run_worker": False}), agents=_offline_agents(settings))
    try:
        yield server
    finally:
        await server.stop()


async def test_scans_in_flight_hold_their_share_of_the_budget(settings: Settings) -> None:
    async with _queue_only_server(settings, monthly_usd=2.5) as server, server.client() as client:
        token = await register(client)
        scans = [await uploaded_scan(client, token, {"Room": [(n, n, n)]}) for n in range(3)]
        codes = [
            (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))).status_code
            for scan in scans
        ]
        assert codes == [202, 202, 402]
        last = await client.post(f"/api/v1/scans/{scans[2]['id']}/process", headers=auth(token))
        assert "$2.00 is reserved by scans queued or running" in last.json()["detail"]


async def test_no_budget_means_unlimited(live_server: LiveServer) -> None:
    assert live_server.runtime.settings.user_monthly_budget_usd is None
    async with live_server.client() as client:
        token = await register(client)
        scan = await uploaded_scan(client, token, {"Room": [(9, 9, 9)]})
        await record_paid_call(live_server, scan["id"], 10_000.0)
        assert (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))).status_code == 202


async def test_deleting_a_scan_gives_back_no_budget_and_hides_no_spend(settings: Settings) -> None:
    async with _queue_only_server(settings, monthly_usd=2.0) as server:
        async with server.client() as client:
            token = await register(client)
            spent = await uploaded_scan(client, token, {"Hall": [(1, 1, 1)]})
            await record_paid_call(server, spent["id"], 0.6)
            await record_paid_call(server, spent["id"], 0.9)
            await record_paid_call(server, spent["id"], 7.0, at=datetime.now(UTC) - timedelta(days=40))  # another month
            deleted = await client.delete(f"/api/v1/scans/{spent['id']}", headers=auth(token))
            assert deleted.status_code == 204
            assert (await client.get(f"/api/v1/scans/{spent['id']}", headers=auth(token))).status_code == 404

            after = await uploaded_scan(client, token, {"Kitchen": [(2, 2, 2)]})
            refused = await client.post(f"/api/v1/scans/{after['id']}/process", headers=auth(token))
            assert refused.status_code == 402, refused.text
            assert "spent $1.50 this month" in refused.json()["detail"]

            other = await register(client)
            theirs = await uploaded_scan(client, other, {"Den": [(3, 3, 3)]})
            assert (await client.post(f"/api/v1/scans/{theirs['id']}/process", headers=auth(other))).status_code == 202
        async with server.runtime.sessionmaker() as session:
            report = await costs_service.costs_by_user(
                db_session=session, since=costs_service.month_start(), until=costs_service.next_month_start()
            )
        assert [(user.scans, user.agent_runs, user.requests, user.cost_usd) for user in report.users] == [
            (1, 2, 2, 1.5)
        ], "the deleted scan's runs this month, and nobody else's"


async def test_offline_scans_cost_nothing_so_a_small_budget_does_not_refuse_them(settings: Settings) -> None:
    agents = _offline_agents(settings)
    offline = settings.model_copy(update={"user_monthly_budget_usd": 0.5, "scan_budget_usd": 1.0})
    assert offline.agents_provider == "local" and offline.agents_url is None
    server = await start_server(offline, agents=agents)
    try:
        async with server.client() as client:
            token = await register(client)
            first = await uploaded_scan(client, token, {"Hall": [(1, 1, 1)]})
            assert (await client.post(f"/api/v1/scans/{first['id']}/process", headers=auth(token))).status_code == 202
            await wait_for_status(client, token, first["id"], {"succeeded"})

            await record_paid_call(server, first["id"], 0.75)  # spent before, e.g. when an LLM was configured
            second = await uploaded_scan(client, token, {"Kitchen": [(2, 2, 2)]})
            refused = await client.post(f"/api/v1/scans/{second['id']}/process", headers=auth(token))
            assert refused.status_code == 402, "spend already made still uses the budget up"
            assert "spent $0.75 this month" in refused.json()["detail"]
            assert "a scan may cost" not in refused.json()["detail"]
            assert agents.calls == 1
    finally:
        await server.stop()

"""Admin: failed scans with reasons and attempts, retrying one, and model spend per user over a period."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from housescan.agents.client import AgentsError
from housescan.agents.service import create_agents_client
from housescan.config import Settings
from housescan.storage.local import LocalFolderStore
from tests.conftest import start_server
from tests.fakes import FlakyAgents
from tests.helpers import auth, register, wait_for_status
from tests.ops_support import admin_token, record_paid_call, uploaded_scan, user_id

ADMIN_CALLS = (
    ("GET", "/api/v1/admin/scans/failed"),
    ("POST", f"/api/v1/admin/scans/{uuid.uuid4()}/retry"),
    ("GET", "/api/v1/admin/costs"),
)


async def test_failed_scans_are_listed_with_their_reason_and_retried_by_an_admin(settings: Settings) -> None:
    real = create_agents_client(settings, LocalFolderStore(settings.photos_dir))
    agents = FlakyAgents(real, failures=1, error=AgentsError("the vision model crashed", retryable=False))
    server = await start_server(settings, agents=agents)
    try:
        async with server.client() as client:
            admin = await admin_token(server, client)
            token = await register(client, email=f"owner-{uuid.uuid4().hex[:6]}@example.com")
            scan = await uploaded_scan(client, token, {"Kitchen": [(10, 200, 30)]})
            assert (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))).status_code == 202
            await wait_for_status(client, token, scan["id"], {"failed"})

            for method, path in ADMIN_CALLS:
                assert (await client.request(method, path)).status_code == 401, path
                assert (await client.request(method, path, headers=auth(token))).status_code == 403, path

            listed = await client.get("/api/v1/admin/scans/failed", headers=auth(admin))
            assert listed.status_code == 200, listed.text
            body = listed.json()
            assert body["total"] == 1
            (item,) = body["items"]
            assert item["id"] == scan["id"] and item["user_email"].startswith("owner-")
            assert (item["error"], item["attempts"]) == ("the vision model crashed", 1)
            assert item["address"] == "12 Report Road" and item["finished_at"]

            retried = await client.post(f"/api/v1/admin/scans/{scan['id']}/retry", headers=auth(admin))
            assert retried.status_code == 202, retried.text
            assert retried.json() == {
                "id": scan["id"],
                "status": "queued",
                "previous_error": "the vision model crashed",
            }
            detail = await wait_for_status(client, token, scan["id"], {"succeeded", "failed"})
            assert (detail["status"], detail["attempts"], detail["error"]) == ("succeeded", 1, None)
            assert agents.calls == 2

            assert (await client.get("/api/v1/admin/scans/failed", headers=auth(admin))).json()["total"] == 0
            again = await client.post(f"/api/v1/admin/scans/{scan['id']}/retry", headers=auth(admin))
            assert again.status_code == 409 and "only a failed scan" in again.json()["detail"]
            unknown = await client.post(f"/api/v1/admin/scans/{uuid.uuid4()}/retry", headers=auth(admin))
            assert unknown.status_code == 404
    finally:
        await server.stop()


async def test_cost_totals_per_user_over_a_period(settings: Settings) -> None:
    server = await start_server(settings.model_copy(update={"run_worker": False}))
    try:
        async with server.client() as client:
            admin = await admin_token(server, client)
            spender = await register(client, email=f"spender-{uuid.uuid4().hex[:6]}@example.com")
            earlier = await register(client, email=f"earlier-{uuid.uuid4().hex[:6]}@example.com")
            first = await uploaded_scan(client, spender, {"Hall": [(1, 2, 3)]})
            second = await uploaded_scan(client, spender, {"Loft": [(4, 5, 6)]})
            old = await uploaded_scan(client, earlier, {"Cellar": [(7, 8, 9)]})
            now = datetime.now(UTC)
            long_ago = now - timedelta(days=70)

            await record_paid_call(server, first["id"], 0.25, 1000, now - timedelta(seconds=5))
            await record_paid_call(server, first["id"], 0.5, 2000, now - timedelta(seconds=4))
            await record_paid_call(server, second["id"], 0.125, 500, now - timedelta(seconds=3))
            await record_paid_call(server, old["id"], 9.0, 90000, long_ago)

            month = await client.get("/api/v1/admin/costs", headers=auth(admin))
            assert month.status_code == 200, month.text
            body = month.json()
            (user,) = body["users"]
            assert user["user_id"] == str(await user_id(client, spender))
            assert (user["scans"], user["agent_runs"], user["requests"]) == (2, 3, 3)
            assert (user["tokens_in"], user["tokens_out"], user["cost_usd"]) == (3500, 350, 0.875)
            assert body["total_cost_usd"] == 0.875 and body["total_tokens"] == 3850

            since = (now - timedelta(days=100)).isoformat()
            wide = await client.get("/api/v1/admin/costs", params={"since": since}, headers=auth(admin))
            users = {user["email"].split("-")[0]: user for user in wide.json()["users"]}
            assert set(users) == {"spender", "earlier"}
            assert users["earlier"]["cost_usd"] == 9.0 and wide.json()["users"][0]["email"].startswith("earlier")
            assert wide.json()["total_cost_usd"] == 9.875

            until = (now - timedelta(days=60)).isoformat()
            window = await client.get(
                "/api/v1/admin/costs", params={"since": since, "until": until}, headers=auth(admin)
            )
            assert [user["email"].split("-")[0] for user in window.json()["users"]] == ["earlier"]
            backwards = await client.get(
                "/api/v1/admin/costs", params={"since": until, "until": since}, headers=auth(admin)
            )
            assert backwards.status_code == 422
    finally:
        await server.stop()

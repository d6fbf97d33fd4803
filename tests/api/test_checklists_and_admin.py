from __future__ import annotations

import uuid

from housescan.auth import service as auth_service
from housescan.auth.models import Role
from housescan.scans import run as scan_run
from tests.conftest import LiveServer
from tests.helpers import auth, create_scan, photo, register, upload

ITEM = {
    "id": "balcony_view",
    "title": "View from the balcony",
    "type": "categorical",
    "description": "How open the view is.",
}


async def test_custom_items_merge_over_the_base_lists_and_reach_the_scan_request(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        other = await register(client)
        created = await client.post(
            "/api/v1/checklists/custom-items", json={"scope": "house", "item": ITEM}, headers=auth(token)
        )
        assert created.status_code == 201
        override = {
            "id": "mould",
            "title": "Mould (strict)",
            "type": "boolean",
            "description": "Any black spot at all.",
        }
        assert (
            await client.post(
                "/api/v1/checklists/custom-items", json={"scope": "room", "item": override}, headers=auth(token)
            )
        ).status_code == 201

        merged = (await client.get("/api/v1/checklists", headers=auth(token))).json()
        house_ids = [item["id"] for item in merged["house"]]
        assert house_ids[-1] == "balcony_view" and "overall_condition" in house_ids
        mould = [item for item in merged["room"] if item["id"] == "mould"]
        assert len(mould) == 1 and mould[0]["title"] == "Mould (strict)"

        others = (await client.get("/api/v1/checklists", headers=auth(other))).json()
        assert "balcony_view" not in [item["id"] for item in others["house"]], "custom items are per user"
        assert (await client.get("/api/v1/checklists/custom-items", headers=auth(other))).json() == []

        updated = dict(ITEM, title="Balcony view")
        response = await client.put(
            "/api/v1/checklists/custom-items/house/balcony_view", json=updated, headers=auth(token)
        )
        assert response.status_code == 200
        assert (
            await client.put("/api/v1/checklists/custom-items/house/balcony_view", json=updated, headers=auth(other))
        ).status_code == 404
        listed = (
            await client.get("/api/v1/checklists/custom-items", params={"scope": "house"}, headers=auth(token))
        ).json()
        assert listed == [
            {
                "scope": "house",
                "item": {**updated, "subitems": None, "options": None, "applies_to": [], "product": None},
            }
        ]

        bad = await client.post(
            "/api/v1/checklists/custom-items",
            json={"scope": "house", "item": {**ITEM, "id": "Bad Id!"}},
            headers=auth(token),
        )
        assert bad.status_code == 422

        scan = await create_scan(client, token, rooms=1)
        assert (await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])).status_code == 200
        user_id = uuid.UUID((await client.get("/api/v1/auth/me", headers=auth(token))).json()["id"])
        async with live_server.runtime.sessionmaker() as session:
            request = await scan_run.build_scan_request(
                db_session=session, store=live_server.runtime.store, scan_id=uuid.UUID(scan["id"]), user_id=user_id
            )
        assert "balcony_view" in [item.id for item in request.house_checklist]
        assert [item.title for item in request.rooms_checklist if item.id == "mould"] == ["Mould (strict)"]

        assert (
            await client.delete("/api/v1/checklists/custom-items/house/balcony_view", headers=auth(token))
        ).status_code == 204
        assert (
            await client.delete("/api/v1/checklists/custom-items/house/balcony_view", headers=auth(token))
        ).status_code == 404


async def test_queue_health_is_for_admins(live_server: LiveServer) -> None:
    async with live_server.runtime.sessionmaker() as session:
        await auth_service.create_user(
            db_session=session, email="admin@example.com", password="admin password", role=Role.admin
        )
    async with live_server.client() as client:
        login = await client.post(
            "/api/v1/auth/login", json={"email": "admin@example.com", "password": "admin password"}
        )
        token = login.json()["access_token"]
        health = await client.get("/api/v1/admin/queue/health", headers=auth(token))
        assert health.status_code == 200
        body = health.json()
        assert body["backend"] == "in-process" and body["workers"] == live_server.runtime.settings.worker_concurrency
        assert {"waiting", "active", "delayed", "completed", "failed", "oldest_waiting_seconds"} <= set(body)
        assert (await client.get("/api/v1/admin/queue/health")).status_code == 401
        assert (await client.get("/healthz")).json()["status"] == "ok"

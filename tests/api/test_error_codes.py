"""Every error body carries a stable machine code beside its words, and routes declare the errors they answer."""

from __future__ import annotations

import uuid

from tests.conftest import LiveServer
from tests.helpers import auth, create_scan, register


async def test_errors_carry_a_machine_code_beside_their_words(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        draft = await create_scan(client, token, rooms=1)
        cases = [
            (client.get(f"/api/v1/scans/{uuid.uuid4()}", headers=auth(token)), 404, "scan_not_found", "scan not found"),
            (client.get("/api/v1/scans"), 401, "not_authenticated", None),
            (
                client.post(f"/api/v1/scans/{draft['id']}/reanalyse", json={}, headers=auth(token)),
                409,
                "not_analysed_yet",
                None,
            ),
            (
                client.post("/api/v1/scans", json={"rooms_count": "many"}, headers=auth(token)),
                422,
                "invalid_input",
                None,
            ),
            (
                client.post(
                    "/api/v1/scans", content=b"{not json", headers=auth(token) | {"Content-Type": "application/json"}
                ),
                422,
                "invalid_input",
                None,
            ),
            (client.get("/api/v1/no-such-thing", headers=auth(token)), 404, "not_found", None),
            (client.delete("/api/v1/checklists", headers=auth(token)), 405, "method_not_allowed", None),
        ]
        for request, status, code, detail in cases:
            response = await request
            body = response.json()
            assert (response.status_code, body["error"]) == (status, code), body
            assert body["detail"], "the words stay beside the code"
            if detail is not None:
                assert body["detail"] == detail


async def test_a_scans_routes_declare_the_errors_they_answer(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        spec = (await client.get("/openapi.json")).json()
    assert "error" in spec["components"]["schemas"]["ErrorBody"]["required"]
    declared = spec["paths"]["/api/v1/scans/{scan_id}/process"]["post"]["responses"]
    assert {"401", "402", "404", "409"} <= declared.keys()
    assert "`scan_not_found`" in declared["404"]["description"]
    assert declared["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    report = spec["paths"]["/api/v1/scans/{scan_id}/report"]["get"]["responses"]
    assert "409" not in report, "a route declares only the errors it may answer"

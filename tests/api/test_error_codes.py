"""Every error body carries a stable machine code beside its words, and routes declare the errors they answer."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import LiveServer
from tests.helpers import PASSWORD, auth, create_scan, register, unique_email


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


def _filled(path: str, scan_id: str) -> str:
    """A path of the schema with the scan's id, `house` for a scope and a random id for anything else."""
    for name in [part.strip("{}") for part in path.split("/") if part.startswith("{")]:
        value = scan_id if name == "scan_id" else "house" if name == "scope" else str(uuid.uuid4())
        path = path.replace(f"{{{name}}}", value)
    return path


async def test_every_error_a_route_answers_is_declared_with_its_code(live_server: LiveServer) -> None:
    """Walks the OpenAPI: every declared error status carries the error body, and every route asked as no one,
    as a stranger to the scan and as its owner (other ids unknown, an empty body) answers only errors it
    declares, under the status declared, with a code listed there."""
    async with live_server.client() as client:
        spec = (await client.get("/openapi.json")).json()
        owner, stranger = await register(client), await register(client)
        scan = await create_scan(client, owner, rooms=1)
        error_body = {"$ref": "#/components/schemas/ErrorBody"}
        undeclared: list[str] = []
        asked = 0
        routes = [
            (path, method, operation) for path, each in spec["paths"].items() for method, operation in each.items()
        ]
        # The scan's own deletion last: the owner's requests find it until then.
        routes.sort(key=lambda route: (route[0], route[1]) == ("/api/v1/scans/{scan_id}", "delete"))
        for path, method, operation in routes:
            declared: dict[str, Any] = operation["responses"]
            for status, response in declared.items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == error_body, (method, path, status)
                    assert "`" in response["description"], "each declared error names its codes"
            for token in (None, stranger, owner):
                answer = await client.request(
                    method.upper(), _filled(path, scan["id"]), json={}, headers=auth(token) if token else {}
                )
                asked += 1
                if answer.status_code < 400:
                    continue
                code = answer.json()["error"]
                if f"`{code}`" not in declared.get(str(answer.status_code), {}).get("description", ""):
                    undeclared.append(f"{method.upper()} {path}: {answer.status_code} {code}")
    assert asked > 150
    assert undeclared == []


async def test_the_codes_of_sign_in_ownership_comparison_and_sharing(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        email = unique_email()
        owner = await register(client, email)
        stranger = await register(client)
        mine = await create_scan(client, owner, rooms=1)
        also_mine = await create_scan(client, owner, rooms=1, address="2 Other Road")
        theirs = await create_scan(client, stranger, rooms=1)
        cases = [
            (
                client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD + "x"}),
                401,
                "wrong_credentials",
            ),
            (client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}), 409, "email_taken"),
            (client.get(f"/api/v1/scans/{theirs['id']}/repair-lists", headers=auth(owner)), 404, "scan_not_found"),
            (
                client.get("/api/v1/compare", params={"scan_ids": f"{mine['id']},{theirs['id']}"}, headers=auth(owner)),
                404,
                "scan_not_found",
            ),
            (
                client.get("/api/v1/compare", params={"scan_ids": mine["id"]}, headers=auth(owner)),
                422,
                "scan_ids_rejected",
            ),
            (
                client.get(f"/api/v1/scans/{mine['id']}/changes", params={"since": theirs["id"]}, headers=auth(owner)),
                404,
                "scan_not_found",
            ),
            (
                client.get(
                    f"/api/v1/scans/{mine['id']}/changes", params={"since": also_mine["id"]}, headers=auth(owner)
                ),
                422,
                "not_an_earlier_scan",
            ),
            (client.post(f"/api/v1/scans/{mine['id']}/shares", json={}, headers=auth(owner)), 409, "not_shareable"),
            (
                client.delete(f"/api/v1/scans/{mine['id']}/shares/{uuid.uuid4()}", headers=auth(owner)),
                404,
                "share_link_not_found",
            ),
            (client.get(f"/api/v1/shared/{'x' * 43}"), 404, "share_not_found"),
            (client.get(f"/api/v1/scans/{theirs['id']}/report.pdf", headers=auth(owner)), 404, "scan_not_found"),
            (client.get("/api/v1/admin/scans/failed", headers=auth(owner)), 403, "admin_only"),
            (
                client.delete("/api/v1/checklists/custom-items/room/no-such-item", headers=auth(owner)),
                404,
                "custom_item_not_found",
            ),
        ]
        for request, status, code in cases:
            response = await request
            assert (response.status_code, response.json()["error"]) == (status, code), response.text

"""Every route of one scan (the scans', the review's, the repair lists', the comparison's, the report's and
the share links') takes the one owned-scan dependency: another user's scan is `scan_not_found` on each of
them, before anything else about the request is looked at."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from housescan.comparison.router import router as comparison_router
from housescan.repairs.router import router as repairs_router
from housescan.reports.router import router as reports_router
from housescan.reports.share_router import router as shares_router
from housescan.review.router import router as review_router
from housescan.scans.dependencies import owned_scan
from housescan.scans.router import router as scans_router
from tests.conftest import LiveServer
from tests.helpers import auth, create_scan, register

PREFIX = "/api/v1/scans/{scan_id}"
ROUTERS = (scans_router, review_router, repairs_router, comparison_router, reports_router, shares_router)


def _calls(dependant: Dependant) -> set[Any]:
    calls = {dependant.call}
    for sub in dependant.dependencies:
        calls |= _calls(sub)
    return calls


async def test_every_route_of_a_scan_answers_only_its_owner(live_server: LiveServer) -> None:
    routes = [
        route
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.path.startswith(PREFIX)
    ]
    assert len(routes) >= 30
    assert [route.path for route in routes if owned_scan not in _calls(route.dependant)] == []

    async with live_server.client() as client:
        owner, stranger = await register(client), await register(client)
        scan = await create_scan(client, owner, rooms=1)
        for route in routes:
            path = route.path.replace("{scan_id}", scan["id"])
            for name in route.param_convertors:
                path = path.replace(f"{{{name}}}", "house" if name == "scope" else str(uuid.uuid4()))
            for method in route.methods or ():
                response = await client.request(method, path, json={}, headers=auth(stranger))
                assert (response.status_code, response.json()["error"]) == (404, "scan_not_found"), (method, path)

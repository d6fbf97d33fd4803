"""Every route of the OpenAPI schema, called without a token, with bad tokens, and with another user's ids.

The routes come from the schema, so a route added later is checked without anyone remembering to.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import timedelta
from typing import Any

import httpx

from housescan.auth.security import create_token
from tests.conftest import LiveServer
from tests.helpers import auth, create_scan, photo, register, upload

# Reachable without a bearer token, on purpose.
PUBLIC = {
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),  # the refresh token in the body is the credential (tests/api/test_auth)
    ("GET", "/healthz"),
    ("GET", "/readyz"),  # for load balancers: which dependencies answer, nothing of anyone's
    ("GET", "/api/v1/images/{image_id}/{variant}"),  # a signed, expiring URL instead (photo and renditions)
    ("GET", "/metrics"),  # operators' scrape endpoint, counts only
    ("GET", "/api/v1/shared/{token}"),  # a share link: the token is the credential (tests/shares)
    ("GET", "/api/v1/shared/{token}/report.pdf"),
    ("POST", "/api/v1/auth/password-reset"),  # the e-mailed token is the credential (tests/account)
    ("POST", "/api/v1/auth/password-reset/confirm"),
    ("GET", "/api/v1/notifications/vapid-public-key"),  # the server's public key
    # The signed token in the query is the credential (tests/notifications/test_mail_outage).
    ("GET", "/api/v1/notifications/unsubscribe"),
    ("POST", "/api/v1/notifications/unsubscribe"),
    # A repair list's link: the token is the credential (tests/repairs).
    ("GET", "/api/v1/shared/repair-lists/{token}"),
    ("GET", "/api/v1/shared/repair-lists/{token}.csv"),
    ("GET", "/api/v1/shared/repair-lists/{token}/report.pdf"),
}


def _routes(schema: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), str(uuid.uuid4())), path)


def _forged_tokens(secret: str, user_id: uuid.UUID, valid: str) -> dict[str, str]:
    _header, payload, _ = valid.split(".")
    none_header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    return {
        "expired": create_token(secret, user_id, "access", timedelta(seconds=-5)),
        "other key": create_token("a different signing key of enough length", user_id, "access", timedelta(minutes=5)),
        "alg none": f"{none_header}.{payload}.",
        "refresh as access": create_token(secret, user_id, "refresh", timedelta(minutes=5)),
        "garbage": "not.a.token",
    }


async def _call(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    return await client.request(method, path, json=body, headers=headers)


async def test_every_route_refuses_missing_and_bad_tokens_and_other_users_ids(live_server: LiveServer) -> None:
    counts = {"routes": 0, "calls": 0, "refused": 0}
    async with live_server.client() as client:
        schema = (await client.get("/openapi.json")).json()
        owner = await register(client, "owner@example.com")
        intruder = await register(client, "intruder@example.com")
        scan = await create_scan(client, owner, rooms=1)
        image = (await upload(client, owner, scan["id"], [("a.jpg", photo(), 0)])).json()["images"][0]
        owner_ids = {
            "scan_id": scan["id"],
            "image_id": image["id"],
            "house_id": scan["house_id"],
            "scope": "house",
            "item_id": "x",
        }
        intruder_id = uuid.UUID((await client.get("/api/v1/auth/me", headers=auth(intruder))).json()["id"])
        forged = _forged_tokens(live_server.runtime.settings.resolved_jwt_secret, intruder_id, intruder)

        protected = [route for route in _routes(schema) if route not in PUBLIC]
        assert len(protected) >= 12, protected
        for method, template in protected:
            counts["routes"] += 1
            path = _fill(template, owner_ids)
            attempts: dict[str, dict[str, str]] = {"no token": {}} | {k: auth(v) for k, v in forged.items()}
            for name, headers in attempts.items():
                response = await _call(client, method, path, headers)
                counts["calls"] += 1
                assert response.status_code == 401, (method, template, name, response.status_code)
                assert scan["id"] not in response.text
                counts["refused"] += 1
            # The intruder's valid token on the owner's ids: nothing of the owner's, ever.
            response = await _call(client, method, path, auth(intruder))
            counts["calls"] += 1
            assert response.status_code in {403, 404, 409, 422} or (
                response.status_code in {200, 201} and scan["id"] not in response.text
            ), (method, template, response.status_code, response.text[:200])
            assert "owner@example.com" not in response.text
            counts["refused"] += 1

        detail = await client.get(f"/api/v1/scans/{scan['id']}", headers=auth(owner))
        assert detail.status_code == 200 and detail.json()["status"] == "draft", "the owner's scan is untouched"
        assert len(detail.json()["rooms"][0]["images"]) == 1
    print(f"\naccess control: {counts}")

from __future__ import annotations

from datetime import timedelta

from housescan.auth.security import create_token
from housescan.config import Settings
from tests.conftest import LiveServer
from tests.helpers import auth, register


async def test_register_login_me_refresh(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        response = await client.post(
            "/api/v1/auth/register",
            json={"email": "Ada@Example.com", "password": "long enough pw", "first_name": "Ada"},
        )
        assert response.status_code == 201
        user = response.json()
        assert user["email"] == "ada@example.com"
        assert user["role"] == "user"
        assert "password" not in response.text and "argon2" not in response.text

        response = await client.post(
            "/api/v1/auth/login", json={"email": "ada@example.com", "password": "long enough pw"}
        )
        assert response.status_code == 200
        tokens = response.json()
        assert tokens["token_type"] == "bearer"

        me = await client.get("/api/v1/auth/me", headers=auth(tokens["access_token"]))
        assert me.status_code == 200
        assert me.json()["id"] == user["id"]

        refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200
        assert (await client.get("/api/v1/auth/me", headers=auth(refreshed.json()["access_token"]))).status_code == 200


async def test_register_rejects_taken_email_and_weak_input(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        await register(client, "taken@example.com")
        again = await client.post(
            "/api/v1/auth/register", json={"email": "TAKEN@example.com", "password": "another password"}
        )
        assert again.status_code == 409
        assert "already exists" in again.json()["detail"]
        short = await client.post("/api/v1/auth/register", json={"email": "new@example.com", "password": "short"})
        assert short.status_code == 422
        bad_email = await client.post(
            "/api/v1/auth/register", json={"email": "not-an-email", "password": "long enough pw"}
        )
        assert bad_email.status_code == 422


async def test_login_failures_and_token_checks(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client, "bob@example.com")
        wrong = await client.post("/api/v1/auth/login", json={"email": "bob@example.com", "password": "wrong password"})
        assert wrong.status_code == 401
        unknown = await client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "whatever1"})
        assert unknown.status_code == 401
        assert wrong.json() == unknown.json()  # no hint which emails exist

        assert (await client.get("/api/v1/auth/me")).status_code == 401
        assert (await client.get("/api/v1/auth/me", headers=auth("garbage"))).status_code == 401
        settings = live_server.runtime.settings
        me = (await client.get("/api/v1/auth/me", headers=auth(token))).json()
        import uuid

        user_id = uuid.UUID(me["id"])
        expired = create_token(settings.resolved_jwt_secret, user_id, "access", timedelta(seconds=-1))
        assert (await client.get("/api/v1/auth/me", headers=auth(expired))).status_code == 401
        foreign = create_token("another key entirely, 32 bytes long", user_id, "access", timedelta(minutes=5))
        assert (await client.get("/api/v1/auth/me", headers=auth(foreign))).status_code == 401
        refresh = create_token(settings.resolved_jwt_secret, user_id, "refresh", timedelta(minutes=5))
        assert (await client.get("/api/v1/auth/me", headers=auth(refresh))).status_code == 401
        assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": token})).status_code == 401


def test_jwt_secret_is_generated_once_and_kept(tmp_path: object) -> None:
    from pathlib import Path

    data_dir = Path(str(tmp_path)) / "data"
    first = Settings(data_dir=data_dir).resolved_jwt_secret
    second = Settings(data_dir=data_dir).resolved_jwt_secret
    assert first == second and len(first) >= 40
    assert (data_dir / "jwt_secret").stat().st_mode & 0o077 == 0
    assert Settings(data_dir=Path(str(tmp_path)) / "other").resolved_jwt_secret != first
    assert Settings(data_dir=data_dir, jwt_secret="configured").resolved_jwt_secret == "configured"


async def test_login_is_rate_limited_against_brute_force(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        await register(client, "target@example.com", password="the real password")
        for _ in range(10):
            response = await client.post(
                "/api/v1/auth/login", json={"email": "target@example.com", "password": "guess1234"}
            )
            assert response.status_code == 401
        blocked = await client.post("/api/v1/auth/login", json={"email": "target@example.com", "password": "guess1234"})
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0 and "too many failed login attempts" in blocked.json()["detail"]
        # Even the right password waits: the attacker learns nothing from the answer.
        right = await client.post(
            "/api/v1/auth/login", json={"email": "target@example.com", "password": "the real password"}
        )
        assert right.status_code == 429


async def test_unsigned_and_tampered_tokens_are_refused(live_server: LiveServer) -> None:
    import base64
    import json

    async with live_server.client() as client:
        token = await register(client)
        header, payload, _signature = token.split(".")
        none_header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
        for forged in (f"{none_header}.{payload}.", f"{header}.{payload}.", f"{header}.{payload}.AAAA"):
            assert (await client.get("/api/v1/auth/me", headers=auth(forged))).status_code == 401

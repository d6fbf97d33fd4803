from __future__ import annotations

import uuid
from datetime import timedelta

from housescan.auth.security import create_token
from housescan.config import Settings
from tests.conftest import LiveServer, start_server
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
    assert Settings(data_dir=data_dir, jwt_secret="c" * 40).resolved_jwt_secret == "c" * 40


def _from(address: str) -> dict[str, str]:
    """A request from this client address: the test server trusts X-Forwarded-For from loopback, as the API
    processes trust their balancer's."""
    return {"X-Forwarded-For": address}


async def test_login_failures_slow_the_attacker_down_never_the_owner_elsewhere(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        await register(client, "target@example.com", password="the real password")
        attacker, owner = _from("203.0.113.7"), _from("198.51.100.20")
        guess = {"email": "target@example.com", "password": "guess1234"}
        statuses = [
            (await client.post("/api/v1/auth/login", json=guess, headers=attacker)).status_code for _ in range(6)
        ]
        assert statuses == [401] * 6  # five free failures, the sixth sets the first wait
        blocked = await client.post("/api/v1/auth/login", json=guess, headers=attacker)
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) >= 1 and "try again in" in blocked.json()["detail"]
        # Even the right password waits from there: the attacker learns nothing from the answer.
        right = {"email": "target@example.com", "password": "the real password"}
        assert (await client.post("/api/v1/auth/login", json=right, headers=attacker)).status_code == 429
        # The owner, from another address, is not slowed down at all.
        signed_in = await client.post("/api/v1/auth/login", json=right, headers=owner)
        assert signed_in.status_code == 200, signed_in.text


async def test_registration_refuses_blank_passwords(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        for password in (" " * 8, "\t\n" * 5, " \u00a0" * 4):
            response = await client.post(
                "/api/v1/auth/register", json={"email": "blank@example.com", "password": password}
            )
            assert response.status_code == 422, response.text
            assert "blank" in response.text


async def test_sign_ups_are_throttled_per_address(settings: Settings) -> None:
    settings.signup_limit_per_address = 3
    server = await start_server(settings)
    try:
        async with server.client() as client:
            statuses = []
            for n in range(4):
                body = {"email": f"flood-{n}@example.com", "password": "long enough pw"}
                statuses.append(
                    (await client.post("/api/v1/auth/register", json=body, headers=_from("192.0.2.1"))).status_code
                )
            assert statuses == [201, 201, 201, 429]
            # Asking whether an address is taken counts as a sign-up: enumeration is throttled the same.
            taken = {"email": "flood-0@example.com", "password": "long enough pw"}
            assert (
                await client.post("/api/v1/auth/register", json=taken, headers=_from("192.0.2.1"))
            ).status_code == 429
            elsewhere = await client.post("/api/v1/auth/register", json=taken, headers=_from("192.0.2.2"))
            assert elsewhere.status_code == 409 and "sign in" in elsewhere.json()["detail"]
    finally:
        await server.stop()


async def test_refresh_tokens_rotate_and_a_reused_one_revokes_its_family(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        await register(client, "rotate@example.com")
        credentials = {"email": "rotate@example.com", "password": "correct horse battery"}
        first = (await client.post("/api/v1/auth/login", json=credentials)).json()
        other_device = (await client.post("/api/v1/auth/login", json=credentials)).json()
        second = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert second.status_code == 200
        assert second.json()["refresh_token"] != first["refresh_token"]
        third = await client.post("/api/v1/auth/refresh", json={"refresh_token": second.json()["refresh_token"]})
        assert third.status_code == 200
        # The first token again: someone kept a copy. Refused, and its whole family with it.
        reused = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert reused.status_code == 401 and "already used" in reused.json()["detail"]
        latest = await client.post("/api/v1/auth/refresh", json={"refresh_token": third.json()["refresh_token"]})
        assert latest.status_code == 401
        stolen_session = auth(third.json()["access_token"])  # whoever holds it is out now, not in minutes
        assert (await client.get("/api/v1/auth/me", headers=stolen_session)).status_code == 401
        # Another sign-in is another family: untouched.
        elsewhere = await client.post("/api/v1/auth/refresh", json={"refresh_token": other_device["refresh_token"]})
        assert elsewhere.status_code == 200
        assert (await client.get("/api/v1/auth/me", headers=auth(other_device["access_token"]))).status_code == 200


async def test_logout_revokes_the_refresh_token_and_its_family(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        await register(client, "leave@example.com")
        credentials = {"email": "leave@example.com", "password": "correct horse battery"}
        session = (await client.post("/api/v1/auth/login", json=credentials)).json()
        rotated = (await client.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})).json()
        kept = (await client.post("/api/v1/auth/login", json=credentials)).json()
        out = await client.post("/api/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]})
        assert out.status_code == 204
        again = await client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
        assert again.status_code == 401
        assert (await client.post("/api/v1/auth/logout", json={"refresh_token": "not a token"})).status_code == 204
        assert (
            await client.post("/api/v1/auth/refresh", json={"refresh_token": kept["refresh_token"]})
        ).status_code == 200
        # The sign-in's access tokens end with it, not minutes later; another sign-in's go on.
        for ended in (session, rotated):
            assert (await client.get("/api/v1/auth/me", headers=auth(ended["access_token"]))).status_code == 401
        assert (await client.get("/api/v1/auth/me", headers=auth(kept["access_token"]))).status_code == 200


async def test_revoke_user_sessions_ends_every_refresh_token(live_server: LiveServer) -> None:
    from housescan.auth import service as auth_service

    async with live_server.client() as client:
        token = await register(client, "changed@example.com")
        credentials = {"email": "changed@example.com", "password": "correct horse battery"}
        sessions = [(await client.post("/api/v1/auth/login", json=credentials)).json() for _ in range(2)]
        user_id = uuid.UUID((await client.get("/api/v1/auth/me", headers=auth(token))).json()["id"])
        async with live_server.runtime.sessionmaker() as db_session:
            await auth_service.revoke_user_sessions(db_session=db_session, user_id=user_id, sockets=None)
        for session in sessions:
            refused = await client.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
            assert refused.status_code == 401
            assert (await client.get("/api/v1/auth/me", headers=auth(session["access_token"]))).status_code == 401
        assert (await client.post("/api/v1/auth/login", json=credentials)).status_code == 200


async def test_unsigned_and_tampered_tokens_are_refused(live_server: LiveServer) -> None:
    import base64
    import json

    async with live_server.client() as client:
        token = await register(client)
        header, payload, _signature = token.split(".")
        none_header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
        for forged in (f"{none_header}.{payload}.", f"{header}.{payload}.", f"{header}.{payload}.AAAA"):
            assert (await client.get("/api/v1/auth/me", headers=auth(forged))).status_code == 401

"""The account: password reset by e-mail (caught by a real SMTP server), password change that ends the
other sessions, account deletion, and the download of one's data."""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, update

from housescan.account.models import PasswordResetToken
from housescan.costs.models import AgentSpend
from housescan.notifications.models import PushSubscription
from housescan.reports.share_models import ShareLink
from housescan.scans.models import Image, Scan
from tests.conftest import LiveServer
from tests.helpers import auth
from tests.notifications.support import MailCatcher, PushService, text_and_html
from tests.ops_support import finished_scan, record_paid_call

PASSWORD = "correct horse battery"


async def _register(client: httpx.AsyncClient, email: str | None = None) -> tuple[str, dict[str, str]]:
    email = email or f"person-{uuid.uuid4().hex[:8]}@example.com"
    response = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return email, await _login(client, email, PASSWORD)


async def _login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


def _reset_token(text: str, base_url: str) -> str:
    match = re.search(re.escape(base_url) + r"/reset-password\?token=([A-Za-z0-9_\-]+)", text)
    assert match, text
    return match.group(1)


async def test_a_forgotten_password_is_reset_by_email_link_once(
    live_server: LiveServer, mail_catcher: MailCatcher
) -> None:
    async with live_server.client() as client:
        email, tokens = await _register(client)
        unknown = await client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.com"})
        known = await client.post("/api/v1/auth/password-reset", json={"email": email.upper()})
        assert unknown.status_code == known.status_code == 202  # the same answer: no enumeration
        assert unknown.content == known.content

        [message] = await mail_catcher.wait_for(email)
        assert message["Subject"] == "Reset your HouseScan password"
        text, html = text_and_html(message)
        token = _reset_token(text, live_server.url)
        assert token in html
        assert mail_catcher.to("nobody@example.com") == []
        async with live_server.runtime.sessionmaker() as session:  # only a hash is stored
            stored = list(await session.scalars(select(PasswordResetToken.token_hash)))
        assert stored == [hashlib.sha256(token.encode()).hexdigest()]

        weak = await client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "short"})
        assert weak.status_code == 422
        done = await client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "a brand new password"}
        )
        assert done.status_code == 204, done.text
        again = await client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "yet another password"}
        )
        assert again.status_code == 400, "single use"
        bad = await client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": "x" * 43, "password": "yet another password"}
        )
        assert bad.status_code == 400

        old = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert old.status_code == 401
        await _login(client, email, "a brand new password")
        # The sessions from before the reset are over.
        refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 401


async def test_reset_links_expire_within_the_hour_and_are_not_flooded(
    live_server: LiveServer, mail_catcher: MailCatcher
) -> None:
    async with live_server.client() as client:
        email, _tokens = await _register(client)
        for _ in range(4):
            assert (await client.post("/api/v1/auth/password-reset", json={"email": email})).status_code == 202
        messages = await mail_catcher.wait_for(email, count=3)
        async with live_server.runtime.sessionmaker() as session:
            rows = list(await session.scalars(select(PasswordResetToken)))
        assert len(rows) == 3 and len(messages) == 3, "at most 3 reset e-mails per account in 15 minutes"
        assert all(row.expires_at - row.created_at <= timedelta(hours=1) for row in rows)

        token = _reset_token(text_and_html(messages[0])[0], live_server.url)
        async with live_server.runtime.sessionmaker() as session:
            await session.execute(
                update(PasswordResetToken)
                .where(PasswordResetToken.token_hash == hashlib.sha256(token.encode()).hexdigest())
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
            await session.commit()
        expired = await client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "a brand new password"}
        )
        assert expired.status_code == 400
        # Another, unexpired link still works, and spends the others.
        second = _reset_token(text_and_html(messages[1])[0], live_server.url)
        third = _reset_token(text_and_html(messages[2])[0], live_server.url)
        ok = await client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": second, "password": "a brand new password"}
        )
        assert ok.status_code == 204
        spent = await client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": third, "password": "another new password"}
        )
        assert spent.status_code == 400


async def test_changing_the_password_ends_the_other_sessions(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        email, phone = await _register(client)
        laptop = await _login(client, email, PASSWORD)
        wrong = await client.post(
            "/api/v1/me/password",
            json={"current_password": "not it at all", "new_password": "a brand new password"},
            headers=auth(laptop["access_token"]),
        )
        assert wrong.status_code == 403
        changed = await client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "a brand new password"},
            headers=auth(laptop["access_token"]),
        )
        assert changed.status_code == 200, changed.text
        fresh = changed.json()
        assert (
            await client.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})
        ).status_code == 401
        assert (
            await client.post("/api/v1/auth/refresh", json={"refresh_token": laptop["refresh_token"]})
        ).status_code == 401
        assert (
            await client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
        ).status_code == 200
        # The other sessions' access tokens end at once too; the new one works.
        for ended in (phone, laptop):
            assert (await client.get("/api/v1/auth/me", headers=auth(ended["access_token"]))).status_code == 401
        assert (await client.get("/api/v1/auth/me", headers=auth(fresh["access_token"]))).status_code == 200
        assert (await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})).status_code == 401
        await _login(client, email, "a brand new password")


async def test_deleting_the_account_removes_everything_but_the_anonymous_spend(
    live_server: LiveServer, push_service: PushService
) -> None:
    async with live_server.client() as client:
        email, tokens = await _register(client)
        token = tokens["access_token"]
        detail = await finished_scan(client, token, {"Kitchen": [(200, 30, 30)], "Hall": [(30, 200, 30)]})
        scan_id = detail["id"]
        share = (await client.post(f"/api/v1/scans/{scan_id}/shares", headers=auth(token))).json()
        browser = push_service.subscription("phone")
        subscribed = await client.post("/api/v1/me/push-subscriptions", json=browser.to_json(), headers=auth(token))
        assert subscribed.status_code == 201, subscribed.text
        await record_paid_call(live_server, scan_id, usd=0.25)
        photos_dir = live_server.runtime.settings.photos_dir
        assert any(path.is_file() for path in photos_dir.rglob("*"))
        other_email, other_tokens = await _register(client)
        other_scan = await finished_scan(client, other_tokens["access_token"], {"Den": [(90, 90, 90)]})

        wrong = await client.request("DELETE", "/api/v1/me", json={"password": "not it"}, headers=auth(token))
        assert wrong.status_code == 403
        deleted = await client.request("DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=auth(token))
        assert deleted.status_code == 204, deleted.text

        assert (await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})).status_code == 401
        assert (await client.get("/api/v1/auth/me", headers=auth(token))).status_code == 401
        assert (await client.get(f"/api/v1/shared/{share['token']}")).status_code == 404
        # The other person's scan is untouched.
        other = await client.get(f"/api/v1/scans/{other_scan['id']}", headers=auth(other_tokens["access_token"]))
        assert other.status_code == 200 and other_email

    async with live_server.runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Scan).where(Scan.id == uuid.UUID(scan_id))) == 0
        assert (
            await session.scalar(select(func.count()).select_from(Image).where(Image.scan_id == uuid.UUID(scan_id)))
            == 0
        )
        assert await session.scalar(select(func.count()).select_from(ShareLink)) == 0
        assert await session.scalar(select(func.count()).select_from(PushSubscription)) == 0
        spend = list(
            await session.execute(
                select(AgentSpend.user_id, AgentSpend.cost_usd).where(AgentSpend.scan_id == uuid.UUID(scan_id))
            )
        )
    assert spend and all(user_id is None for user_id, _ in spend), "the ledger keeps the spend, not the person"
    assert 0.25 in [cost for _, cost in spend]
    left = [path.name for path in photos_dir.rglob("*") if path.is_file() and scan_id in str(path)]
    assert left == [], "the photos are gone from the store"


async def test_download_my_data_is_a_zip_of_the_json_and_the_photos(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        email, tokens = await _register(client)
        token = tokens["access_token"]
        detail = await finished_scan(client, token, {"Kitchen": [(200, 30, 30)], "Hall": [(30, 200, 30)]})
        await client.post(f"/api/v1/scans/{detail['id']}/shares", headers=auth(token))
        response = await client.get("/api/v1/me/export", headers=auth(token))
        assert (await client.get("/api/v1/me/export")).status_code == 401
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    account = json.loads(archive.read("account.json"))
    assert account["email"] == email and account["scans"] == 1 and account["photos"] == 2
    scans = json.loads(archive.read("data/scans.json"))
    assert [scan["id"] for scan in scans] == [detail["id"]]
    assert "data/houses.json" in names and "data/rooms.json" in names and "data/house_scan_summary.json" in names
    shares = json.loads(archive.read("data/share_links.json"))
    assert len(shares) == 1 and "token_hash" not in shares[0]
    everything = b"".join(archive.read(name) for name in names if name.endswith(".json")).decode()
    assert "password_hash" not in everything and "$argon2" not in everything
    images = {image["id"]: image for room in detail["rooms"] for image in room["images"]}
    photos = [name for name in names if name.startswith("photos/")]
    assert len(photos) == 2
    for name in photos:
        image_id = name.rsplit("/", 1)[1].split(".")[0]
        assert name.startswith(f"photos/{detail['id']}/")
        assert hashlib.sha256(archive.read(name)).hexdigest() == images[image_id]["sha256"]

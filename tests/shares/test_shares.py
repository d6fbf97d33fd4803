"""Share links: the owner publishes a read-only report; anyone with the link reads it without signing in,
until it expires or is revoked; unknown tokens are 404 and an address that keeps guessing is throttled."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from housescan.clock import local_time
from housescan.reports.share_models import ShareLink
from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.ops_support import finished_scan, uploaded_scan
from tests.pdf_support import pdf_words

OWNER_EMAIL = "owner-{}@example.com"


async def _owner_with_report(client: httpx.AsyncClient) -> tuple[str, str, str]:
    email = OWNER_EMAIL.format(uuid.uuid4().hex[:8])
    token = await register(client, email)
    detail = await finished_scan(client, token, {"Kitchen": [(200, 30, 30)], "Bedroom": [(30, 30, 200)]})
    return email, token, detail["id"]


def _all_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _all_keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _all_keys(item)}
    return set()


async def test_a_shared_report_is_read_without_signing_in_until_revoked(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        email, token, scan_id = await _owner_with_report(client)
        created = await client.post(f"/api/v1/scans/{scan_id}/shares", json={}, headers=auth(token))
        assert created.status_code == 201, created.text
        share = created.json()
        assert set(share) >= {"id", "token", "url", "expires_at"}
        assert len(share["token"]) >= 22  # at least 128 random bits, base64url
        assert share["url"].endswith(f"/shared/{share['token']}")
        expires = datetime.fromisoformat(share["expires_at"])
        assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)

        # Only a hash of the token is stored.
        async with live_server.runtime.sessionmaker() as session:
            stored = await session.scalar(select(ShareLink.token_hash).where(ShareLink.id == uuid.UUID(share["id"])))
        assert stored == hashlib.sha256(share["token"].encode()).hexdigest() and share["token"] not in stored

        listed = (await client.get(f"/api/v1/scans/{scan_id}/shares", headers=auth(token))).json()["items"]
        assert [(item["id"], item["state"]) for item in listed] == [(share["id"], "active")]

    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as stranger:  # no token at all
        shared = await stranger.get(f"/api/v1/shared/{share['token']}")
        assert shared.status_code == 200, shared.text
        assert "noindex" in shared.headers["x-robots-tag"]
        assert shared.headers["cache-control"] == "private, no-store"
        body = shared.json()
        report = body["report"]
        assert report["scan_id"] == scan_id and report["house"]["address"] == "12 Report Road"
        assert [room["label"] for room in report["rooms"]] == ["Kitchen", "Bedroom"]
        # No costs, no owner data.
        text = shared.text.lower()
        assert email not in text and "cost" not in _all_keys(body) and "cost_usd" not in text
        assert "user_id" not in _all_keys(body) and "email" not in _all_keys(body)
        # Photos through the same signed, expiring URLs, readable without a session.
        url = report["rooms"][0]["images"][0]["url"]
        assert "signature=" in url and "expires=" in url
        photo = await stranger.get(url)
        assert photo.status_code == 200 and photo.headers["content-type"].startswith("image/")
        pdf = await stranger.get(f"/api/v1/shared/{share['token']}/report.pdf")
        assert pdf.status_code == 200, pdf.text
        assert pdf.content.startswith(b"%PDF-") and "noindex" in pdf.headers["x-robots-tag"]

    async with live_server.client() as client:
        revoked = await client.delete(f"/api/v1/scans/{scan_id}/shares/{share['id']}", headers=auth(token))
        assert revoked.status_code == 204
        listed = (await client.get(f"/api/v1/scans/{scan_id}/shares", headers=auth(token))).json()["items"]
        assert [item["state"] for item in listed] == ["revoked"]
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as stranger:
        assert (await stranger.get(f"/api/v1/shared/{share['token']}")).status_code == 404
        assert (await stranger.get(f"/api/v1/shared/{share['token']}/report.pdf")).status_code == 404


async def test_the_shared_pdf_prints_its_times_in_the_zone_asked_and_refuses_an_unknown_zone(
    live_server: LiveServer, tmp_path: Path
) -> None:
    async with live_server.client() as client:
        _email, token, scan_id = await _owner_with_report(client)
        share = (await client.post(f"/api/v1/scans/{scan_id}/shares", json={}, headers=auth(token))).json()
    url = f"/api/v1/shared/{share['token']}/report.pdf"
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as stranger:
        report = (await stranger.get(f"/api/v1/shared/{share['token']}")).json()["report"]
        refused = await stranger.get(url, params={"tz": "Mars/Olympus_Mons"})
        # The zone is refused before the link is read: an unknown link with a bad zone is 422, not 404.
        refused_unknown = await stranger.get("/api/v1/shared/no-such-token/report.pdf", params={"tz": "Mars/X"})
        default = await stranger.get(url)
        tokyo = await stranger.get(url, params={"tz": "Asia/Tokyo"})

    for response in (default, tokyo):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
    # Tokyo is nine hours ahead of UTC all year: the same moment reads differently, each zone named.
    scanned_at = datetime.fromisoformat(report["scanned_at"] or report["derived_at"])
    in_utc, in_tokyo = f"Scanned {local_time(scanned_at, 'UTC')}", f"Scanned {local_time(scanned_at, 'Asia/Tokyo')}"
    assert in_utc != in_tokyo
    default_words, tokyo_words = pdf_words(default.content, tmp_path), pdf_words(tokyo.content, tmp_path)
    assert in_utc in default_words and in_tokyo not in default_words, "a link read with no zone prints UTC"
    assert in_tokyo in tokyo_words and in_utc not in tokyo_words
    for response in (refused, refused_unknown):
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["error"] == "unknown_time_zone", body
        assert body["detail"][0]["loc"] == ["query", "tz"], body
    assert "Olympus_Mons" in refused.json()["detail"][0]["msg"]


async def test_expired_links_and_deleted_scans_are_404(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        _email, token, scan_id = await _owner_with_report(client)
        short = (
            await client.post(f"/api/v1/scans/{scan_id}/shares", json={"expires_in_days": 7}, headers=auth(token))
        ).json()
        expires = datetime.fromisoformat(short["expires_at"])
        assert abs(expires - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=5)
        other = (await client.post(f"/api/v1/scans/{scan_id}/shares", headers=auth(token))).json()
        async with live_server.runtime.sessionmaker() as session:
            await session.execute(
                update(ShareLink)
                .where(ShareLink.id == uuid.UUID(short["id"]))
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
            await session.commit()
        assert (await client.get(f"/api/v1/shared/{short['token']}")).status_code == 404
        assert (await client.get(f"/api/v1/shared/{other['token']}")).status_code == 200
        states = {
            item["id"]: item["state"]
            for item in (await client.get(f"/api/v1/scans/{scan_id}/shares", headers=auth(token))).json()["items"]
        }
        assert states == {short["id"]: "expired", other["id"]: "active"}
        assert (await client.delete(f"/api/v1/scans/{scan_id}", headers=auth(token))).status_code == 204
        assert (await client.get(f"/api/v1/shared/{other['token']}")).status_code == 404


async def test_only_the_owner_manages_links_and_only_of_finished_reports(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        _email, token, scan_id = await _owner_with_report(client)
        share = (await client.post(f"/api/v1/scans/{scan_id}/shares", headers=auth(token))).json()
        intruder = await register(client)
        assert (await client.post(f"/api/v1/scans/{scan_id}/shares", headers=auth(intruder))).status_code == 404
        assert (await client.get(f"/api/v1/scans/{scan_id}/shares", headers=auth(intruder))).status_code == 404
        deleted = await client.delete(f"/api/v1/scans/{scan_id}/shares/{share['id']}", headers=auth(intruder))
        assert deleted.status_code == 404
        assert (await client.get(f"/api/v1/shared/{share['token']}")).status_code == 200  # still works
        assert (await client.post(f"/api/v1/scans/{scan_id}/shares")).status_code == 401
        for days in (0, -1, 10_000):
            response = await client.post(
                f"/api/v1/scans/{scan_id}/shares", json={"expires_in_days": days}, headers=auth(token)
            )
            assert response.status_code == 422, (days, response.text)
        draft = await uploaded_scan(client, token, {"Hall": [(90, 90, 90)]})
        response = await client.post(f"/api/v1/scans/{draft['id']}/shares", headers=auth(token))
        assert response.status_code == 409, response.text


async def test_an_address_guessing_tokens_is_throttled(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        _email, token, scan_id = await _owner_with_report(client)
        share = (await client.post(f"/api/v1/scans/{scan_id}/shares", headers=auth(token))).json()
        statuses = [
            (await client.get(f"/api/v1/shared/{uuid.uuid4().hex}{uuid.uuid4().hex}")).status_code for _ in range(20)
        ]
        assert statuses == [404] * 20
        throttled = await client.get(f"/api/v1/shared/{uuid.uuid4().hex}")
        assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
        # The whole address waits, a valid link included; a link that works never counted as a failure.
        assert (await client.get(f"/api/v1/shared/{share['token']}")).status_code == 429

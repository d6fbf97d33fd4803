"""E-mail and web push of a scan's outcome, sent from the outbox: a real SMTP server (aiosmtpd) catches
the mail, a local push endpoint receives the encrypted message and the browser's keys decrypt it."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from housescan.db.base import utcnow
from housescan.db.unit_of_work import discard_after_commit
from housescan.notifications import service as notifications_service
from housescan.notifications.models import NotificationOutbox, OutboxState, PushSubscription
from housescan.scans.models import Scan
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, create_scan, register
from tests.notifications.support import MailCatcher, PushService, open_push, point_names, text_and_html


async def _person(client: httpx.AsyncClient, address: str = "14 Maple Grove") -> tuple[str, str, str]:
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    token = await register(client, email)
    scan = await create_scan(client, token, rooms=1, address=address)
    return email, token, scan["id"]


async def _stage_and_commit(
    server: LiveServer, scan_id: str, outcome: str = "succeeded"
) -> notifications_service.StagedNotices:
    async with server.runtime.sessionmaker() as session:
        scan = await session.get_one(Scan, uuid.UUID(scan_id))
        notices = await notifications_service.stage_outcome(
            db_session=session,
            sessionmaker=server.runtime.sessionmaker,
            settings=server.runtime.settings,
            scan_id=scan.id,
            user_id=scan.user_id,
            outcome=outcome,  # type: ignore[arg-type]
        )
        if outcome == "failed":
            scan.error = "the photos were too dark"
        discard_after_commit(session)  # as a process that dies at its commit: the rows wait for a send
        await session.commit()
    return notices


async def _send(server: LiveServer, **kwargs: Any) -> int:
    return await notifications_service.send_pending(
        sessionmaker=server.runtime.sessionmaker, settings=server.runtime.settings, **kwargs
    )


async def _states(server: LiveServer, scan_id: str) -> dict[str, str]:
    async with server.runtime.sessionmaker() as session:
        rows = await session.execute(
            select(NotificationOutbox.channel, NotificationOutbox.state).where(
                NotificationOutbox.scan_id == uuid.UUID(scan_id)
            )
        )
        return {str(channel): str(state) for channel, state in rows}


async def test_a_finished_scan_sends_one_email_and_one_push(
    live_server: LiveServer, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    async with live_server.client() as client:
        email, token, scan_id = await _person(client)
        prefs = (await client.get("/api/v1/me/notifications", headers=auth(token))).json()
        assert prefs["email_on_complete"] is True and prefs["push_on_complete"] is True  # on by default
        assert prefs["email_available"] is True
        public_key = (await client.get("/api/v1/notifications/vapid-public-key")).json()["public_key"]
        assert public_key == prefs["push_public_key"]
        browser = push_service.subscription("phone")
        created = await client.post("/api/v1/me/push-subscriptions", json=browser.to_json(), headers=auth(token))
        assert created.status_code == 201, created.text

        await _stage_and_commit(live_server, scan_id)
        assert await _send(live_server, scan_id=uuid.UUID(scan_id)) == 2

    [message] = await mail_catcher.wait_for(email)
    assert message["Subject"] == "Report ready: 14 Maple Grove"
    assert message["From"] == "HouseScan <reports@housescan.test>"
    text, html = text_and_html(message)
    link = f"https://housescan.test/scans/{scan_id}"
    assert "14 Maple Grove" in text and "ready" in text and link in text
    assert "14 Maple Grove" in html and f'href="{link}"' in html

    [received] = await push_service.wait_for(browser)
    payload = open_push(browser, received, public_key)
    assert payload["title"] == "Report ready: 14 Maple Grove"
    assert payload["url"] == f"/scans/{scan_id}"
    assert await _states(live_server, scan_id) == {"email": "sent", "push": "sent"}

    # Sending again (the sweep) finds nothing to send: still one of each.
    assert await _send(live_server) == 0
    assert len(mail_catcher.to(email)) == 1 and len(push_service.to(browser)) == 1


async def test_the_email_says_when_the_photos_were_scanned_in_the_owners_time_zone(
    live_server: LiveServer, mail_catcher: MailCatcher
) -> None:
    async with live_server.client() as client:
        email, token, scan_id = await _person(client)
        zone = await client.put("/api/v1/me/preferences", json={"time_zone": "Asia/Tokyo"}, headers=auth(token))
        assert zone.status_code == 200, zone.text
        async with live_server.runtime.sessionmaker() as session:
            await session.execute(
                update(Scan)
                .where(Scan.id == uuid.UUID(scan_id))
                .values(first_analysed_at=datetime(2026, 12, 6, 23, 30, tzinfo=UTC))
            )
            await session.commit()
        await _stage_and_commit(live_server, scan_id)
        assert await _send(live_server, scan_id=uuid.UUID(scan_id)) >= 1

    [message] = await mail_catcher.wait_for(email)
    text, html = text_and_html(message)
    assert "scanned 7 Dec 2026, 08:30 (Asia/Tokyo)" in text and "08:30 (Asia/Tokyo)" in html


async def test_a_failed_scan_says_so_with_the_reason(
    live_server: LiveServer, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    async with live_server.client() as client:
        email, token, scan_id = await _person(client, "3 Cedar Lane")
        browser = push_service.subscription("laptop")
        await client.post("/api/v1/me/push-subscriptions", json=browser.to_json(), headers=auth(token))
        await _stage_and_commit(live_server, scan_id, outcome="failed")
        await _send(live_server, scan_id=uuid.UUID(scan_id))
    [message] = await mail_catcher.wait_for(email)
    assert message["Subject"] == "Scan failed: 3 Cedar Lane"
    text, _ = text_and_html(message)
    assert "The analysis of 3 Cedar Lane failed." in text and f"https://housescan.test/scans/{scan_id}" in text
    assert "the photos were too dark" not in text, "a scan's own error is on its page, not in an e-mail"
    [received] = await push_service.wait_for(browser)
    public_key = (
        await httpx.AsyncClient(base_url=live_server.url).get("/api/v1/notifications/vapid-public-key")
    ).json()
    assert open_push(browser, received, public_key["public_key"])["title"] == "Scan failed: 3 Cedar Lane"


async def test_preferences_turn_channels_off(
    live_server: LiveServer, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    async with live_server.client() as client:
        email, token, scan_id = await _person(client)
        browser = push_service.subscription("tablet")
        await client.post("/api/v1/me/push-subscriptions", json=browser.to_json(), headers=auth(token))
        put = await client.put(
            "/api/v1/me/notifications",
            json={"email_on_complete": False, "push_on_complete": False},
            headers=auth(token),
        )
        assert put.status_code == 200, put.text
        assert put.json()["email_on_complete"] is False and put.json()["push_on_complete"] is False
        again = (await client.get("/api/v1/me/notifications", headers=auth(token))).json()
        assert again["email_on_complete"] is False and again["push_subscriptions"] == 1
        # A partial update changes only what it names.
        put = await client.put("/api/v1/me/notifications", json={"push_on_complete": True}, headers=auth(token))
        assert put.json() | {"push_public_key": None} == again | {"push_on_complete": True, "push_public_key": None}
        await client.put("/api/v1/me/notifications", json={"push_on_complete": False}, headers=auth(token))
        assert (await client.get("/api/v1/me/notifications")).status_code == 401

        notices = await _stage_and_commit(live_server, scan_id)
    assert not notices.to_send and notices.to_log == [], "turned off: settled as the outcome is saved"
    assert await _states(live_server, scan_id) == {"email": "skipped", "push": "skipped"}
    assert await _send(live_server, scan_id=uuid.UUID(scan_id)) == 0
    assert mail_catcher.to(email) == [] and push_service.received == []


async def test_expired_subscriptions_are_dropped_and_the_others_still_notified(
    live_server: LiveServer, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    async with live_server.client() as client:
        _email, token, scan_id = await _person(client)
        old, new = push_service.subscription("old-phone"), push_service.subscription("new-phone")
        for browser in (old, new):
            response = await client.post("/api/v1/me/push-subscriptions", json=browser.to_json(), headers=auth(token))
            assert response.status_code == 201
        push_service.gone.add("/push/old-phone")
        await _stage_and_commit(live_server, scan_id)
        await _send(live_server, scan_id=uuid.UUID(scan_id))
        assert (await client.get("/api/v1/me/notifications", headers=auth(token))).json()["push_subscriptions"] == 1
    assert len(push_service.to(old)) == 1 and len(push_service.to(new)) == 1
    async with live_server.runtime.sessionmaker() as session:
        endpoints = list(await session.scalars(select(PushSubscription.endpoint)))
    assert endpoints == [new.endpoint]
    assert await _states(live_server, scan_id) == {"email": "sent", "push": "sent"}


async def test_two_processes_sending_at_once_send_each_message_once(
    live_server: LiveServer, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    async with live_server.client() as client:
        email, token, scan_id = await _person(client)
        browser = push_service.subscription("phone")
        await client.post("/api/v1/me/push-subscriptions", json=browser.to_json(), headers=auth(token))
        await _stage_and_commit(live_server, scan_id)
    handled = await asyncio.gather(*(_send(live_server) for _ in range(4)))
    assert sum(handled) == 2, handled
    await mail_catcher.wait_for(email)
    await push_service.wait_for(browser)
    assert await _states(live_server, scan_id) == {"email": "sent", "push": "sent"}
    assert len(mail_catcher.to(email)) == 1 and len(push_service.to(browser)) == 1


async def test_the_sweep_sends_what_a_dead_process_left(
    live_server: LiveServer, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    """A row committed but never sent (its process died after the commit) and a row claimed by a process
    that died mid-send are both sent by the sweep, once."""
    async with live_server.client() as client:
        email, token, scan_id = await _person(client)
        browser = push_service.subscription("phone")
        await client.post("/api/v1/me/push-subscriptions", json=browser.to_json(), headers=auth(token))
        await _stage_and_commit(live_server, scan_id)
    long_ago = utcnow() - timedelta(minutes=10)
    async with live_server.runtime.sessionmaker() as session:
        await session.execute(update(NotificationOutbox).values(created_at=long_ago))
        await session.execute(
            update(NotificationOutbox)
            .where(NotificationOutbox.channel == "push")
            .values(state=OutboxState.sending, claimed_at=long_ago, attempts=1)
        )
        await session.commit()
    # The sweep leaves rows younger than its threshold to their writer...
    assert await _send(live_server, older_than_seconds=3600) == 0
    # ...and sends the stranded ones.
    assert await _send(live_server, older_than_seconds=10) == 2
    await mail_catcher.wait_for(email)
    await push_service.wait_for(browser)
    assert await _send(live_server, older_than_seconds=10) == 0
    assert len(mail_catcher.to(email)) == 1 and len(push_service.to(browser)) == 1


async def test_a_send_whose_process_died_before_recording_it_is_sent_again_as_the_same_message(
    live_server: LiveServer, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    """No transport takes a message exactly once from a process that can die between the server's
    acceptance and the outbox's record of it: the resend is the same message (Message-ID, push tag and
    topic), which mail programs and devices show once. The e-mail is recorded before the SMTP session ends."""
    async with live_server.client() as client:
        email, token, scan_id = await _person(client)
        browser = push_service.subscription("phone")
        await client.post("/api/v1/me/push-subscriptions", json=browser.to_json(), headers=auth(token))
    await _stage_and_commit(live_server, scan_id)
    assert await _send(live_server, scan_id=uuid.UUID(scan_id)) == 2
    [first_mail] = await mail_catcher.wait_for(email)
    [first_push] = await push_service.wait_for(browser)
    # As if the process had died right after each server accepted: the rows are still being sent, long ago.
    long_ago = utcnow() - timedelta(minutes=10)
    async with live_server.runtime.sessionmaker() as session:
        await session.execute(
            update(NotificationOutbox)
            .where(NotificationOutbox.scan_id == uuid.UUID(scan_id))
            .values(state=OutboxState.sending, claimed_at=long_ago, created_at=long_ago)
        )
        await session.commit()
    assert await _send(live_server, older_than_seconds=10) == 2
    first_again, second_mail = await mail_catcher.wait_for(email, count=2)
    assert first_again is first_mail and second_mail["Message-ID"] == first_mail["Message-ID"]
    _, second_push = await push_service.wait_for(browser, count=2)
    first, second = (browser.decrypt(item.body) for item in (first_push, second_push))
    assert first == second and first["tag"] == f"scan-{scan_id}"
    assert first_push.headers["Topic"] == second_push.headers["Topic"] == uuid.UUID(scan_id).hex
    assert await _states(live_server, scan_id) == {"email": "sent", "push": "sent"}


async def test_a_failed_send_stays_pending_for_the_sweep(
    live_server: LiveServer, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    async with live_server.client() as client:
        email, _token, scan_id = await _person(client)
    await _stage_and_commit(live_server, scan_id)
    mail_catcher.stop()  # the mail server is down
    try:
        await _send(live_server, scan_id=uuid.UUID(scan_id))
        assert (await _states(live_server, scan_id))["email"] == "pending"
    finally:
        mail_catcher.start()
    assert await _send(live_server, scan_id=uuid.UUID(scan_id)) == 0, "it waits for its next attempt"
    async with live_server.runtime.sessionmaker() as session:
        await session.execute(
            update(NotificationOutbox)
            .where(NotificationOutbox.scan_id == uuid.UUID(scan_id))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    await _send(live_server, scan_id=uuid.UUID(scan_id))
    await mail_catcher.wait_for(email)
    assert (await _states(live_server, scan_id))["email"] == "sent"


async def test_without_smtp_the_mail_is_logged_not_sent(
    settings: Any, mail_catcher: MailCatcher, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server(settings.model_copy(update={"smtp_url": None}))
    try:
        async with server.client() as client:
            email, token, scan_id = await _person(client)
            prefs = (await client.get("/api/v1/me/notifications", headers=auth(token))).json()
            assert prefs["email_available"] is False and prefs["email_on_complete"] is True
        notices = await _stage_and_commit(server, scan_id)
        assert await _states(server, scan_id) == {"email": "logged", "push": "skipped"}, "settled as staged"
        assert not notices.to_send
        with caplog.at_level(logging.INFO, logger="housescan.notifications.mail"):
            await notifications_service.send_staged(
                notices, sessionmaker=server.runtime.sessionmaker, settings=server.runtime.settings
            )
        assert await _send(server, scan_id=uuid.UUID(scan_id)) == 0
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert "Report ready: 14 Maple Grove" in logged and f"https://housescan.test/scans/{scan_id}" in logged
        assert email not in logged  # whom it was for is not for the logs
        assert mail_catcher.messages == []
    finally:
        await server.stop()


@pytest.mark.parametrize(
    ("endpoint", "keys"),
    [
        ("ftp://push.example/x", None),
        ("https://push.example/x", {"p256dh": "not-a-key", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}),
        ("https://push.example/x", {"p256dh": None, "auth": "c2hvcnQ"}),
    ],
)
async def test_bad_subscriptions_are_refused(
    live_server: LiveServer, push_service: PushService, endpoint: str, keys: dict[str, Any] | None
) -> None:
    body = push_service.subscription("x").to_json()
    body["endpoint"] = endpoint
    if keys:
        body["keys"] = {name: value or body["keys"][name] for name, value in keys.items()}
    async with live_server.client() as client:
        token = await register(client)
        response = await client.post("/api/v1/me/push-subscriptions", json=body, headers=auth(token))
    assert response.status_code == 422, response.text


async def test_private_push_endpoints_are_refused_unless_allowed(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_names(monkeypatch, {"updates.push.services.example": "8.8.8.8"})
    server = await start_server(settings.model_copy(update={"push_allow_insecure_endpoints": False}))
    try:
        async with server.client() as client:
            token = await register(client)
            body = PushService().subscription("x").to_json()
            for endpoint in ("http://127.0.0.1:9/push", "https://10.0.0.8/push", "https://localhost/push"):
                body["endpoint"] = endpoint
                response = await client.post("/api/v1/me/push-subscriptions", json=body, headers=auth(token))
                assert response.status_code == 422, (endpoint, response.text)
            body["endpoint"] = "https://updates.push.services.example/wpush/v2/abc"
            response = await client.post("/api/v1/me/push-subscriptions", json=body, headers=auth(token))
            assert response.status_code == 201, response.text
            delete = await client.request(
                "DELETE", "/api/v1/me/push-subscriptions", json={"endpoint": body["endpoint"]}, headers=auth(token)
            )
            assert delete.status_code == 204
    finally:
        await server.stop()


async def _wait_final(server: LiveServer, scan_id: str) -> dict[str, str]:
    """Wait until both outbox rows of the scan are settled (sent, skipped or logged)."""
    async with asyncio.timeout(60):
        while True:
            states = await _states(server, scan_id)
            if len(states) == 2 and not {"pending", "sending"} & set(states.values()):
                return states
            await asyncio.sleep(0.05)


async def _process(client: httpx.AsyncClient, token: str, address: str) -> str:
    from tests.helpers import photo, upload

    scan = await create_scan(client, token, rooms=1, address=address)
    assert (await upload(client, token, scan["id"], [("room.jpg", photo(), 0)])).status_code == 200
    assert (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))).status_code == 202
    return str(scan["id"])


async def test_a_processed_scan_notifies_once_after_its_commit(
    live_server: LiveServer, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    """The whole path: the worker saves the results with their outbox rows, then sends them."""
    async with live_server.client() as client:
        email = f"maple-{uuid.uuid4().hex[:8]}@example.com"
        token = await register(client, email)
        browser = push_service.subscription("phone")
        await client.post("/api/v1/me/push-subscriptions", json=browser.to_json(), headers=auth(token))
        public_key = (await client.get("/api/v1/notifications/vapid-public-key")).json()["public_key"]
        scan_id = await _process(client, token, "14 Maple Grove")
        [message] = await mail_catcher.wait_for(email)
        [received] = await push_service.wait_for(browser)
        status = (await client.get(f"/api/v1/scans/{scan_id}", headers=auth(token))).json()["status"]
    assert status == "succeeded"
    assert message["Subject"] == "Report ready: 14 Maple Grove"
    assert open_push(browser, received, public_key)["title"] == "Report ready: 14 Maple Grove"
    assert await _wait_final(live_server, scan_id) == {"email": "sent", "push": "sent"}
    assert len(mail_catcher.to(email)) == 1 and len(push_service.to(browser)) == 1


async def test_a_scan_that_fails_for_good_notifies_its_failure(
    settings: Any, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    from tests.fakes import always_failing

    server = await start_server(settings, agents=always_failing("the analysis service is down", retryable=False))
    try:
        async with server.client() as client:
            email = f"cedar-{uuid.uuid4().hex[:8]}@example.com"
            token = await register(client, email)
            scan_id = await _process(client, token, "3 Cedar Lane")
            [message] = await mail_catcher.wait_for(email)
        assert message["Subject"] == "Scan failed: 3 Cedar Lane"
        assert "the analysis service is down" not in text_and_html(message)[0]
        assert await _wait_final(server, scan_id) == {"email": "sent", "push": "skipped"}
    finally:
        await server.stop()

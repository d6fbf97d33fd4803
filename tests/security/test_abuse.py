"""Hostile and clumsy clients beyond uploads: JSON the parser accepts but no server can store, oversized
checklist items, bad socket replay cursors, pixel floods, and the response headers a browser needs. Every
loop is bounded and on loopback; each test prints its counts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import socketio
from sqlalchemy import func, select

from housescan.auth.throttle import AuthThrottles, MemoryThrottleStore, RedisThrottleStore, create_throttles
from housescan.config import Settings
from housescan.errors import TooManyRequests
from housescan.ops import metrics
from housescan.ops.middleware import check_json_text
from housescan.scans.images import PixelBudget, pixel_budget, request_pixels_problem
from housescan.scans.models import Image as ImageRow
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, create_scan, photo, register, upload

# ---------------------------------------------------------------------------------------------- bad JSON

BAD_JSON: dict[str, bytes] = {
    "NaN": b'{"email": "a@example.com", "password": NaN}',
    "Infinity": b'{"email": "a@example.com", "password": Infinity}',
    "-Infinity": b'{"refresh_token": -Infinity}',
    "NaN in a list": b'{"rooms": [NaN]}',
    "lone surrogate": b'{"email": "a@example.com", "password": "\\ud800\\ud800\\ud800\\ud800"}',
    "lone low surrogate": b'{"refresh_token": "x\\udc00"}',
    "surrogate in a key": b'{"\\ud800": 1}',
    "surrogate in a name": b'{"email": "b@example.com", "password": "long enough pw", "first_name": "\\ud83d"}',
    "NUL in a room name": b'{"house_type": "studio", "room_labels": ["D\\u0000K"]}',
    "NUL in a key": b'{"a\\u0000": 1}',
    "nested too deeply": b"[" * 100_000 + b"]" * 100_000,
    "not UTF-8": b'{"email": "\xff\xfe"}',
}
JSON_ROUTES = (
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/scans"),
    ("POST", "/api/v1/checklists/custom-items"),
)


def test_json_the_parser_takes_but_no_server_can_use_is_named() -> None:
    reasons = {name: check_json_text(body) for name, body in BAD_JSON.items()}
    assert all(reasons.values()), reasons
    assert "NaN" in str(reasons["NaN"]) and "Infinity" in str(reasons["Infinity"])
    assert "surrogate" in str(reasons["lone surrogate"]) and "$.password" in str(reasons["lone surrogate"])
    assert "surrogate" in str(reasons["surrogate in a key"])
    assert "NUL" in str(reasons["NUL in a room name"]) and "$.room_labels[0]" in str(reasons["NUL in a room name"])
    # Valid JSON passes, a proper surrogate pair (an emoji) included; syntax errors are FastAPI's to name.
    assert check_json_text(b'{"first_name": "\\ud83d\\ude00", "n": 1.5e3, "x": [null, true]}') is None
    assert check_json_text(b'{"broken": ') is None


async def test_bad_json_bodies_are_a_4xx_naming_the_problem_never_a_500(live_server: LiveServer) -> None:
    counts = {"requests": 0, "4xx": 0, "5xx": 0}
    async with live_server.client() as client:
        token = await register(client)
        for method, path in JSON_ROUTES:
            for name, body in BAD_JSON.items():
                for headers in ({}, auth(token)):  # unauthenticated and signed in
                    response = await client.request(
                        method, path, content=body, headers={"Content-Type": "application/json", **headers}
                    )
                    counts["requests"] += 1
                    counts["5xx" if response.status_code >= 500 else "4xx"] += 1
                    assert response.status_code in (400, 413, 422), (path, name, response.status_code, response.text)
                    assert "invalid JSON body" in response.json()["detail"], (path, name, response.text)
        # Without a content type FastAPI reads the body as JSON all the same: so is it checked.
        response = await client.post("/api/v1/auth/login", content=BAD_JSON["NaN"])
        assert response.status_code == 422 and "NaN" in response.json()["detail"]
        too_big = await client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x" * 2_000_000})
        assert too_big.status_code == 413
        assert (await client.get("/healthz")).status_code == 200
    print(f"\nbad JSON: {counts}")
    assert counts["5xx"] == 0


# ---------------------------------------------------------------------------------------------- checklists

GOOD_ITEM: dict[str, Any] = {
    "id": "solar_panels",
    "title": "Solar panels",
    "type": "categorical",
    "description": "Panels on the roof.",
    "options": ["None", "Some", "Many"],
    "applies_to": ["villa"],
}


def _with(**fields: Any) -> dict[str, Any]:
    return {"scope": "house", "item": {**GOOD_ITEM, **fields}}


OVERSIZED_ITEMS: dict[str, dict[str, Any]] = {
    "title": _with(title="t" * 201),
    "description": _with(description="d" * 1001),
    "options count": _with(options=[f"option {n}" for n in range(21)]),
    "option length": _with(options=["o" * 101]),
    "empty option": _with(options=[""]),
    "applies_to count": _with(applies_to=[f"type{n}" for n in range(21)]),
    "applies_to length": _with(applies_to=["a" * 51]),
    "product": _with(product="p" * 101),
    "subitems count": _with(
        type="conditional", subitems=[{"id": f"s{n}", "title": "s", "type": "boolean"} for n in range(21)]
    ),
    "nested subitems": _with(
        type="conditional",
        subitems=[
            {"id": "s", "title": "s", "type": "boolean", "subitems": [{"id": "t", "title": "t", "type": "boolean"}]}
        ],
    ),
    "id": _with(id="i" * 101),
}


async def test_custom_checklist_items_are_bounded_in_every_field_and_in_size(live_server: LiveServer) -> None:
    counts = {"refused": 0, "stored": 0}
    async with live_server.client() as client:
        token = await register(client)
        url = "/api/v1/checklists/custom-items"
        for name, body in OVERSIZED_ITEMS.items():
            response = await client.post(url, json=body, headers=auth(token))
            assert response.status_code == 422, (name, response.status_code, response.text[:300])
            counts["refused"] += 1
        # The 50 MB item of the report: refused by its size before it is parsed, let alone stored.
        huge = json.dumps(_with(description="x" * 50_000_000)).encode()
        response = await client.post(url, content=huge, headers={"Content-Type": "application/json", **auth(token)})
        assert response.status_code == 413, response.text
        counts["refused"] += 1
        put = await client.put(f"{url}/house/solar_panels", json=OVERSIZED_ITEMS["title"]["item"], headers=auth(token))
        assert put.status_code == 422
        counts["refused"] += 1
        largest = _with(
            title="t" * 200,
            description="d" * 1000,
            options=["o" * 100] * 20,
            applies_to=["a" * 50] * 20,
            product="p" * 100,
        )
        assert (await client.post(url, json=largest, headers=auth(token))).status_code == 201
        counts["stored"] += 1
        listed = (await client.get(url, headers=auth(token))).json()
        assert [entry["item"]["id"] for entry in listed] == ["solar_panels"]
        mismatch = await client.put(f"{url}/house/other_id", json=GOOD_ITEM, headers=auth(token))
        assert mismatch.status_code == 422 and "match" in mismatch.json()["detail"]
        missing = await client.delete(f"{url}/house/never_made", headers=auth(token))
        assert missing.status_code == 404 and missing.json()["detail"] == "custom item not found"
    print(f"\noversized checklist items: {counts}")


# ---------------------------------------------------------------------------------------------- sockets

BAD_CURSORS: dict[str, Any] = {
    "superscript two": "²",
    "5,000 digits": "9" * 5000,
    "30 digits": "1" * 30,
    "negative": -1,
    "negative string": "-5",
    "past BIGINT": 2**63,
    "fraction": 1.5,
    "boolean": True,
    "list": [1],
    "empty": "",
    "arabic-indic digits": "٣",
}


def _open_sockets() -> float:
    return float(metrics.SOCKET_CONNECTIONS._value.get())


async def test_a_bad_last_event_id_is_refused_cleanly_and_leaks_nothing(live_server: LiveServer) -> None:
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, Any]] = []
    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: unhandled.append(context))
    counts = {"refused": 0, "accepted": 0}
    try:
        async with live_server.client() as client:
            token = await register(client)
            before = _open_sockets()
            for name, cursor in BAD_CURSORS.items():
                sio = socketio.AsyncClient(reconnection=False)
                reasons: list[Any] = []
                sio.on("connect_error", reasons.append, namespace="/scans")
                with pytest.raises(socketio.exceptions.ConnectionError):
                    await sio.connect(
                        live_server.url,
                        auth={"token": token, "lastEventId": cursor},
                        namespaces=["/scans"],
                        transports=["websocket"],
                        wait_timeout=10,
                    )
                await sio.disconnect()
                assert "lastEventId must be an event id" in str(reasons), (name, reasons)
                counts["refused"] += 1
                assert _open_sockets() == before, name
            # A good cursor still replays, and the gauge counts that socket once.
            scan = await create_scan(client, token, rooms=1)
            await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])
            received = asyncio.Event()
            sio = socketio.AsyncClient(reconnection=False)
            sio.on("scan:uploaded", lambda payload: received.set(), namespace="/scans")
            await sio.connect(
                live_server.url,
                auth={"token": token, "lastEventId": "0"},
                namespaces=["/scans"],
                transports=["websocket"],
                wait_timeout=10,
            )
            await asyncio.wait_for(received.wait(), 30)
            assert _open_sockets() == before + 1
            counts["accepted"] += 1
            await sio.disconnect()
    finally:
        loop.set_exception_handler(previous_handler)
    assert not [context for context in unhandled if "never retrieved" in str(context.get("message"))], unhandled
    print(f"\nsocket replay cursors: {counts}, gauge leaks 0")


# ---------------------------------------------------------------------------------------------- pixels


def _flat_png(size: tuple[int, int]) -> bytes:
    return photo(size=size, fmt="PNG")


async def test_the_pixels_of_one_request_are_bounded_and_the_413_says_so(settings: Settings, tmp_path: Path) -> None:
    settings.max_request_pixels = 3_000_000
    server = await start_server(settings)
    try:
        async with server.client() as client:
            token = await register(client)
            scan = await create_scan(client, token, rooms=1)
            files = [(f"{n}.png", _flat_png((1000, 1000)), 0) for n in range(4)]  # 4 MP together, each fine
            response = await upload(client, token, scan["id"], files, content_type="image/png")
            assert response.status_code == 413, response.text
            message = response.json()["detail"]["message"]
            assert "4,000,000 pixels" in message and "3,000,000 pixels per request" in message
            async with server.runtime.sessionmaker() as session:
                assert await session.scalar(select(func.count()).select_from(ImageRow)) == 0
            assert (await upload(client, token, scan["id"], files[:3], content_type="image/png")).status_code == 200
    finally:
        await server.stop()
    print(f"\npixels per request: 4,000,000 refused with a 413 naming the limit of {settings.max_request_pixels:,}")


async def test_pixels_being_checked_at_once_stay_within_the_process_budget(settings: Settings) -> None:
    settings.max_pixels_in_flight = 2_500_000  # room for two of the photos below at a time
    server = await start_server(settings)
    try:
        async with server.client() as client:
            tokens = [await register(client) for _ in range(3)]
            scans = [await create_scan(client, token, rooms=1) for token in tokens]
            photos = [
                [(f"{n}.png", photo((n, m, 7), size=(1100, 1000), fmt="PNG"), 0) for m in range(3)] for n in range(3)
            ]
            answers = await asyncio.gather(
                *(
                    upload(client, token, scan["id"], files, content_type="image/png")
                    for token, scan, files in zip(tokens, scans, photos, strict=True)
                )
            )
            assert [answer.status_code for answer in answers] == [200, 200, 200]
        budget = pixel_budget(settings.max_pixels_in_flight)
        assert 1_100_000 <= budget.peak <= settings.max_pixels_in_flight and budget.in_use == 0
    finally:
        await server.stop()
    print(
        f"\npixels in flight: 9 photos of 1.1 MP from 3 requests at once, peak {budget.peak:,} of {budget.capacity:,}"
    )


async def test_the_pixel_budget_grants_in_order_and_never_over_capacity() -> None:
    budget = PixelBudget(10)
    order: list[str] = []
    entered = {name: asyncio.Event() for name in "abc"}
    release = {name: asyncio.Event() for name in "abc"}

    async def hold(name: str, pixels: int) -> None:
        async with budget.reserve(pixels):
            order.append(name)
            assert budget.in_use <= budget.capacity
            entered[name].set()
            await release[name].wait()

    first = asyncio.create_task(hold("a", 6))
    await entered["a"].wait()
    later = [asyncio.create_task(hold("b", 6)), asyncio.create_task(hold("c", 2))]
    too_big = asyncio.create_task(hold("d", 50))  # more than the whole budget: capped to it, then cancelled
    await asyncio.sleep(0)  # one turn of the loop: the three tasks queue up (a yield, not a wait for time)
    assert order == ["a"] and len(budget._waiters) == 3  # c would fit, but waits its turn behind b
    too_big.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await too_big
    release["a"].set()
    await entered["b"].wait()
    await entered["c"].wait()
    assert order == ["a", "b", "c"] and budget.in_use == 8
    release["b"].set()
    release["c"].set()
    await asyncio.gather(first, *later)
    assert budget.in_use == 0 and budget.peak <= 10 and not budget._waiters
    assert request_pixels_problem([5, 5], max_request_pixels=10) is None
    assert "11 pixels" in str(request_pixels_problem([5, 6], max_request_pixels=10))


# ---------------------------------------------------------------------------------------------- headers


async def test_security_headers_on_the_web_app_and_the_api(tmp_path: Path, database_url: str) -> None:
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>HouseScan</title>")
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, web_dir=web)
    server = await start_server(settings)
    try:
        async with server.client() as client:
            page = await client.get("/")
            api = await client.get("/api/v1/auth/me")
            over_https = await client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
            docs = await client.get("/docs")
    finally:
        await server.stop()
    for response in (page, api, over_https, docs):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
    policy = page.headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self';",
        "style-src 'self';",
        "img-src 'self' blob: data:",
        "worker-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ):
        assert directive in policy, directive
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert api.headers["content-security-policy"].startswith("default-src 'none'")
    assert "strict-transport-security" not in page.headers
    assert over_https.headers["strict-transport-security"].startswith("max-age=")
    assert "content-security-policy" not in docs.headers  # FastAPI's docs page loads its scripts from a CDN
    print("\nsecurity headers: web app, API, HTTPS (HSTS) and docs checked")


# ---------------------------------------------------------------------------------------------- sign-up flood


async def test_a_sign_up_flood_is_throttled_and_leaves_uploads_their_threads(settings: Settings) -> None:
    """40 sign-up loops from one address: only the allowance gets through, the rest 429; a photo uploaded
    meanwhile is checked on the default thread pool, which hashing never occupies."""
    server = await start_server(settings)
    counts = {"201": 0, "429": 0, "other": 0}
    try:
        async with server.client() as client:
            token = await register(client)
            scan = await create_scan(client, token, rooms=1)
            stop = asyncio.Event()

            async def sign_up_loop(n: int) -> None:
                for m in range(5):
                    if stop.is_set():
                        return
                    body = {"email": f"flood-{n}-{m}-{uuid.uuid4().hex[:4]}@example.com", "password": "long enough pw"}
                    status = (await client.post("/api/v1/auth/register", json=body)).status_code
                    counts[str(status) if status in (201, 429) else "other"] += 1

            flood = [asyncio.create_task(sign_up_loop(n)) for n in range(40)]
            uploaded = await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])
            assert uploaded.status_code == 200
            await asyncio.gather(*flood)
    finally:
        await server.stop()
    print(f"\nsign-up flood: 40 loops x 5 from one address: {counts}")
    assert counts["201"] == settings.signup_limit_per_address - 1 and counts["other"] == 0
    assert counts["429"] == 200 - counts["201"]


async def test_hashing_has_its_own_bounded_pool(settings: Settings) -> None:
    """While every password-hash thread is busy (here: held), the event loop's default pool, which photo
    checks use, still runs work at once."""
    import threading

    from housescan.auth import security

    gate, all_busy, lock = threading.Event(), threading.Event(), threading.Lock()
    started = 0
    original = security.hash_password

    def held_hash(password: str) -> str:
        nonlocal started
        with lock:
            started += 1
            if started == security.HASH_THREADS:
                all_busy.set()
        gate.wait(60)
        return original(password)

    security.hash_password = held_hash
    try:
        hashes = [asyncio.create_task(security.hash_password_async(f"password {n}")) for n in range(30)]
        await asyncio.to_thread(all_busy.wait, 30)
        assert await asyncio.wait_for(asyncio.to_thread(lambda: "default pool free"), 30) == "default pool free"
        assert started == security.HASH_THREADS  # the rest wait for the hash pool, not for threads elsewhere
        extra = asyncio.gather(
            *(security.hash_password_async("one too many") for _ in range(security.MAX_WAITING_HASHES)),
            return_exceptions=True,
        )
    finally:
        gate.set()
    try:
        outcomes = await extra
        await asyncio.gather(*hashes)
    finally:
        security.hash_password = original
    busy = sum(isinstance(outcome, security.HashingBusy) for outcome in outcomes)
    assert busy == 30 + security.MAX_WAITING_HASHES - (security.HASH_THREADS + security.MAX_WAITING_HASHES)
    print(f"\npassword hashing: {security.HASH_THREADS} threads of its own, 30 hashes queued, default pool unaffected")


# ---------------------------------------------------------------------------------------------- login throttle


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_login_failures_make_growing_waits_that_end_and_never_lock() -> None:
    clock = _Clock()
    throttles = AuthThrottles(MemoryThrottleStore(clock=clock))
    waits = []
    for _ in range(12):
        try:
            await throttles.check_login(email="victim@example.com", address="203.0.113.9")
        except TooManyRequests as exc:
            wait = int((exc.headers or {})["Retry-After"])
            waits.append(wait)
            clock.now += wait  # the attacker waits exactly as long as told, then tries again
            await throttles.check_login(email="victim@example.com", address="203.0.113.9")
        await throttles.login_failed(email="victim@example.com", address="203.0.113.9")
    assert waits == [1, 2, 4, 8, 16, 32], waits  # five free failures, then doubling
    # Never more than the ceiling, and forgotten an hour after the last failure.
    for _ in range(20):
        await throttles.login_failed(email="victim@example.com", address="203.0.113.9")
    with pytest.raises(TooManyRequests) as blocked:
        await throttles.check_login(email="victim@example.com", address="203.0.113.9")
    assert int((blocked.value.headers or {})["Retry-After"]) <= 300
    # The owner, elsewhere, is never slowed down by any of it.
    await throttles.check_login(email="victim@example.com", address="198.51.100.1")
    clock.now += 3601
    await throttles.check_login(email="victim@example.com", address="203.0.113.9")
    print(f"\nlogin throttle: waits {waits}, ceiling 300 s, the owner elsewhere never waited")


async def test_the_in_process_throttle_has_bounded_memory() -> None:
    store = MemoryThrottleStore(max_keys=5000)
    throttles = AuthThrottles(store)
    for n in range(50_000):  # the report's 50k e-mails, one failure each, from one address
        await throttles.login_failed(email=f"sprayed-{n}@example.com", address="203.0.113.50")
    assert len(store) <= 5000
    # The spraying address itself is the most recently touched key: never dropped, so still throttled.
    with pytest.raises(TooManyRequests):
        await throttles.check_login(email="anyone@example.com", address="203.0.113.50")
    print(f"\nlogin throttle memory: 50,000 e-mails tried, {len(store)} keys kept (bound 5,000)")


async def test_with_redis_the_throttles_are_shared_across_processes(redis_prefix: str) -> None:
    """Two API processes' throttles over one Redis: failures counted by one slow the attacker at the other."""
    from tests.scaleout.conftest import REDIS_URL

    first = AuthThrottles(RedisThrottleStore(REDIS_URL, f"{redis_prefix}:throttle:"), signup_limit=2)
    second = AuthThrottles(RedisThrottleStore(REDIS_URL, f"{redis_prefix}:throttle:"), signup_limit=2)
    try:
        for _ in range(6):
            await first.login_failed(email="shared@example.com", address="203.0.113.77")
        with pytest.raises(TooManyRequests):
            await second.check_login(email="shared@example.com", address="203.0.113.77")
        await second.check_login(email="shared@example.com", address="198.51.100.77")  # the owner elsewhere
        await first.login_succeeded(email="shared@example.com", address="203.0.113.77")
        await second.check_login(email="shared@example.com", address="203.0.113.77")
        await first.check_signup(address="203.0.113.78")
        await second.check_signup(address="203.0.113.78")
        with pytest.raises(TooManyRequests):
            await first.check_signup(address="203.0.113.78")
    finally:
        await first.close()
        await second.close()
    shared = create_throttles(Settings(redis_url=REDIS_URL))
    assert isinstance(shared.store, RedisThrottleStore)
    await shared.close()
    assert isinstance(create_throttles(Settings(redis_url=None)).store, MemoryThrottleStore)

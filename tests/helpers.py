"""Test helpers: free ports, generated photos, accounts, waiting on a scan. The one copy of each, for the
tests, the browser tests and the benchmarks (bench/*.py put the repository on sys.path to import it)."""

from __future__ import annotations

import asyncio
import fcntl
import io
import random
import socket
import tempfile
import uuid
from pathlib import Path
from typing import IO, Any

import httpx
from PIL import Image, ImageDraw

PASSWORD = "correct horse battery"

# Ports for the servers tests start come from below Linux's ephemeral range (32768-60999), so that no
# outgoing connection takes one between free_port() and the server's bind, or while a killed server comes
# back on its port. A process claims each port it hands out with a lock file that it holds until it exits:
# xdist workers, a browser-test run beside them and other checkouts' suites never get the same port.
PORTS = range(20000, 32000)
_PORT_LOCKS = Path(tempfile.gettempdir()) / "housescan-test-ports"
_claimed: dict[int, IO[bytes]] = {}
_OWN_PORTS_BEFORE_REUSE = 64
_next_own = 0


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no obstacle
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _claim(port: int) -> bool:
    _PORT_LOCKS.mkdir(exist_ok=True)
    lock = (_PORT_LOCKS / str(port)).open("wb")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return False
    _claimed[port] = lock
    return True


def free_port() -> int:
    """A port no server listens on and no other process is handed. A process reuses its own ports in turn
    once it holds enough of them, each only while nothing is bound to it."""
    global _next_own
    if len(_claimed) >= _OWN_PORTS_BEFORE_REUSE:
        own = list(_claimed)
        for _ in own:
            port = own[_next_own % len(own)]
            _next_own += 1
            if _bindable(port):
                return port
    start = random.randrange(len(PORTS))  # spreads the processes over the range
    for offset in range(len(PORTS)):
        port = PORTS[(start + offset) % len(PORTS)]
        if port not in _claimed and _bindable(port) and _claim(port) and _bindable(port):
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def encoded(image: Image.Image, fmt: str = "JPEG", **save: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def photo(
    color: tuple[int, int, int] = (180, 120, 90), size: tuple[int, int] = (320, 240), fmt: str = "JPEG", **save: Any
) -> bytes:
    """A small generated photo: a gradient with a coloured block, so each colour gives different bytes."""
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 8):
        for y in range(0, size[1], 8):
            image.putpixel((x, y), ((x * 3) % 256, (y * 5) % 256, (x + y) % 256))
    return encoded(image, fmt, **save)


def room_photo(seed: int, size: tuple[int, int] = (640, 480), quality: int = 85) -> bytes:
    """A JPEG that differs per seed: a room-ish picture of floor, wall, window and a box."""
    w, h = size
    image = Image.new("RGB", size, ((40 * seed) % 200 + 40, (70 * seed) % 180 + 50, (110 * seed) % 160 + 60))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(h * 0.65), w, h), fill=(120 + seed % 80, 90, 60))
    draw.rectangle(
        (int(w * 0.55), int(h * 0.12), int(w * 0.85), int(h * 0.45)),
        fill=(200, 225, 245),
        outline=(250, 250, 250),
        width=6,
    )
    draw.rectangle((int(w * 0.1), int(h * 0.45), int(w * 0.38), int(h * 0.75)), fill=(60 + seed * 13 % 150, 60, 90))
    draw.text((10, 10), f"photo {seed}", fill=(255, 255, 255))
    return encoded(image, "JPEG", quality=quality)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def _access_token(registered: httpx.Response, logged_in: httpx.Response) -> str:
    assert registered.status_code == 201, registered.text
    assert logged_in.status_code == 200, logged_in.text
    token: str = logged_in.json()["access_token"]
    return token


async def register(client: httpx.AsyncClient, email: str | None = None, password: str = PASSWORD) -> str:
    """Sign up and log in over the API; returns the access token."""
    credentials = {"email": email or unique_email(), "password": password}
    registered = await client.post("/api/v1/auth/register", json=credentials)
    return _access_token(registered, await client.post("/api/v1/auth/login", json=credentials))


def register_sync(client: httpx.Client, email: str | None = None, password: str = PASSWORD) -> str:
    """`register` for code without an event loop (the browser tests)."""
    credentials = {"email": email or unique_email(), "password": password}
    registered = client.post("/api/v1/auth/register", json=credentials)
    return _access_token(registered, client.post("/api/v1/auth/login", json=credentials))


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_scan(
    client: httpx.AsyncClient, token: str, rooms: int = 2, address: str | None = "1 Test Street"
) -> dict[str, Any]:
    body = {"address": address, "rooms": [{"label": f"Room {n}"} for n in range(rooms)]}
    response = await client.post("/api/v1/scans", json=body, headers=auth(token))
    assert response.status_code == 201, response.text
    scan: dict[str, Any] = response.json()
    return scan


async def upload(
    client: httpx.AsyncClient,
    token: str,
    scan_id: str,
    files: list[tuple[str, bytes, int]],
    content_type: str = "image/jpeg",
) -> httpx.Response:
    return await client.post(
        f"/api/v1/scans/{scan_id}/images",
        files=[("images", (name, data, content_type)) for name, data, _ in files],
        data={"room_ordinal": [str(ordinal) for _, _, ordinal in files]},
        headers=auth(token),
    )


async def wait_for_status(
    client: httpx.AsyncClient, token: str, scan_id: str, statuses: set[str], timeout: float = 120
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await client.get(f"/api/v1/scans/{scan_id}", headers=auth(token))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] in statuses:
            return body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"scan {scan_id} still {body['status']} after {timeout}s")
        await asyncio.sleep(0.05)

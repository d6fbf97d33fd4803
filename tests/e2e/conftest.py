"""Browser tests: Debian's Chromium driven by Playwright against a real `housescan serve` on a free port.

Skipped, with the reason, when the pieces are missing: the `housescan` CLI, the built web app (web/dist),
the Playwright package or /usr/bin/chromium. Screenshots land in tests/e2e/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import free_port, register_sync, unique_email
from tests.helpers import room_photo as photo

__all__ = ["photo", "unique_email"]  # the browser tests' helpers, from tests.helpers

ROOT = Path(__file__).resolve().parents[2]
# A built web app elsewhere (HOUSESCAN_E2E_WEB_DIST) lets several checkouts' builds be tested side by side.
WEB_DIST = Path(os.environ.get("HOUSESCAN_E2E_WEB_DIST", ROOT / "web" / "dist"))
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("HOUSESCAN_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct-horse-42"


def _housescan_cli() -> Path | None:
    candidates = [Path(sys.executable).parent / "housescan", ROOT / ".venv" / "bin" / "housescan"]
    found = shutil.which("housescan")
    if found:
        candidates.append(Path(found))
    return next((c for c in candidates if c.exists()), None)


@dataclass
class Server:
    base_url: str
    data_dir: Path
    log: Path

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)


def _start_server(tmp: Path, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    cli = _housescan_cli()
    if cli is None:
        pytest.skip("the `housescan` CLI is not installed yet (expected at .venv/bin/housescan)")
    if not (WEB_DIST / "index.html").exists():
        pytest.skip("the web app is not built: run `cd web && npm ci && npm run build` first")
    port = free_port()
    data_dir = tmp / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log = tmp / "server.log"
    env = {
        **os.environ,
        "HOUSESCAN_DATA_DIR": str(data_dir),
        "HOUSESCAN_WEB_DIR": str(WEB_DIST),
        **(extra_env or {}),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=str(tmp),
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"`housescan serve` exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"`housescan serve` did not answer /healthz in 90 s:\n{log.read_text()[-4000:]}")
            time.sleep(0.25)
        yield Server(base_url=base, data_dir=data_dir, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _start_server(tmp_path_factory.mktemp("housescan-e2e"))


@pytest.fixture(scope="session")
def failing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose agents service cannot be reached: every scan fails (after its retries)."""
    dead_port = free_port()
    yield from _start_server(
        tmp_path_factory.mktemp("housescan-e2e-failing"),
        {
            "HOUSESCAN_AGENTS_URL": f"http://127.0.0.1:{dead_port}",
            "HOUSESCAN_JOB_MAX_ATTEMPTS": "2",
            "HOUSESCAN_JOB_BACKOFF_SECONDS": "0.2",
        },
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the `playwright` Python package is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Console:
    """Console errors and uncaught exceptions of a page; tests assert there are none unexpected."""

    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, fragment: str) -> None:
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]


def new_page(browser: object, server: Server, *, mobile: bool = False):  # type: ignore[no-untyped-def]
    viewport = {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=server.base_url,
        viewport=viewport,
        device_scale_factor=1,
        is_mobile=mobile,
        has_touch=mobile,
        service_workers="allow",
    )
    # A wait ends as soon as what it waits for happens; this only bounds a wait for what never happens. On a
    # loaded machine (a CI run beside other work) a report's photos took more than 20 s to appear.
    context.set_default_timeout(60_000)
    page = context.new_page()
    console = Console()
    page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.errors.append(f"pageerror: {e}"))
    return context, page, console


def until(page: Any, predicate: str, arg: Any = None, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until an async predicate of the page holds (wait_for_function would take its promise for true):
    the page checks it again after each answer, and a plain flag is waited for."""
    page.evaluate(
        "(arg) => { window.__holds = false; const holds = " + predicate + ";"
        " (async () => { while (!(await holds(arg))) await new Promise((resolve) => setTimeout(resolve, 100));"
        " window.__holds = true; })(); }",
        arg,
    )
    page.wait_for_function("() => window.__holds === true", timeout=timeout)


#: How long a browser test waits for a scan to be analysed and its report shown.
REPORT_TIMEOUT_MS = 120_000


def photo_files(*seeds: int) -> list[dict[str, object]]:
    return [{"name": f"room-photo-{s}.jpg", "mimeType": "image/jpeg", "buffer": photo(s)} for s in seeds]


def start_scan(page, address: str, rooms: list[str], screenshot: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """From any page, start a scan of `rooms` (names) at `address` in the app; its id, on its capture page."""
    page.get_by_role("link", name="New scan").first.click()
    page.get_by_role("heading", name="Start a scan").wait_for()
    page.get_by_label("Address").fill(address)
    page.get_by_label("Number of rooms").fill(str(len(rooms)))
    for index, name in enumerate(rooms):
        page.get_by_label(f"Room {index + 1}", exact=True).fill(name)
    if screenshot:
        shot(page, screenshot)
    page.get_by_role("button", name="Start photographing").click()
    page.wait_for_url(re.compile(r"/scans/[0-9a-f-]{36}"))
    return page.url.rsplit("/", 1)[-1].split("?")[0]


def upload_room(page, seeds: tuple[int, ...]) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("file-input").set_input_files(photo_files(*seeds))
    page.get_by_test_id("upload-button").click()
    page.get_by_test_id("thumb-uploaded").nth(len(seeds) - 1).wait_for()


def no_sideways_scroll(page: Any) -> None:
    """The page fits a 390 px phone: nothing to scroll sideways."""
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def shot(page, name: str, *, full_page: bool = True) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_up(page, email: str, *, first_name: str = "Alex") -> None:  # type: ignore[no-untyped-def]
    page.goto("/register")
    page.get_by_label("First name").fill(first_name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Your scans").wait_for()


def log_in(page, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Your scans").wait_for()


def api_user(server: Server, email: str) -> dict[str, str]:
    """Register and log in over the REST API; returns the Authorization header."""
    with server.api() as c:
        return {"Authorization": f"Bearer {register_sync(c, email, PASSWORD)}"}


def api_login(server: Server, email: str) -> dict[str, str]:
    with server.api() as c:
        tokens = c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def api_scan(server: Server, headers: dict[str, str], *, rooms: int = 2, address: str = "9 Elm Road") -> str:
    """Create, fill and process a scan over the REST API; returns its id once it has finished."""
    with server.api() as c:
        scan = c.post("/api/v1/scans", json={"address": address, "rooms": [{} for _ in range(rooms)]}, headers=headers)
        assert scan.status_code == 201, scan.text
        scan_id = scan.json()["id"]
        files = [("images", (f"p{i}.jpg", photo(100 + i), "image/jpeg")) for i in range(rooms)]
        up = c.post(
            f"/api/v1/scans/{scan_id}/images",
            files=files,
            data={"room_ordinal": [str(i) for i in range(rooms)]},
            headers=headers,
        )
        assert up.status_code == 200, up.text
        assert c.post(f"/api/v1/scans/{scan_id}/process", json={}, headers=headers).status_code == 202
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = c.get(f"/api/v1/scans/{scan_id}", headers=headers).json()["status"]
            if status in ("succeeded", "failed"):
                return scan_id
            time.sleep(0.5)
    raise AssertionError("the scan did not finish in 120 s")

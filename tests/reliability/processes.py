"""Real `housescan` processes for the reliability suites: start, wait until healthy, SIGKILL, restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import free_port

HOUSESCAN = str(Path(sys.executable).with_name("housescan"))


class HousescanProcess:
    """One `housescan` process; `kill()` is SIGKILL (no clean shutdown), `start()` runs it again."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def spawn(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([HOUSESCAN, *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.kills += 1

    async def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.process.wait, 20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return f"--- {self.name} ---\n" + "\n".join(text.splitlines()[-lines:])


class ServeProcess(HousescanProcess):
    """`housescan serve` on a port of its own that stays the same across restarts."""

    def __init__(self, workdir: Path, env: dict[str, str], name: str = "serve", port: int | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {
            **os.environ,
            "HOUSESCAN_DATA_DIR": str(workdir / "data"),
            "HOUSESCAN_WEB_DIR": str(workdir / "no-web"),
            **env,
        }
        super().__init__(
            name,
            ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
            full_env,
            workdir,
        )

    async def start(self, timeout: float = 60) -> None:
        self.spawn()
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                if not self.alive():
                    raise RuntimeError(f"{self.name} exited during start-up\n{self.log_tail()}")
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} not healthy after {timeout}s\n{self.log_tail()}")
                await asyncio.sleep(0.1)

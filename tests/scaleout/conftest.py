"""Scale-out fixtures: a Redis key prefix of each test's own, a PostgreSQL database of its own, and a real
S3-protocol server (moto's standalone server) with a bucket of its own."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
import pytest
import redis.asyncio as aioredis

from tests.conftest import _pg_admin, free_port

REDIS_URL = os.environ.get("HOUSESCAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
S3_KEY_ID = "testing"
S3_SECRET = "testing-secret"
S3_REGION = "us-east-1"


async def delete_redis_prefix(prefix: str) -> None:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        for start in range(0, len(keys), 500):
            await client.delete(*keys[start : start + 500])
    finally:
        await client.aclose()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    prefix = f"hs-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    await delete_redis_prefix(prefix)


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    name = f"housescan_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class S3Server:
    endpoint_url: str

    def client(self):  # type: ignore[no-untyped-def]
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=S3_REGION,
            aws_access_key_id=S3_KEY_ID,
            aws_secret_access_key=S3_SECRET,
        )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's standalone S3 server (a real HTTP server speaking the S3 API) on a free port."""
    executable = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    process = subprocess.Popen([executable, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the S3 server (moto_server) did not start") from None
                time.sleep(0.1)
        yield S3Server(endpoint_url=url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    bucket = f"hs-test-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    return bucket


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout: float = 20, message: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout}s: {message}")
        await asyncio.sleep(0.02)

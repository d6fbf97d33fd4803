"""One set of object-store tests, run against the local folder store and the S3 store (on a real S3-protocol
server): keys, bytes, deletion, and the URLs the analysis reads photos at."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image as PILImage

from housescan.agents.client import AgentsError
from housescan.agents.service import InProcessAgentsClient, create_agents_client
from housescan.config import Settings
from housescan.storage import renditions
from housescan.storage.base import ObjectNotFound, ObjectStore, StorageUnavailable
from housescan.storage.s3 import S3ObjectStore, parse_s3_url
from housescan.storage.service import create_store
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, create_scan, register, upload
from tests.scaleout.conftest import S3_KEY_ID, S3_REGION, S3_SECRET, S3Server

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40


def _settings(tmp_path: Path, kind: str, s3_server: S3Server | None, bucket: str | None, **extra: object) -> Settings:
    if kind == "local":
        return Settings(data_dir=tmp_path / "data", agents_provider="null", **extra)  # type: ignore[arg-type]
    assert s3_server is not None
    return Settings(
        data_dir=tmp_path / "data",
        agents_provider="null",
        storage_url=f"s3://{bucket}/photos/v1",
        s3_endpoint_url=s3_server.endpoint_url,
        s3_region=S3_REGION,
        s3_access_key_id=S3_KEY_ID,
        s3_secret_access_key=S3_SECRET,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(params=["local", "s3"])
def settings_for_store(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "local":
        return _settings(tmp_path, "local", None, None)
    s3_server: S3Server = request.getfixturevalue("s3_server")
    bucket: str = request.getfixturevalue("s3_bucket")
    return _settings(tmp_path, "s3", s3_server, bucket)


@pytest.fixture
def store(settings_for_store: Settings) -> ObjectStore:
    return create_store(settings_for_store)


async def test_put_get_roundtrip_and_overwrite(store: ObjectStore) -> None:
    await store.put("scans/abc/rooms/0/one.jpg", JPEG, "image/jpeg")
    assert await store.get("scans/abc/rooms/0/one.jpg") == JPEG
    await store.put("scans/abc/rooms/0/one.jpg", b"second", "image/jpeg")
    assert await store.get("scans/abc/rooms/0/one.jpg") == b"second"


async def test_missing_objects_and_deletion(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        await store.get("scans/nothing/here.jpg")
    await store.put("scans/del/a.jpg", b"a", "image/jpeg")
    await store.put("scans/del/b.jpg", b"b", "image/jpeg")
    await store.delete(["scans/del/a.jpg", "scans/del/b.jpg", "scans/del/never-existed.jpg"])
    await store.delete([])
    for key in ("scans/del/a.jpg", "scans/del/b.jpg"):
        with pytest.raises(ObjectNotFound):
            await store.get(key)


@pytest.mark.parametrize("key", ["../escape.jpg", "/abs.jpg", "a//b.jpg", "UPPER.jpg", "", "a/../../b"])
async def test_unsafe_keys_are_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(ValueError, match="invalid object key"):
        await store.put(key, b"x", "image/jpeg")


async def test_many_concurrent_writes(store: ObjectStore) -> None:
    keys = [f"scans/many/{n}.jpg" for n in range(30)]
    await asyncio.gather(*(store.put(key, key.encode(), "image/jpeg") for key in keys))
    assert await asyncio.gather(*(store.get(key) for key in keys)) == [key.encode() for key in keys]


async def test_the_analysis_reads_photos_at_their_internal_url(
    store: ObjectStore, settings_for_store: Settings
) -> None:
    await store.put("scans/url/photo.jpg", JPEG, "image/jpeg")
    url = store.internal_url("scans/url/photo.jpg")
    client = create_agents_client(settings_for_store, store)
    assert isinstance(client, InProcessAgentsClient)
    assert await client.loader.load(url) == JPEG
    if isinstance(store, S3ObjectStore):
        # A presigned URL: readable with no credentials by whoever holds it (a remote agents service).
        # (moto does not check signatures, so forged URLs are not tested here.)
        assert "X-Amz-Signature=" in url and "X-Amz-Expires=600" in url
        async with httpx.AsyncClient() as http:
            response = await http.get(url)
        assert response.status_code == 200 and response.content == JPEG
        assert response.headers["content-type"] == "image/jpeg"


async def test_s3_urls_are_short_lived(tmp_path: Path, s3_server: S3Server, s3_bucket: str) -> None:
    """The signed URL carries the configured lifetime from now (S3 and MinIO refuse it after that; moto, the
    test server, does not enforce expiry, so the signed fields are checked instead)."""
    store = create_store(_settings(tmp_path, "s3", s3_server, s3_bucket, image_url_seconds=90))
    await store.put("scans/exp/photo.jpg", JPEG, "image/jpeg")
    url = store.internal_url("scans/exp/photo.jpg")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["90"]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 60
    assert query["X-Amz-Credential"][0].startswith(f"{S3_KEY_ID}/") and query["X-Amz-SignedHeaders"] == ["host"]
    async with httpx.AsyncClient() as http:
        assert (await http.get(url)).status_code == 200


async def test_s3_objects_live_under_the_configured_prefix(s3_server: S3Server, s3_bucket: str, tmp_path: Path) -> None:
    store = create_store(_settings(tmp_path, "s3", s3_server, s3_bucket))
    await store.put("scans/p/photo.jpg", JPEG, "image/jpeg")
    listed = s3_server.client().list_objects_v2(Bucket=s3_bucket)
    assert [item["Key"] for item in listed["Contents"]] == ["photos/v1/scans/p/photo.jpg"]


def test_storage_urls_are_parsed_strictly() -> None:
    assert parse_s3_url("s3://bucket/a/b/") == ("bucket", "a/b")
    assert parse_s3_url("s3://bucket") == ("bucket", "")
    with pytest.raises(ValueError, match="s3://bucket"):
        parse_s3_url("s3:///nobucket")
    with pytest.raises(ValueError, match="unsupported"):
        create_store(Settings(storage_url="ftp://host/x"))


async def test_the_pipeline_refuses_other_hosts(store: ObjectStore, settings_for_store: Settings) -> None:
    client = create_agents_client(settings_for_store, store)
    assert isinstance(client, InProcessAgentsClient)
    with pytest.raises(AgentsError, match="not allowed"):
        await client.loader.load("http://169.254.169.254/latest/meta-data/")


def _photo_jpeg(size: tuple[int, int] = (1000, 750)) -> bytes:
    image = PILImage.new("RGB", size, (90, 140, 200))
    image.paste((240, 220, 30), (0, 0, size[0] // 3, size[1] // 3))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


async def test_renditions_live_next_to_their_photo_and_go_with_it(store: ObjectStore) -> None:
    key = "scans/r/photo.jpg"
    await store.put(key, _photo_jpeg(), "image/jpeg")
    assert not await store.exists("scans/r/photo.320.webp")
    thumbnail = await renditions.read(store, key, "thumbnail", original_type="image/jpeg")
    assert thumbnail.made and thumbnail.content_type == "image/webp"
    assert PILImage.open(io.BytesIO(thumbnail.data)).size == (320, 240)
    assert renditions.rendition_keys(key) == ["scans/r/photo.320.webp", "scans/r/photo.1280.webp"]
    for rendition_key in renditions.rendition_keys(key):
        assert await store.exists(rendition_key), "made once on first read, kept in the same store"
    assert await store.get("scans/r/photo.320.webp") == thumbnail.data
    medium = PILImage.open(io.BytesIO(await store.get("scans/r/photo.1280.webp")))
    assert medium.size == (1000, 750), "never enlarged"

    await store.delete([key])
    for gone in (key, *renditions.rendition_keys(key)):
        assert not await store.exists(gone)


async def test_renditions_made_in_the_background_and_a_photo_deleted_meanwhile_leaves_none(
    store: ObjectStore,
) -> None:
    keys = [f"scans/bg/{n}.jpg" for n in range(3)]
    for key in keys:
        await store.put(key, _photo_jpeg((640, 480)), "image/jpeg")
    renditions.schedule(store, keys)
    await store.delete(keys[:1])  # waits for (or drops) the work on it, then deletes it and its renditions
    await renditions.idle()
    assert not any([await store.exists(key) for key in renditions.with_renditions(keys[:1])])
    for key in keys[1:]:
        assert all([await store.exists(k) for k in renditions.rendition_keys(key)])


@asynccontextmanager
async def _one_photo_uploaded(
    settings: Settings,
) -> AsyncIterator[tuple[LiveServer, httpx.AsyncClient, str, dict[str, Any], httpx.Response]]:
    """A server on these settings, a signed-up person and their scan of one room, and the answer to the upload of
    one photo to it: (server, client, token, scan, answer)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    server = await start_server(settings.model_copy(update={"web_dir": settings.data_dir / "no"}))
    try:
        async with server.client() as client:
            token = await register(client)
            scan = await create_scan(client, token, rooms=1)
            response = await upload(client, token, scan["id"], [("a.jpg", _photo_jpeg(), 0)])
            yield server, client, token, scan, response
    finally:
        await server.stop()


async def test_uploads_store_renditions_in_either_store(settings_for_store: Settings) -> None:
    async with _one_photo_uploaded(settings_for_store) as (server, client, token, scan, response):
        assert response.status_code == 200, response.text
        image = response.json()["images"][0]
        await renditions.idle()
        key = f"scans/{scan['id']}/{image['id']}.jpg"
        store = server.runtime.store
        assert all([await store.exists(k) for k in renditions.with_renditions([key])])
        thumbnail = await client.get(image["thumbnail_url"])
        assert thumbnail.headers["content-type"] == "image/webp"
        assert thumbnail.content == await store.get(renditions.rendition_key(key, "thumbnail"))
        assert (await client.delete(f"/api/v1/scans/{scan['id']}", headers=auth(token))).status_code == 204
        assert not any([await store.exists(k) for k in renditions.with_renditions([key])])


async def test_an_upload_the_s3_store_refuses_is_a_503_with_its_reason_and_stores_nothing(
    tmp_path: Path, s3_server: S3Server
) -> None:
    settings = _settings(tmp_path, "s3", s3_server, "no-such-bucket")
    async with _one_photo_uploaded(settings) as (_server, client, token, scan, response):
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        assert response.json()["error"] == "storage_unavailable"
        assert "nothing of this upload was kept" in response.json()["detail"]
        detail = await client.get(f"/api/v1/scans/{scan['id']}", headers=auth(token))
        assert [room["images"] for room in detail.json()["rooms"]] == [[]]


async def test_an_s3_store_that_cannot_be_reached_is_named_as_unavailable(tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port nothing listens on: every connection is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    store = S3ObjectStore(
        bucket="photos", endpoint_url=f"http://127.0.0.1:{port}", access_key_id=S3_KEY_ID, secret_access_key="x" * 8
    )
    with pytest.raises(StorageUnavailable):
        await store.put("scans/p/photo.jpg", JPEG, "image/jpeg")


async def test_readiness_names_a_photo_store_that_cannot_be_reached(
    tmp_path: Path, settings_for_store: Settings
) -> None:
    server = await start_server(settings_for_store.model_copy(update={"web_dir": tmp_path / "no"}))
    try:
        async with server.client() as client:
            ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {
            "status": "ready",
            "checks": {"database": "ok", "queue": "ok", "storage": "ok"},
            "workers": settings_for_store.worker_concurrency,
        }
    finally:
        await server.stop()

    with socket.socket() as closed:  # a port nothing listens on: the store's every request is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    unreachable = Settings(
        data_dir=tmp_path / "unreachable",
        web_dir=tmp_path / "no",
        agents_provider="null",
        storage_url="s3://photos/v1",
        s3_endpoint_url=f"http://127.0.0.1:{port}",
        s3_region=S3_REGION,
        s3_access_key_id=S3_KEY_ID,
        s3_secret_access_key=S3_SECRET,  # type: ignore[arg-type]
    )
    unreachable.data_dir.mkdir(parents=True)
    server = await start_server(unreachable)
    try:
        async with server.client() as client:
            ready = await client.get("/readyz")
            alive = await client.get("/healthz")
        assert ready.status_code == 503, ready.text
        assert ready.json()["error"] == "not_ready" and ready.headers["retry-after"]
        detail = ready.json()["detail"]
        assert detail["message"].startswith("not ready: storage (")
        assert detail["checks"]["database"] == "ok" and detail["checks"]["storage"] != "ok"
        assert alive.status_code == 200  # alive all the same: liveness is not readiness
    finally:
        await server.stop()


async def test_the_probe_names_a_store_that_has_gone(settings_for_store: Settings, s3_server: S3Server) -> None:
    store = create_store(settings_for_store)
    await store.probe()
    if isinstance(store, S3ObjectStore):
        s3_server.client().delete_bucket(Bucket=store.bucket)  # empty: nothing was written
    else:
        settings_for_store.photos_dir.rmdir()
    with pytest.raises(StorageUnavailable):
        await store.probe()


async def test_readiness_names_a_bucket_that_does_not_exist(tmp_path: Path, s3_server: S3Server) -> None:
    settings = _settings(tmp_path, "s3", s3_server, "no-such-bucket", web_dir=tmp_path / "no")
    settings.data_dir.mkdir(parents=True)
    server = await start_server(settings)
    try:
        async with server.client() as client:
            ready = await client.get("/readyz")
        assert ready.status_code == 503, ready.text
        assert ready.json()["detail"]["checks"] == {"database": "ok", "queue": "ok", "storage": "StorageUnavailable"}
    finally:
        await server.stop()

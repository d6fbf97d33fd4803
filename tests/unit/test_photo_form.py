"""The photo form reader: what it keeps, in what order, and the 4xx it names for every malformed form."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from housescan.scans.photo_form import FormRejected, read_photo_form

LIMITS = {"max_file_bytes": 1_000, "max_files": 3}


def multipart(files: list[tuple[str, bytes]], fields: dict[str, list[str]]) -> tuple[str, bytes]:
    request = httpx.Request(
        "POST", "http://x/", files=[("images", (name, data, "image/jpeg")) for name, data in files], data=fields
    )
    return request.headers["content-type"], request.read()


async def chunked(body: bytes, size: int = 7) -> AsyncIterator[bytes]:
    """Small chunks: parts, headers and boundaries split across them."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def read(content_type: str, body: bytes) -> list[tuple[str, int, bytes]]:
    files = await read_photo_form(content_type, chunked(body), **LIMITS)
    return [(file.filename, file.room_ordinal, file.data) for file in files]


async def test_files_and_room_ordinals_in_the_order_sent() -> None:
    content_type, body = multipart(
        [("a.jpg", b"A" * 500), ("b.jpg", b"B" * 10)], {"room_ordinal": ["1", "0"], "note": ["x" * 5_000]}
    )
    assert await read(content_type, body) == [("a.jpg", 1, b"A" * 500), ("b.jpg", 0, b"B" * 10)]


async def test_a_photo_over_the_limit_is_kept_only_to_one_byte_past_it() -> None:
    content_type, body = multipart([("big.jpg", b"X" * 50_000)], {"room_ordinal": ["0"]})
    [(_, _, data)] = await read(content_type, body)
    assert data == b"X" * 1_001, "enough to say it is too large, no more held in memory"


@pytest.mark.parametrize(
    ("content_type", "body", "status", "phrase"),
    [
        ("application/json", b'{"images": []}', 415, "multipart/form-data"),
        ("application/x-www-form-urlencoded", b"room_ordinal=0", 422, "no files"),
        ("multipart/form-data", b"--x\r\n", 400, "no boundary"),
        ("multipart/form-data; boundary=abc", b"this is not multipart at all", 400, "malformed"),
        (*multipart([], {"room_ordinal": ["0"]}), 422, "no files"),
        (*multipart([("a.jpg", b"1"), ("b.jpg", b"2")], {"room_ordinal": ["0"]}), 422, "2 files but 1"),
        (*multipart([("a.jpg", b"1")], {"room_ordinal": ["first"]}), 422, "whole number, got 'first'"),
        (*multipart([("a.jpg", b"1")], {"room_ordinal": ["1" * 40]}), 422, "longer than 32 bytes"),
        (*multipart([(f"{n}.jpg", b"1") for n in range(4)], {"room_ordinal": ["0"] * 4}), 413, "at most 3"),
    ],
)
async def test_malformed_forms_are_named(content_type: str, body: bytes, status: int, phrase: str) -> None:
    with pytest.raises(FormRejected) as rejected:
        await read(content_type, body)
    assert rejected.value.status_code == status
    assert phrase in rejected.value.message


async def test_part_headers_are_bounded() -> None:
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="images"; filename="a.jpg"\r\n'
        f"X-Padding: {'p' * 10_000}\r\n\r\nDATA\r\n--{boundary}--\r\n"
    ).encode()
    with pytest.raises(FormRejected) as rejected:
        await read(f"multipart/form-data; boundary={boundary}", body)
    assert rejected.value.status_code == 400 and "header size" in rejected.value.message


async def test_too_many_files_stop_the_reading() -> None:
    content_type, body = multipart([(f"{n}.jpg", b"1" * 500) for n in range(10)], {"room_ordinal": ["0"] * 10})
    consumed = 0

    async def counting() -> AsyncIterator[bytes]:
        nonlocal consumed
        async for chunk in chunked(body):
            consumed += len(chunk)
            yield chunk

    with pytest.raises(FormRejected):
        await read_photo_form(content_type, counting(), **LIMITS)
    assert consumed < len(body) / 2, "the rest of the body is not read"


async def test_control_characters_in_a_file_name_are_dropped() -> None:
    content_type, body = multipart([("kitchen.jpg", b"1")], {"room_ordinal": ["0"]})
    body = body.replace(b'filename="kitchen.jpg"', b'filename="kit\x00ch\x1ben\x7f.jpg"')  # raw, as a client may send
    assert await read(content_type, body) == [("kitchen.jpg", 0, b"1")]

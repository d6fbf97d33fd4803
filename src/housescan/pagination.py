"""Paging, written once: keyset pages (newest first, by an opaque cursor) for people's lists, and offset
pages with a total for operators' views."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from housescan.errors import BadRequest


class InvalidCursor(BadRequest):
    message = "invalid cursor: pass back the `next_cursor` of the previous page unchanged"


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created_at, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(created_at), uuid.UUID(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor() from None


async def keyset_page(
    db_session: AsyncSession,
    query: Select[*tuple[Any, ...]],
    *,
    created_at: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[uuid.UUID],
    key: Callable[[Row[*tuple[Any, ...]]], tuple[datetime, uuid.UUID]],
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Row[*tuple[Any, ...]]], str | None]:
    """Up to `limit` rows newest first, after `cursor`; and the cursor of the next page (None on the last).
    `key` reads a row's (created_at, id), the same columns the query is ordered by."""
    query = query.order_by(created_at.desc(), row_id.desc()).limit(limit + 1)
    if cursor:
        query = query.where(tuple_(created_at, row_id) < tuple_(*decode_cursor(cursor)))
    rows = (await db_session.execute(query)).all()
    page = rows[:limit]
    return page, encode_cursor(*key(page[-1])) if len(rows) > limit else None


async def offset_page(
    db_session: AsyncSession, query: Select[*tuple[Any, ...]], *, limit: int, offset: int
) -> tuple[Sequence[Row[*tuple[Any, ...]]], int]:
    """One page of an ordered query, and how many rows the whole query has."""
    total = await db_session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await db_session.execute(query.limit(limit).offset(offset))).all()
    return rows, total or 0

"""One clock for the words the server writes (e-mails, PDFs): a moment in the reader's time zone, the zone
named, so it reads the same as the web app, which shows the viewer's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    """The named IANA time zone; UTC when none is named or the name is unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(moment: datetime | None, time_zone: ZoneInfo | str | None) -> str:
    """e.g. "6 Dec 2026, 13:05 (Europe/Paris)"; "-" for no moment. Naive moments are UTC."""
    if moment is None:
        return "-"
    where = time_zone if isinstance(time_zone, ZoneInfo) else zone(time_zone)
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(where)
    return f"{local.day} {local:%b %Y, %H:%M} ({where.key})"

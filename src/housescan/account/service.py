"""The account: password reset by e-mail, password change, deletion, and a download of one's data.

Reset tokens are 256 random bits, single use, valid for an hour, and stored as a SHA-256 hash. Asking for
a reset answers the same whether or not the address has an account, and sends in the background."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import secrets
import tempfile
import uuid
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.account.models import PasswordResetToken
from housescan.account.schemas import Preferences
from housescan.auth import service as auth_service
from housescan.auth.models import User
from housescan.auth.schemas import TokenPair
from housescan.auth.security import HashingBusy, hash_password_async, verify_password_async
from housescan.config import Settings
from housescan.db.base import Base, utcnow
from housescan.errors import BadRequest, Forbidden
from housescan.notifications.mail import Mail, paragraphs_html, send_mail_soon
from housescan.realtime.service import RoomCloser
from housescan.scans.models import Image, Scan
from housescan.storage.base import ObjectNotFound, ObjectStore

logger = logging.getLogger(__name__)

RESET_TOKEN_LIFETIME = timedelta(hours=1)
RESETS_PER_WINDOW = 3  # e-mails per account per window: a stranger cannot flood someone's inbox
RESET_WINDOW = timedelta(minutes=15)
# Columns never exported, whatever table they are in: secrets, and keys a browser holds.
_SECRET_COLUMNS = {"password_hash", "token_hash", "p256dh", "auth"}


class InvalidResetToken(BadRequest):
    message = "this reset link is invalid, expired or already used; ask for a new one"


class WrongPassword(Forbidden):
    message = "the password is wrong"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _hash_password(password: str) -> str:
    try:
        return await hash_password_async(password)
    except HashingBusy:
        raise auth_service.ServerBusy() from None


# ---------------------------------------------------------------------------------------------- reset


async def request_password_reset(*, db_session: AsyncSession, settings: Settings, email: str, base_url: str) -> None:
    user = await auth_service.get_by_email(db_session=db_session, email=email)
    if user is None:
        return
    now = utcnow()
    recent = await db_session.scalar(
        select(func.count())
        .select_from(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.created_at > now - RESET_WINDOW)
    )
    if (recent or 0) >= RESETS_PER_WINDOW:
        logger.info("password reset for user %s not sent: %d already in the last window", user.id, recent)
        return
    token = secrets.token_urlsafe(32)
    db_session.add(
        PasswordResetToken(
            user_id=user.id, token_hash=_hash_token(token), created_at=now, expires_at=now + RESET_TOKEN_LIFETIME
        )
    )
    await db_session.commit()
    link = f"{base_url.rstrip('/')}/reset-password?token={token}"
    lines = [
        "Someone (hopefully you) asked to reset the password of your HouseScan account.",
        "The link works once, for one hour. If you did not ask for it, ignore this e-mail: your password stays.",
    ]
    title = "Reset your HouseScan password"
    send_mail_soon(
        settings,
        Mail(
            to=user.email,
            subject=title,
            text="\n\n".join([*lines, f"Choose a new password: {link}", "HouseScan"]) + "\n",
            html=paragraphs_html(title, lines, link, "Choose a new password"),
        ),
    )


async def confirm_password_reset(
    *, db_session: AsyncSession, token: str, password: str, sockets: RoomCloser | None
) -> None:
    """Set the new password; the token is spent, the account's other reset links die with it, and every
    session ends (whoever had the old password is signed out, their open sockets too)."""
    password_hash = await _hash_password(password)
    now = utcnow()
    row = await db_session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash_token(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InvalidResetToken()
    spent = await db_session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    if not getattr(spent, "rowcount", 0):  # spent by a concurrent request
        await db_session.rollback()
        raise InvalidResetToken()
    await _replace_password(db_session, row.user_id, password_hash, now, sockets)


async def _replace_password(
    db_session: AsyncSession, user_id: uuid.UUID, password_hash: str, now: datetime, sockets: RoomCloser | None
) -> None:
    """The new password; the account's unused reset links die and every session ends (one commit)."""
    await db_session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))
    await db_session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    await auth_service.revoke_user_sessions(db_session=db_session, user_id=user_id, sockets=sockets, commit=False)
    await db_session.commit()


# ---------------------------------------------------------------------------------------------- password


async def _check_password(user: User, password: str) -> None:
    try:
        correct = await verify_password_async(user.password_hash, password)
    except HashingBusy:
        raise auth_service.ServerBusy() from None
    if not correct:
        raise WrongPassword()


async def set_password_by_operator(*, db_session: AsyncSession, email: str, password: str) -> None:
    """An operator's reset (`housescan user set-password`), for a person locked out where no mail goes: as a
    reset link's use, the account's reset links die and every session ends. The command line holds no sockets:
    tabs the person has open stop being answered at their next request, not at once."""
    auth_service.check_password(password)
    user = await auth_service.get_by_email(db_session=db_session, email=email)
    if user is None:
        raise auth_service.NoSuchAccount()
    await _replace_password(db_session, user.id, await _hash_password(password), utcnow(), sockets=None)


async def change_password(
    *,
    db_session: AsyncSession,
    settings: Settings,
    sockets: RoomCloser | None,
    user: User,
    current_password: str,
    new_password: str,
) -> TokenPair:
    """Every other session ends; this one goes on with the new tokens returned."""
    await _check_password(user, current_password)
    password_hash = await _hash_password(new_password)
    await db_session.execute(update(User).where(User.id == user.id).values(password_hash=password_hash))
    await auth_service.revoke_user_sessions(db_session=db_session, user_id=user.id, sockets=sockets, commit=False)
    await db_session.commit()
    return await auth_service.start_session(db_session=db_session, settings=settings, user_id=user.id)


# ---------------------------------------------------------------------------------------------- delete


async def delete_account(*, db_session: AsyncSession, store: ObjectStore, user: User, password: str) -> None:
    """The account and everything of it go: houses, scans, photos, share links, push subscriptions,
    preferences (the database cascades from the user). The spend ledger keeps its rows, without the user."""
    await _check_password(user, password)
    keys = list(
        await db_session.scalars(
            select(Image.object_key).join(Scan, Scan.id == Image.scan_id).where(Scan.user_id == user.id)
        )
    )
    await db_session.execute(delete(User).where(User.id == user.id))
    await db_session.commit()
    # Files go after the rows: a crash in between leaves orphan files, never rows pointing at nothing.
    await store.delete(keys)
    logger.info("account %s deleted with %d photos", user.id, len(keys))


# ---------------------------------------------------------------------------------------------- export


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def _rows(table: Table, rows: Any) -> list[dict[str, Any]]:
    names = [column.name for column in table.columns if column.name not in _SECRET_COLUMNS]
    return [{name: _jsonable(row._mapping[name]) for name in names} for row in rows]


async def _tables_of(db_session: AsyncSession, user_id: uuid.UUID, scan_ids: list[uuid.UUID]) -> dict[str, Any]:
    """Every row that belongs to the person: tables with a user_id column (theirs), or a scan_id column
    (their scans'), found from the metadata so that a new table is exported without a change here."""
    out: dict[str, Any] = {}
    for table in Base.metadata.sorted_tables:
        if table.name == "users" or "token" in table.name or table.name == "notification_outbox":
            continue
        columns = table.columns
        if "user_id" in columns:
            condition = columns["user_id"] == user_id
        elif "scan_id" in columns and scan_ids:
            condition = columns["scan_id"].in_(scan_ids)
        else:
            continue
        rows = (await db_session.execute(select(table).where(condition))).all()
        if rows:
            out[table.name] = _rows(table, rows)
    return out


async def export_data(*, db_session: AsyncSession, store: ObjectStore, user: User) -> tuple[Path, str]:
    """A zip of everything stored about the person: `account.json`, `data/<table>.json` and every photo
    under `photos/<scan id>/`. Returns a temporary file (the caller deletes it) and its download name."""
    scans = list(await db_session.scalars(select(Scan).where(Scan.user_id == user.id).order_by(Scan.created_at)))
    scan_ids = [scan.id for scan in scans]
    tables = await _tables_of(db_session, user.id, scan_ids)
    images = (
        list(await db_session.scalars(select(Image).where(Image.scan_id.in_(scan_ids)).order_by(Image.created_at)))
        if scan_ids
        else []
    )
    account = {
        "id": str(user.id),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": str(user.role),
        "created_at": user.created_at.isoformat(),
        "exported_at": utcnow().isoformat(),
        "scans": len(scans),
        "photos": len(images),
    }
    handle, name = tempfile.mkstemp(prefix="housescan-export-", suffix=".zip")
    os.close(handle)
    path = Path(name)
    try:
        archive = await asyncio.to_thread(zipfile.ZipFile, path, "w", zipfile.ZIP_DEFLATED)
        try:
            await asyncio.to_thread(archive.writestr, "account.json", json.dumps(account, indent=2))
            for table, rows in tables.items():
                await asyncio.to_thread(archive.writestr, f"data/{table}.json", json.dumps(rows, indent=2))
            for image in images:
                try:
                    data = await store.get(image.object_key)
                except ObjectNotFound:
                    continue
                extension = image.object_key.rsplit(".", 1)[-1]
                info = zipfile.ZipInfo(f"photos/{image.scan_id}/{image.id}.{extension}")
                info.compress_type = zipfile.ZIP_STORED  # photos are compressed already
                await asyncio.to_thread(archive.writestr, info, data)
        finally:
            await asyncio.to_thread(archive.close)
    except BaseException:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
    return path, f"housescan-data-{utcnow():%Y%m%d}.zip"


def preferences_of(user: User) -> Preferences:
    """The stored preferences as they are, not validated again: a currency saved before codes were checked
    against ISO 4217 still reads (and the web app's form shows it, for the person to correct)."""
    return Preferences.model_construct(currency=user.currency, time_zone=user.time_zone)


async def update_preferences(*, db_session: AsyncSession, user: User, body: Preferences) -> Preferences:
    """Sets the fields the body names (null clears one: the web app then fills it from the browser again)."""
    stored = await db_session.get_one(User, user.id)
    for name in body.model_fields_set:
        setattr(stored, name, getattr(body, name))
    await db_session.commit()
    return preferences_of(stored)

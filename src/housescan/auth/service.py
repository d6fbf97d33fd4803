from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.auth.models import Role, User
from housescan.auth.schemas import TokenPair
from housescan.auth.security import (
    InvalidToken,
    TokenKind,
    create_token,
    decode_token,
    hash_password,
    verify_password,
)
from housescan.config import Settings


class EmailTaken(Exception):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def get_by_email(*, db_session: AsyncSession, email: str) -> User | None:
    return await db_session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


async def create_user(
    *,
    db_session: AsyncSession,
    email: str,
    password: str,
    first_name: str | None = None,
    last_name: str | None = None,
    role: Role = Role.user,
) -> User:
    # Hash before touching the database: the transaction (and SQLite's write lock) stays short.
    password_hash = await asyncio.to_thread(hash_password, password)
    if await get_by_email(db_session=db_session, email=email) is not None:
        raise EmailTaken(email)
    user = User(
        email=normalise_email(email),
        password_hash=password_hash,
        first_name=first_name,
        last_name=last_name,
        role=role,
    )
    db_session.add(user)
    try:
        await db_session.commit()
    except IntegrityError as exc:  # a concurrent registration of the same address won the race
        await db_session.rollback()
        raise EmailTaken(email) from exc
    return user


async def authenticate(*, db_session: AsyncSession, email: str, password: str) -> User | None:
    user = await get_by_email(db_session=db_session, email=email)
    await db_session.commit()  # end the read before the slow hash check, which needs no database
    if not await asyncio.to_thread(verify_password, user.password_hash if user else None, password):
        return None
    return user


def issue_tokens(*, settings: Settings, user_id: uuid.UUID) -> TokenPair:
    secret = settings.resolved_jwt_secret
    access_lifetime = timedelta(minutes=settings.access_token_minutes)
    return TokenPair(
        access_token=create_token(secret, user_id, "access", access_lifetime),
        refresh_token=create_token(secret, user_id, "refresh", timedelta(days=settings.refresh_token_days)),
        expires_in=int(access_lifetime.total_seconds()),
    )


async def user_from_token(
    *, db_session: AsyncSession, settings: Settings, token: str, kind: TokenKind = "access"
) -> User | None:
    """The user a valid token names, or None (bad signature, expired, wrong kind, user deleted)."""
    try:
        user_id = decode_token(settings.resolved_jwt_secret, token, kind)
    except InvalidToken:
        return None
    return await db_session.get(User, user_id)

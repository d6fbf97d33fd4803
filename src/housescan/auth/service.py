"""Accounts, sign-in and refresh-token families.

A sign-in starts a family of refresh tokens. Each refresh uses its token up and issues the next of the
family; a token presented after it was used means two parties hold it (theft), so the whole family is
revoked and both must sign in again. Logging out revokes the family too.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.auth.models import RefreshToken, Role, User
from housescan.auth.schemas import TokenPair
from housescan.auth.security import (
    HashingBusy,
    InvalidToken,
    create_token,
    decode_token_claims,
    hash_password_async,
    verify_password_async,
)
from housescan.auth.throttle import AuthThrottles
from housescan.config import Settings
from housescan.errors import Conflict, NotAuthenticated, NotFound, ServiceUnavailable, Unprocessable
from housescan.realtime import service as realtime_service
from housescan.realtime.service import RoomCloser

logger = logging.getLogger(__name__)


class EmailTaken(Conflict):
    message = "an account with this email already exists; sign in, or reset its password"


class BlankPassword(Unprocessable):
    message = "the password cannot be blank or only spaces"


class WrongCredentials(NotAuthenticated):
    message = "wrong email or password"


class InvalidRefreshToken(NotAuthenticated):
    message = "invalid or expired refresh token"


class RefreshTokenReused(NotAuthenticated):
    message = "this refresh token was already used; every session it belonged to is signed out, sign in again"


class ServerBusy(ServiceUnavailable):
    message = "too many sign-ins at once; try again in a moment"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str) -> None:
    if not password.strip():
        raise BlankPassword()


async def _hash(password: str) -> str:
    try:
        return await hash_password_async(password)
    except HashingBusy:
        raise ServerBusy() from None


async def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return await verify_password_async(password_hash, password)
    except HashingBusy:
        raise ServerBusy() from None


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
    check_password(password)
    # Hash before touching the database: the transaction (and SQLite's write lock) stays short.
    password_hash = await _hash(password)
    if await get_by_email(db_session=db_session, email=email) is not None:
        raise EmailTaken()
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
        raise EmailTaken() from exc
    return user


class NoSuchAccount(NotFound):
    message = "no account has this e-mail address"


async def set_role(*, db_session: AsyncSession, email: str, role: Role) -> User:
    """Give an existing account a role (an operator's command: the first admin, or one more)."""
    user = await get_by_email(db_session=db_session, email=email)
    if user is None:
        raise NoSuchAccount()
    user.role = role
    await db_session.commit()
    return user


async def register(
    *,
    db_session: AsyncSession,
    throttles: AuthThrottles,
    address: str,
    email: str,
    password: str,
    first_name: str | None = None,
    last_name: str | None = None,
) -> User:
    """Sign-up, throttled per client address. Every attempt counts, a taken address included: the 409
    that says so is no cheaper a way to learn which e-mails have accounts than signing up is."""
    await throttles.check_signup(address=address)
    return await create_user(
        db_session=db_session, email=email, password=password, first_name=first_name, last_name=last_name
    )


async def authenticate(*, db_session: AsyncSession, email: str, password: str) -> User | None:
    user = await get_by_email(db_session=db_session, email=email)
    await db_session.commit()  # end the read before the slow hash check, which needs no database
    if not await _verify(user.password_hash if user else None, password):
        return None
    return user


async def login(
    *,
    db_session: AsyncSession,
    settings: Settings,
    throttles: AuthThrottles,
    address: str,
    email: str,
    password: str,
) -> TokenPair:
    """Tokens for the right password; failures slow down further tries of this account from this address
    (and of any account from this address), never the owner elsewhere."""
    email = normalise_email(email)
    await throttles.check_login(email=email, address=address)
    user = await authenticate(db_session=db_session, email=email, password=password)
    if user is None:
        await throttles.login_failed(email=email, address=address)
        raise WrongCredentials()
    await throttles.login_succeeded(email=email, address=address)
    return await start_session(db_session=db_session, settings=settings, user_id=user.id)


def issue_tokens(
    *,
    settings: Settings,
    user_id: uuid.UUID,
    refresh_id: uuid.UUID | None = None,
    family_id: uuid.UUID | None = None,
) -> TokenPair:
    """Signed tokens. The refresh token works only with `refresh_id`, the id of its recorded row (see
    `start_session`); without one it is refused at refresh. The access token names the sign-in (`family_id`):
    once that is revoked (logout, a password change, a stolen refresh token) it is refused at once."""
    secret = settings.resolved_jwt_secret
    access_lifetime = timedelta(minutes=settings.access_token_minutes)
    return TokenPair(
        access_token=create_token(secret, user_id, "access", access_lifetime, session_id=family_id),
        refresh_token=create_token(
            secret, user_id, "refresh", timedelta(days=settings.refresh_token_days), jti=refresh_id
        ),
        expires_in=int(access_lifetime.total_seconds()),
    )


async def _record_refresh_token(
    *, db_session: AsyncSession, settings: Settings, user_id: uuid.UUID, family_id: uuid.UUID
) -> TokenPair:
    row = RefreshToken(
        user_id=user_id,
        family_id=family_id,
        expires_at=datetime.now(UTC) + timedelta(days=settings.refresh_token_days),
    )
    db_session.add(row)
    await db_session.flush()
    return issue_tokens(settings=settings, user_id=user_id, refresh_id=row.id, family_id=family_id)


async def start_session(*, db_session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> TokenPair:
    """A new family of refresh tokens (one sign-in); the user's expired tokens are cleared on the way."""
    await db_session.execute(
        delete(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.expires_at < datetime.now(UTC))
    )
    tokens = await _record_refresh_token(
        db_session=db_session, settings=settings, user_id=user_id, family_id=uuid.uuid4()
    )
    await db_session.commit()
    return tokens


async def refresh(
    *, db_session: AsyncSession, settings: Settings, refresh_token: str, sockets: RoomCloser | None
) -> TokenPair:
    """Rotate: the presented token is used up and the next of its family issued. A token used before is
    theft: its family is revoked, and its open sockets disconnected."""
    try:
        user_id, token_id, _ = decode_token_claims(settings.resolved_jwt_secret, refresh_token, "refresh")
    except InvalidToken:
        raise InvalidRefreshToken() from None
    if token_id is None:
        raise InvalidRefreshToken()
    now = datetime.now(UTC)
    # One statement claims the token: of two requests presenting it at once, exactly one wins.
    claimed = await db_session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == token_id,
            RefreshToken.user_id == user_id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(RefreshToken.family_id)
    )
    family_id = claimed.scalar_one_or_none()
    if family_id is None:
        row = await db_session.get(RefreshToken, token_id)
        if row is not None and row.user_id == user_id and row.used_at is not None and row.revoked_at is None:
            await _revoke(
                db_session=db_session, condition=RefreshToken.family_id == row.family_id, now=now, sockets=sockets
            )
            await db_session.commit()
            logger.warning("refresh token reused: family %s of user %s revoked", row.family_id, user_id)
            raise RefreshTokenReused()
        await db_session.rollback()
        raise InvalidRefreshToken()
    if await db_session.get(User, user_id) is None:
        await db_session.rollback()
        raise InvalidRefreshToken()
    tokens = await _record_refresh_token(db_session=db_session, settings=settings, user_id=user_id, family_id=family_id)
    await db_session.commit()
    return tokens


async def logout(
    *, db_session: AsyncSession, settings: Settings, refresh_token: str, sockets: RoomCloser | None
) -> None:
    """Revoke the family of this refresh token and disconnect the sockets it opened. Anything that is not a
    valid refresh token of ours is a no-op (the answer is the same: that token does not work)."""
    try:
        user_id, token_id, _ = decode_token_claims(settings.resolved_jwt_secret, refresh_token, "refresh")
    except InvalidToken:
        return
    if token_id is None:
        return
    row = await db_session.get(RefreshToken, token_id)
    if row is None or row.user_id != user_id:
        await db_session.rollback()
        return
    await _revoke(
        db_session=db_session, condition=RefreshToken.family_id == row.family_id, now=datetime.now(UTC), sockets=sockets
    )
    await db_session.commit()


async def revoke_user_sessions(
    *, db_session: AsyncSession, user_id: uuid.UUID, sockets: RoomCloser | None, commit: bool = True
) -> None:
    """Every refresh token of the user stops working (e.g. after a password change), and with them the access
    tokens and open sockets of those sign-ins. With `commit=False` it joins the caller's transaction."""
    await _revoke(
        db_session=db_session, condition=RefreshToken.user_id == user_id, now=datetime.now(UTC), sockets=sockets
    )
    if commit:
        await db_session.commit()


async def _revoke(*, db_session: AsyncSession, condition: object, now: datetime, sockets: RoomCloser | None) -> None:
    revoked = await db_session.execute(
        update(RefreshToken)
        .where(condition, RefreshToken.revoked_at.is_(None))  # type: ignore[arg-type]
        .values(revoked_at=now)
        .returning(RefreshToken.family_id)
    )
    realtime_service.disconnect_sign_ins_after_commit(db_session, sockets, set(revoked.scalars()))


async def user_from_token(*, db_session: AsyncSession, settings: Settings, token: str) -> User | None:
    """The user a valid access token names, or None (bad signature, expired, not an access token, user deleted,
    or its sign-in ended: logged out, or every session ended by a password change)."""
    try:
        claims = decode_token_claims(settings.resolved_jwt_secret, token, "access")
    except InvalidToken:
        return None
    user = select(User).where(User.id == claims.user_id)
    if claims.session_id is not None:
        user = user.where(_signed_in(claims.session_id))
    return await db_session.scalar(user)  # one query per request: the user and their sign-in together


def _signed_in(family_id: uuid.UUID) -> ColumnElement[bool]:
    """Whether a sign-in of the user still stands: a refresh token of its family is not revoked (revoking ends
    them all)."""
    return exists().where(
        RefreshToken.family_id == family_id, RefreshToken.user_id == User.id, RefreshToken.revoked_at.is_(None)
    )

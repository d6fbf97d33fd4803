"""Password hashing (Argon2, on a bounded pool of its own), signed tokens (JWT, HS256 only), and shared
service tokens."""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import SecretStr

TokenKind = Literal["access", "refresh"]
_ALGORITHM = "HS256"
_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown keeps login time the same for both answers.
_DUMMY_HASH = _hasher.hash("housescan-timing-equaliser")


class InvalidToken(Exception):
    pass


# Each hash takes ~64 MiB and a core for a moment. They run on threads of their own, never on the event
# loop's default pool that uploads and other blocking work use, so a flood of sign-ups or logins cannot
# starve those; and only so many may wait, beyond which the caller is told to come back.
HASH_THREADS = max(2, min(4, (os.cpu_count() or 1) // 2))
MAX_WAITING_HASHES = 64
_pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="password-hash")
_in_pool = 0


class HashingBusy(Exception):
    """More password checks are waiting than `MAX_WAITING_HASHES`."""


async def _on_hash_pool(function: Any, *args: Any) -> Any:
    global _in_pool
    if _in_pool >= HASH_THREADS + MAX_WAITING_HASHES:
        raise HashingBusy()
    _in_pool += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_pool, function, *args)
    finally:
        _in_pool -= 1


async def hash_password_async(password: str) -> str:
    hashed: str = await _on_hash_pool(hash_password, password)
    return hashed


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    matches: bool = await _on_hash_pool(verify_password, password_hash, password)
    return matches


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def create_token(
    secret: str,
    user_id: uuid.UUID,
    kind: TokenKind,
    lifetime: timedelta,
    *,
    jti: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
) -> str:
    """A signed token; `session_id` (claim `sid`) names the sign-in it belongs to, so that ending that sign-in
    ends its access tokens at once."""
    now = datetime.now(UTC)
    claims = {"sub": str(user_id), "type": kind, "iat": now, "exp": now + lifetime, "jti": (jti or uuid.uuid4()).hex}
    if session_id is not None:
        claims["sid"] = session_id.hex
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


class TokenClaims(NamedTuple):
    user_id: uuid.UUID
    token_id: uuid.UUID | None  # `jti`
    session_id: uuid.UUID | None  # `sid`, absent from tokens issued outside a recorded sign-in


def decode_token_claims(secret: str, token: str, kind: TokenKind) -> TokenClaims:
    """The claims of a valid, unexpired token of this kind; `InvalidToken` for anything else."""
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "type"]})
        if claims["type"] != kind:
            raise InvalidToken(f"not an {kind} token")
        jti, sid = claims.get("jti"), claims.get("sid")
        return TokenClaims(
            uuid.UUID(claims["sub"]),
            uuid.UUID(hex=jti) if isinstance(jti, str) else None,
            uuid.UUID(hex=sid) if isinstance(sid, str) else None,
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc


def bearer_matches(authorization: str | None, token: SecretStr | None) -> bool:
    """Whether an `Authorization` header carries the configured service token; no token configured: open."""
    if token is None:
        return True
    if not token.get_secret_value():
        return False  # an empty token configured by hand (Settings turns one into None) opens nothing
    expected = f"Bearer {token.get_secret_value()}"
    return authorization is not None and secrets.compare_digest(authorization, expected)

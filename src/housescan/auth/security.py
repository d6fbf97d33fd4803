"""Password hashing (Argon2), signed tokens (JWT, HS256 only), and shared service tokens."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal

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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def create_token(secret: str, user_id: uuid.UUID, kind: TokenKind, lifetime: timedelta) -> str:
    now = datetime.now(UTC)
    claims = {"sub": str(user_id), "type": kind, "iat": now, "exp": now + lifetime, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def decode_token(secret: str, token: str, kind: TokenKind) -> uuid.UUID:
    """The user id of a valid, unexpired token of this kind; `InvalidToken` for anything else."""
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "type"]})
        if claims["type"] != kind:
            raise InvalidToken(f"not an {kind} token")
        return uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(str(exc)) from exc


def bearer_matches(authorization: str | None, token: SecretStr | None) -> bool:
    """Whether an `Authorization` header carries the configured service token; no token configured: open."""
    if token is None:
        return True
    expected = f"Bearer {token.get_secret_value()}"
    return authorization is not None and secrets.compare_digest(authorization, expected)

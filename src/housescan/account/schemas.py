from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, field_validator

from housescan.account.currencies import CurrencyCode


def _not_blank(password: str) -> str:
    if not password.strip():
        raise ValueError("the password cannot be blank or only spaces")
    return password


class PasswordResetRequest(BaseModel):
    email: EmailStr


class PasswordResetRequested(BaseModel):
    detail: str = "if this address has an account, an e-mail with a reset link is on its way"


class PasswordResetConfirm(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=256)

    _check = field_validator("password")(_not_blank)


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=256)
    new_password: str = Field(min_length=8, max_length=256)

    _check = field_validator("new_password")(_not_blank)


class AccountDelete(BaseModel):
    password: str = Field(max_length=256)


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not a time zone name such as Europe/Paris") from None
    return name


class Preferences(BaseModel):
    """The account's currency (of cost ranges) and time zone (of e-mails and PDFs). The web app fills both
    from the browser's locale while they are unset."""

    model_config = ConfigDict(extra="forbid")

    currency: CurrencyCode | None = None
    time_zone: Annotated[str, Field(max_length=64), AfterValidator(_time_zone)] | None = None

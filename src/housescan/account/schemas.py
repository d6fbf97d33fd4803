from __future__ import annotations

from pydantic import BaseModel, EmailStr, Field, field_validator


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

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PreferencesUpdate(BaseModel):
    email_on_complete: bool | None = None
    push_on_complete: bool | None = None


class PreferencesRead(BaseModel):
    email_on_complete: bool
    push_on_complete: bool
    email_available: bool = Field(description="an SMTP server is configured: e-mails are really sent")
    push_public_key: str = Field(description="the VAPID applicationServerKey to subscribe with (base64url)")
    push_subscriptions: int = Field(description="devices of this person subscribed to push")


class PushKeys(BaseModel):
    p256dh: str = Field(min_length=1, max_length=200)
    auth: str = Field(min_length=1, max_length=100)


class PushSubscriptionCreate(BaseModel):
    """A browser's `PushSubscription.toJSON()`."""

    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(min_length=1, max_length=2048)
    expiration_time: int | None = Field(default=None, alias="expirationTime")
    keys: PushKeys


class PushSubscriptionDelete(BaseModel):
    endpoint: str = Field(min_length=1, max_length=2048)


class PushSubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    endpoint: str
    created_at: datetime


class VapidPublicKey(BaseModel):
    public_key: str

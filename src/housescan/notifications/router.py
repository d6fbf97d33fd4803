from __future__ import annotations

from fastapi import APIRouter, Response, status

from housescan.auth.dependencies import CurrentUser
from housescan.dependencies import SessionDep, SettingsDep
from housescan.notifications import service as notifications_service
from housescan.notifications.schemas import (
    PreferencesRead,
    PreferencesUpdate,
    PushSubscriptionCreate,
    PushSubscriptionDelete,
    PushSubscriptionRead,
    VapidPublicKey,
)

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/me/notifications")
async def get_preferences(user: CurrentUser, db_session: SessionDep, settings: SettingsDep) -> PreferencesRead:
    """Whether the person gets an e-mail and a push notification when a scan ends."""
    return await notifications_service.get_preferences(db_session=db_session, settings=settings, user_id=user.id)


@router.put("/me/notifications")
async def put_preferences(
    body: PreferencesUpdate, user: CurrentUser, db_session: SessionDep, settings: SettingsDep
) -> PreferencesRead:
    return await notifications_service.update_preferences(
        db_session=db_session, settings=settings, user_id=user.id, body=body
    )


@router.post("/me/push-subscriptions", status_code=status.HTTP_201_CREATED)
async def add_push_subscription(
    body: PushSubscriptionCreate, user: CurrentUser, db_session: SessionDep, settings: SettingsDep
) -> PushSubscriptionRead:
    """Store this browser's PushSubscription (`subscription.toJSON()`)."""
    return await notifications_service.add_push_subscription(
        db_session=db_session, settings=settings, user_id=user.id, body=body
    )


@router.delete("/me/push-subscriptions", status_code=status.HTTP_204_NO_CONTENT)
async def remove_push_subscription(body: PushSubscriptionDelete, user: CurrentUser, db_session: SessionDep) -> Response:
    await notifications_service.remove_push_subscription(db_session=db_session, user_id=user.id, endpoint=body.endpoint)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/notifications/vapid-public-key")
async def vapid_public_key(settings: SettingsDep) -> VapidPublicKey:
    """The server's VAPID applicationServerKey, for `pushManager.subscribe`."""
    return notifications_service.push_public_key(settings=settings)

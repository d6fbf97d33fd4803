from __future__ import annotations

import html

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import HTMLResponse

from housescan.auth.dependencies import CurrentUser
from housescan.dependencies import SessionDep, SettingsDep
from housescan.errors import NotAuthenticated, responses
from housescan.notifications import service as notifications_service
from housescan.notifications.schemas import (
    PreferencesRead,
    PreferencesUpdate,
    PushSubscriptionCreate,
    PushSubscriptionDelete,
    PushSubscriptionRead,
    VapidPublicKey,
)
from housescan.notifications.service import InvalidUnsubscribeToken, SubscriptionNotFound, SubscriptionRejected

router = APIRouter(prefix="/api/v1", tags=["notifications"])
_SIGNED_IN = responses(NotAuthenticated)


@router.get("/me/notifications", responses=_SIGNED_IN)
async def get_preferences(user: CurrentUser, db_session: SessionDep, settings: SettingsDep) -> PreferencesRead:
    """Whether the person gets an e-mail and a push notification when a scan ends."""
    return await notifications_service.get_preferences(db_session=db_session, settings=settings, user_id=user.id)


@router.put("/me/notifications", responses=_SIGNED_IN)
async def put_preferences(
    body: PreferencesUpdate, user: CurrentUser, db_session: SessionDep, settings: SettingsDep
) -> PreferencesRead:
    return await notifications_service.update_preferences(
        db_session=db_session, settings=settings, user_id=user.id, body=body
    )


@router.post(
    "/me/push-subscriptions",
    status_code=status.HTTP_201_CREATED,
    responses=responses(NotAuthenticated, SubscriptionRejected),
)
async def add_push_subscription(
    body: PushSubscriptionCreate, user: CurrentUser, db_session: SessionDep, settings: SettingsDep
) -> PushSubscriptionRead:
    """Store this browser's PushSubscription (`subscription.toJSON()`)."""
    return await notifications_service.add_push_subscription(
        db_session=db_session, settings=settings, user_id=user.id, body=body
    )


@router.delete(
    "/me/push-subscriptions",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(NotAuthenticated, SubscriptionNotFound),
)
async def remove_push_subscription(body: PushSubscriptionDelete, user: CurrentUser, db_session: SessionDep) -> Response:
    await notifications_service.remove_push_subscription(db_session=db_session, user_id=user.id, endpoint=body.endpoint)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/notifications/vapid-public-key")
async def vapid_public_key(settings: SettingsDep) -> VapidPublicKey:
    """The server's VAPID applicationServerKey, for `pushManager.subscribe`."""
    return notifications_service.push_public_key(settings=settings)


UnsubscribeToken = Query(min_length=1, max_length=200, description="the signed token of the e-mail's link")


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        '<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width">'
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>"
    )


@router.post("/notifications/unsubscribe", response_class=HTMLResponse, responses=responses(InvalidUnsubscribeToken))
async def unsubscribe(db_session: SessionDep, settings: SettingsDep, token: str = UnsubscribeToken) -> HTMLResponse:
    """One-click unsubscribe (RFC 8058, `List-Unsubscribe=One-Click` posted by the mail program, or the
    button of the page below): scan e-mails off for the token's owner, with no login; 422 for a token that
    is not valid."""
    await notifications_service.unsubscribe(db_session=db_session, settings=settings, token=token)
    return _page(
        "Unsubscribed",
        '<p role="status">HouseScan sends you no more e-mails when a scan ends.</p>'
        '<p><a href="/settings">Turn them back on in Settings</a></p>',
    )


@router.get("/notifications/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_page(token: str = UnsubscribeToken) -> HTMLResponse:
    """The link opened in a browser: a button that posts the unsubscribe (a GET changes nothing, since
    mail scanners open links)."""
    action = html.escape(f"/api/v1/notifications/unsubscribe?token={token}", quote=True)
    return _page(
        "Unsubscribe",
        f'<form method="post" action="{action}"><p>Stop the e-mails HouseScan sends when a scan ends?</p>'
        '<button type="submit">Unsubscribe</button></form>',
    )

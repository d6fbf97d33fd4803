"""Domain errors carry their HTTP status; one handler turns any of them into the one error shape.

Services raise these (never `HTTPException`); routes let them pass. Each error answers
`{"detail": ...}` with its status and optional headers, and the same shape is declared in the OpenAPI
schema for every route.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class HouseScanError(Exception):
    """A failure the client caused or can act on. Subclasses set `status_code` (and a default message)."""

    status_code: int = 400
    message: str = "bad request"

    def __init__(
        self, detail: str | dict[str, Any] | list[Any] | None = None, *, headers: dict[str, str] | None = None
    ):
        self.detail: str | dict[str, Any] | list[Any] = detail if detail is not None else self.message
        self.headers = headers
        if isinstance(self.detail, str):
            self.message = self.detail
        super().__init__(self.message)


class BadRequest(HouseScanError):
    status_code = 400
    message = "bad request"


class NotAuthenticated(HouseScanError):
    status_code = 401
    message = "not authenticated"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class PaymentRequired(HouseScanError):
    status_code = 402
    message = "over budget"


class Forbidden(HouseScanError):
    status_code = 403
    message = "not allowed"


class NotFound(HouseScanError):
    """Also the answer for another user's resources: their existence is never revealed."""

    status_code = 404
    message = "not found"


class Conflict(HouseScanError):
    status_code = 409
    message = "conflicts with the resource's state"


class TooLarge(HouseScanError):
    status_code = 413
    message = "too large or too many"


class Unprocessable(HouseScanError):
    status_code = 422
    message = "invalid input"


class TooManyRequests(HouseScanError):
    status_code = 429
    message = "too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HouseScanError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def install_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(HouseScanError, _handle)


class ErrorBody(BaseModel):
    detail: str | list[Any] | dict[str, Any]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "bad request",
        401: "not authenticated",
        403: "not allowed",
        404: "not found (also for another user's resources)",
        409: "conflicts with the resource's state",
        413: "too large or too many",
        422: "invalid input; `detail` names what was wrong",
        429: "too many requests",
    }.items()
}

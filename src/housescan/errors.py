"""Domain errors carry their HTTP status and a machine code; one handler turns any of them into the one
error shape.

Services raise these (never `HTTPException`); routes let them pass. Each error answers
`{"detail": ..., "error": "<code>"}` with its status and optional headers: `detail` in words for a person,
`error` a stable code for a program (`scan_not_found`). A subclass's code is its class name in snake case
unless it sets `code`; a renamed class keeps its code by setting it. Routes declare the errors they may
answer with `responses(...)`, each route exactly its own; the request checks every route shares (an invalid
or too large body) are declared once, app-wide (`ERROR_RESPONSES`).
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)


def error_body(detail: Any, code: str) -> dict[str, Any]:
    """The one error shape, for the answers made outside the handler too (middleware, the web app's 404)."""
    return {"detail": detail, "error": code}


class HouseScanError(Exception):
    """A failure the client caused or can act on. Subclasses set `status_code` (and a default message)."""

    status_code: int = 400
    code: str = "bad_request"
    message: str = "bad request"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()

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


class ServiceUnavailable(HouseScanError):
    """A part of the service cannot take the request now; the client may try again after `retry_after` s."""

    status_code = 503
    message = "the service cannot take this request now; try again in a moment"
    retry_after = 1

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(self.retry_after)})


class RedisUnavailable(ServiceUnavailable):
    """Redis (the queue and shared state of a scaled-out deployment) did not answer; try again in a moment."""

    message = "a service this request needs (Redis) did not answer; try again in a moment"
    retry_after = 5


class InvalidInput(Unprocessable):
    """The request's parameters or body do not fit the route's schema (FastAPI's validation)."""

    code = "invalid_input"


class BodyTooLarge(TooLarge):
    """The request's body is over the size limit (the middleware's check, before any route)."""


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HouseScanError)
    return JSONResponse(error_body(exc.detail, exc.code), status_code=exc.status_code, headers=exc.headers)


async def _handle_invalid(_request: Request, exc: Exception) -> JSONResponse:
    """Each error names where (`loc`), what (`msg`, `type`, `ctx`); never the value sent (pydantic's `input`),
    which may be a password or a token, and which the sender has anyway."""
    assert isinstance(exc, RequestValidationError)
    errors = [{key: value for key, value in error.items() if key != "input"} for error in exc.errors()]
    return JSONResponse(error_body(jsonable_encoder(errors), InvalidInput.code), status_code=422)


async def _handle_redis_down(request: Request, exc: Exception) -> JSONResponse:
    """A Redis connection error or timeout no service turned into an error of its own."""
    logger.warning("%s %s: Redis did not answer (%s); answered 503", request.method, request.url.path, exc)
    return await _handle(request, RedisUnavailable())


async def _handle_http(_request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own answers (an unknown path, a method the path does not take)."""
    assert isinstance(exc, StarletteHTTPException)
    code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    return JSONResponse(error_body(exc.detail, code), status_code=exc.status_code, headers=exc.headers)


def install_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(HouseScanError, _handle)
    app.add_exception_handler(RequestValidationError, _handle_invalid)
    app.add_exception_handler(StarletteHTTPException, _handle_http)
    app.add_exception_handler(RedisConnectionError, _handle_redis_down)
    app.add_exception_handler(RedisTimeoutError, _handle_redis_down)


class ErrorBody(BaseModel):
    detail: str | list[Any] | dict[str, Any] = Field(description="what was wrong, in words")
    error: str = Field(description="a stable machine code for what was wrong, e.g. `scan_not_found`")


def responses(*errors: type[HouseScanError]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of a route (or router) that may answer these errors: per status, the error
    body and the codes it carries (an error whose status varies lists them in `statuses`). Other statuses
    of a route are merged in with `|`."""
    by_status: dict[int, list[type[HouseScanError]]] = {}
    for error in errors:
        for status in getattr(error, "statuses", (error.status_code,)):
            by_status.setdefault(status, []).append(error)
    # A route's own 422 or 413 replaces the app-wide one in the OpenAPI: it lists the app-wide codes too.
    for shared in EVERY_ROUTE_ERRORS:
        if shared.status_code in by_status:
            by_status[shared.status_code].insert(0, shared)
    return {
        status: {
            "model": ErrorBody,
            # Stated too for the routes that answer other than JSON when they succeed (an HTML page).
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
            "description": "; ".join(f"`{error.code}`: {_described(error)}" for error in dict.fromkeys(group)),
        }
        for status, group in sorted(by_status.items())
    }


def _described(error: type[HouseScanError]) -> str:
    """The first paragraph of the class's own docstring, else its default message."""
    own = error.__dict__.get("__doc__")
    return " ".join(own.strip().split("\n\n")[0].split()).rstrip(".") if own else error.message


# Every route: a body the JSON check or the size limit refuses, or parameters that do not validate.
EVERY_ROUTE_ERRORS: tuple[type[HouseScanError], ...] = (InvalidInput, BodyTooLarge)
ERROR_RESPONSES = responses(*EVERY_ROUTE_ERRORS)

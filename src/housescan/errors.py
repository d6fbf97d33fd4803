"""The one shape of every error answer, declared in the OpenAPI schema for every route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


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

"""Structured logs: structlog over the standard library's logging, JSON when stdout is not a terminal.

Every line carries the context bound with `bind_log_context` (contextvars): the request id, the user id
and the scan id in an API request; the scan id and user id in a worker's job and the agents it runs.
Secrets never reach the output: values under sensitive keys, bearer tokens, JWTs, signed-URL signatures
and raw bytes are masked by `redact`, whichever logger (ours, uvicorn's, a library's) wrote the line.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from typing import Any, Literal, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

LogFormat = Literal["auto", "json", "console"]

REDACTED = "[redacted]"
# `token` alone or as a word of a snake_case key (access_token), not `tokens_in` (a count).
_SENSITIVE_KEY = re.compile(
    r"pass(word|wd)?|secret|(^|_)token($|_)|authori[sz]ation|api[_-]?key|cookie|signature|credential|private_key",
    re.IGNORECASE,
)
_SENSITIVE_TEXT = (
    # A JWT (access or refresh token) anywhere in a message.
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    # The password of a URL's user (postgresql://user:password@host, redis://:password@host, smtp://...).
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@"), rf"\1{REDACTED}@"),
    # A share link's token (in any logged path or URL) opens a report or a repair list to whoever holds it.
    (re.compile(r"(/shared/(?:repair-lists/)?)[^/\s'\"?#]+"), rf"\1{REDACTED}"),
    # key=value pairs of query strings, form bodies and reprs.
    (
        re.compile(
            r"(?i)\b((?:access_|refresh_)?token|password|passwd|secret|signature|api_key|apikey)"
            r"(['\"]?\s*[:=]\s*['\"]?)[^&\s'\",}]+"
        ),
        rf"\1\2{REDACTED}",
    ),
)
MAX_VALUE_CHARS = 4000
_SOCKETIO_LOGGERS = ("socketio.server", "socketio.client", "engineio.server", "engineio.client")
# Their INFO line per request carries the whole URL: a photo's presigned URL (the store's access key id) for
# every photo a worker fetches. Their warnings and errors still come through.
_HTTP_CLIENT_LOGGERS = ("httpx", "httpcore")

# The fields of the request being served, shared by reference: a value bound deep in the request (the
# user, once authenticated) is seen by the middleware's closing line even across copied contexts.
_request_fields: ContextVar[dict[str, Any] | None] = ContextVar("housescan_request_fields", default=None)


def _mask_text(text: str) -> str:
    for pattern, replacement in _SENSITIVE_TEXT:
        text = pattern.sub(replacement, text)
    if len(text) <= MAX_VALUE_CHARS:
        return text
    # Both ends: a traceback's last lines name the error (an unreachable database, say).
    head = MAX_VALUE_CHARS // 4
    return text[:head] + "...[truncated]..." + text[-(MAX_VALUE_CHARS - head) :]


def _mask(key: str, value: Any) -> Any:
    if _SENSITIVE_KEY.search(key) and value is not None:
        return REDACTED
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, str):
        return _mask_text(value)
    if isinstance(value, dict):
        return {k: _mask(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(key, v) for v in value]
    return value


def redact_value(name: str, value: Any) -> Any:
    """`value` as a log line would show it under the key `name`: secrets masked."""
    return _mask(name, value)


def redact(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Mask secrets and bytes in every field of a log line (the message included)."""
    event_dict.pop("color_message", None)  # uvicorn's ANSI-coloured copy of the message
    for key, value in list(event_dict.items()):
        if key in ("exc_info", "stack_info", "_record", "_from_structlog"):
            continue
        event_dict[key] = _mask(key, value) if key != "event" else _mask_text(str(value))
    return event_dict


def _redact_rendered(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Tracebacks are rendered late; mask what they quote too."""
    for key in ("exception", "stack"):
        if isinstance(event_dict.get(key), str):
            event_dict[key] = _mask_text(event_dict[key])
    return event_dict


def bind_log_context(**fields: Any) -> None:
    """Add fields (stringified) to every following log line of this request, job or task."""
    values = {key: str(value) for key, value in fields.items() if value is not None}
    structlog.contextvars.bind_contextvars(**values)
    shared = _request_fields.get()
    if shared is not None:
        shared.update(values)


def start_log_context(**fields: Any) -> dict[str, Any]:
    """A fresh context for one request or job: forget whatever an earlier one on this task bound."""
    structlog.contextvars.clear_contextvars()
    shared: dict[str, Any] = {}
    _request_fields.set(shared)
    bind_log_context(**fields)
    return shared


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]


def configure_structlog() -> None:
    """structlog loggers hand their lines to the standard library's logging (one output for all)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def log_handler(stream: TextIO | None = None, log_format: LogFormat = "auto") -> logging.Handler:
    stream = stream or sys.stdout
    as_json = log_format == "json" or (log_format == "auto" and not stream.isatty())
    renderer: Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    tail: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if as_json:
        tail += [structlog.processors.format_exc_info, _redact_rendered]
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *_shared_processors()],  # extras redacted too
            processors=[*tail, renderer],
        )
    )
    handler.set_name("housescan")
    return handler


def configure_logging(level: str = "info", log_format: LogFormat = "auto", stream: TextIO | None = None) -> None:
    """Send every logger's lines (ours, uvicorn's, libraries') through one structured handler on stdout."""
    configure_structlog()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == "housescan":
            root.removeHandler(handler)
    root.addHandler(log_handler(stream, log_format))
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would print plain text; let its lines reach the root handler instead.
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    for name in _SOCKETIO_LOGGERS:
        # python-socketio and python-engineio give their logger a plain-text handler of its own when its level
        # is unset (each line twice: once as text on stderr, once through ours): a level leaves it unset.
        library = logging.getLogger(name)
        library.handlers = [h for h in library.handlers if type(h) is not logging.StreamHandler]
        library.setLevel(max(logging.WARNING, root.level))
    for name in _HTTP_CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))

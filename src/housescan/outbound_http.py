"""HTTP clients for the calls this service makes (push services, the agents service, image hosts).

They share one TLS context per process: by default httpx builds a context for every client it makes,
loading the CA bundle each time, about 25 ms of CPU on the event loop of this machine per client (it was
a third of a scan's CPU in the embedded deployment, bench/scaleout.py). With the shared context a client
costs under a millisecond."""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def client(**options: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(verify=_tls_context(), **options)

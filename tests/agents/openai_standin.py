"""A local stand-in for an OpenAI-compatible chat-completions server, for tests.

It listens on a free 127.0.0.1 port, answers `POST .../chat/completions` as the real API does (an output tool
call when the request offers tools, JSON content otherwise), and is scripted per test: per agent (the name of
the output tool or JSON schema the request carries) a queue of `Reply`s, then a default responder. Every
request is recorded with the agent it was for, the images it carried (decoded: format and size) and the reply
it got, so tests can count calls and check what was sent.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from PIL import Image


@dataclass
class Reply:
    """One answer. `output` is the structured answer (sent as the tool call's arguments or as JSON content);
    `raw` replaces it with text as is (malformed JSON); `status` other than 200 answers an HTTP error."""

    output: Any = None
    raw: str | None = None
    prompt_tokens: int = 100
    completion_tokens: int = 20
    status: int = 200
    delay: float = 0.0
    error: str = "the stand-in was told to fail"


@dataclass
class SentImage:
    format: str
    width: int
    height: int


@dataclass
class Recorded:
    body: dict[str, Any]
    agent: str
    texts: list[str]
    images: list[SentImage]
    received_at: float
    reply: Reply | None = None
    answered_at: float | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


Responder = Callable[[Recorded], Reply]


def _agent_of(body: dict[str, Any]) -> str:
    response_format = body.get("response_format") or {}
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        return str(response_format.get("json_schema", {}).get("name", ""))
    for tool in body.get("tools") or []:
        name = tool.get("function", {}).get("name", "")
        if name:
            return str(name)
    return ""


def _contents(body: dict[str, Any]) -> tuple[list[str], list[SentImage]]:
    texts: list[str] = []
    images: list[SentImage] = []
    for message in body.get("messages", []):
        if message.get("role") not in ("user",):
            continue
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
            continue
        for part in content or []:
            if part.get("type") == "text":
                texts.append(part.get("text", ""))
            elif part.get("type") == "image_url":
                url = part["image_url"]["url"]
                header, _, data = url.partition(",")
                assert header.startswith("data:") and header.endswith(";base64"), header
                with Image.open(io.BytesIO(base64.b64decode(data))) as image:
                    images.append(SentImage(str(image.format), image.width, image.height))
    return texts, images


class OpenAIStandIn:
    def __init__(self, default: Responder | None = None) -> None:
        self.requests: list[Recorded] = []
        self.scripts: dict[str, list[Reply]] = {}
        self.default = default
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.answered = asyncio.Event()

    def script(self, agent: str, *replies: Reply) -> None:
        self.scripts.setdefault(agent, []).extend(replies)

    def calls(self, agent: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if agent is None or r.agent == agent]

    def reported_tokens(self) -> int:
        return sum(r.reply.prompt_tokens + r.reply.completion_tokens for r in self.requests if r.reply is not None)

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        texts, images = _contents(body)
        recorded = Recorded(body, _agent_of(body), texts, images, time.monotonic())
        self.requests.append(recorded)
        queue = self.scripts.get(recorded.agent)
        if queue:
            reply = queue.pop(0)
        elif self.default is not None:
            reply = self.default(recorded)
        else:
            reply = Reply(status=500, error=f"no reply scripted for {recorded.agent!r}")
        recorded.reply = reply
        if reply.delay:
            await asyncio.sleep(reply.delay)
        recorded.answered_at = time.monotonic()
        if reply.status != 200:
            return web.json_response(
                {"error": {"message": reply.error, "type": "server_error", "code": None}}, status=reply.status
            )
        return web.json_response(self._completion(body, recorded.agent, reply))

    @staticmethod
    def _completion(body: dict[str, Any], agent: str, reply: Reply) -> dict[str, Any]:
        text = reply.raw if reply.raw is not None else json.dumps(reply.output)
        offers_tool = any(t.get("function", {}).get("name") == agent for t in body.get("tools") or [])
        message: dict[str, Any]
        if offers_tool:
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{time.monotonic_ns()}",
                        "type": "function",
                        "function": {"name": agent, "arguments": text},
                    }
                ],
            }
            finish = "tool_calls"
        else:
            message = {"role": "assistant", "content": text}
            finish = "stop"
        return {
            "id": f"chatcmpl-{time.monotonic_ns()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "standin"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            },
        }

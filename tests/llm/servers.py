"""Loopback HTTP servers speaking the OpenAI chat-completions and Anthropic messages
protocols, with scripted faults. Real sockets, real SDK clients; nothing of ours is mocked."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Protocol = Literal["openai", "anthropic"]


@dataclass(frozen=True)
class Answer:
    """Answer with ``text`` (JSON text is sent as tool arguments when a tool was forced)."""

    text: str
    finish: str | None = None


@dataclass(frozen=True)
class Hang:
    seconds: float


@dataclass(frozen=True)
class Status:
    code: int
    message: str = "server error"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reset:
    """Close the connection with a TCP reset, without any response."""


@dataclass(frozen=True)
class Refuse:
    text: str = "I can't help with that."


@dataclass(frozen=True)
class RawBody:
    """A 200 response whose body is not the protocol's JSON."""

    body: bytes = b"<html>upstream proxy error</html"


Behaviour = Answer | Hang | Status | Reset | Refuse | RawBody


@dataclass
class Seen:
    at: float
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeServer:
    """Serves scripted behaviours in order; records every request it receives."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.script: list[Behaviour] = []
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}" + ("/v1" if self.protocol == "openai" else "")

    def play(self, *behaviours: Behaviour) -> FakeServer:
        with self._lock:
            self.script.extend(behaviours)
        return self

    def _next(self, seen: Seen) -> Behaviour:
        with self._lock:
            self.requests.append(seen)
            if not self.script:
                return Status(500, "the test script is exhausted")
            return self.script.pop(0)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                seen = Seen(
                    time.monotonic(),
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                behaviour = server._next(seen)
                # The client may give up first (a timeout): expected in hang tests.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    server._respond(self, behaviour, body)

        return Handler

    def _respond(self, h: BaseHTTPRequestHandler, b: Behaviour, body: dict[str, Any]) -> None:
        if isinstance(b, Hang):
            time.sleep(b.seconds)
            b = Answer("{}")
        if isinstance(b, Reset):
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            return
        if isinstance(b, RawBody):
            h.send_response(200)
            h.send_header("content-type", "application/json")
            h.send_header("content-length", str(len(b.body)))
            h.end_headers()
            h.wfile.write(b.body)
            return
        if isinstance(b, Status):
            payload = (
                {"error": {"message": b.message, "type": "server_error"}}
                if self.protocol == "openai"
                else {"type": "error", "error": {"type": "api_error", "message": b.message}}
            )
            self._send(h, b.code, payload, b.headers)
            return
        make = _openai_body if self.protocol == "openai" else _anthropic_body
        self._send(h, 200, make(b, body), {})

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, code: int, payload: dict[str, Any], headers: dict[str, str]
    ) -> None:
        data = json.dumps(payload).encode()
        h.send_response(code)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(data)))
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _openai_body(b: Answer | Refuse, request: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    finish = "stop"
    if isinstance(b, Refuse):
        message["refusal"] = b.text
    elif request.get("tools"):
        name = request["tools"][0]["function"]["name"]
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": b.text}}
        ]
        finish = "tool_calls"
    else:
        message["content"] = b.text
    if isinstance(b, Answer) and b.finish:
        finish = b.finish
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "m"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 8, "total_tokens": 28},
    }


def _anthropic_body(b: Answer | Refuse, request: dict[str, Any]) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    stop = "end_turn"
    if isinstance(b, Refuse):
        stop = "refusal"
    else:
        try:
            value = json.loads(b.text)
        except ValueError:
            value = None
        if request.get("tools") and isinstance(value, dict):
            content = [
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": request["tools"][0]["name"],
                    "input": value,
                }
            ]
            stop = "tool_use"
        else:
            content = [{"type": "text", "text": b.text}]
        if b.finish:
            stop = b.finish
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": request.get("model", "claude"),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 20, "output_tokens": 8},
    }


@contextmanager
def serving(protocol: Protocol) -> Iterator[FakeServer]:
    server = FakeServer(protocol).start()
    try:
        yield server
    finally:
        server.stop()

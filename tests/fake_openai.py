"""A fake OpenAI-compatible chat server on loopback that answers like a real one, faults included.

It serves `POST /v1/chat/completions` in a thread. Answers come from a responder (the gold oracle in the tests);
`faults` is a queue of what goes wrong on the next requests (`always` makes one fault permanent): a timeout,
429 with Retry-After, 5xx, a reset connection, a cut-off answer (`finish_reason=length`), invalid JSON, empty
output, or endless whitespace. Error bodies carry `SECRET`, so a test can check that no upstream text is echoed.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

SECRET = "upstream-internal-detail-7f3a"
TRANSPORT_FAULTS = ("timeout", "429", "500", "502", "503", "reset")
CONTENT_FAULTS = ("length", "invalid", "empty", "whitespace")
Responder = Callable[[list[BaseMessage], dict[str, Any]], Any]


class FakeOpenAI:
    def __init__(self, responder: Responder, *, stall_s: float = 2.0) -> None:
        self.responder = responder
        self.stall_s = stall_s
        self.faults: list[str | None] = []  # None: this request goes well
        self.always: str | None = None
        self.arrivals: list[float] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_fault(self) -> str | None:
        with self._lock:
            self.arrivals.append(time.monotonic())
            return self.faults.pop(0) if self.faults else self.always

    def answer(self, body: dict[str, Any]) -> str:
        roles = {"system": SystemMessage, "user": HumanMessage}
        messages = [roles.get(m["role"], HumanMessage)(content=m["content"]) for m in body["messages"]]
        answer = self.responder(messages, {"response_format": body.get("response_format", {})})
        return answer if isinstance(answer, str) else json.dumps(answer)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fault = fake.next_fault()
                if fault == "timeout":
                    time.sleep(fake.stall_s)
                    return self._reset()
                if fault == "reset":
                    return self._reset()
                if fault in ("429", "500", "502", "503"):
                    error = {"error": {"message": f"{SECRET}: quota for org-xyz", "type": "server_error"}}
                    headers = {"Retry-After": "1"} if fault == "429" else {}
                    return self._send(int(fault), error, headers)
                content, finish = fake.answer(body), "stop"
                if fault == "length":
                    content, finish = content[: len(content) // 2], "length"
                elif fault == "invalid":
                    content = f"Sure! Here is the journey map you asked for ({SECRET})."
                elif fault == "empty":
                    content = ""
                elif fault == "whitespace":
                    content, finish = " \n" * 3000, "length"
                completion = {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": finish,
                        }
                    ],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
                }
                self._send(200, completion)

            def _send(
                self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _reset(self) -> None:
                """Drop the connection with a TCP reset, no response at all."""
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

        return Handler

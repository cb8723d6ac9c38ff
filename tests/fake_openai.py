"""A fake OpenAI-compatible chat server on loopback that answers like a real one, faults included.

It serves `POST /v1/chat/completions` in a thread. Answers come from a responder (the gold oracle in the tests);
`faults` is a queue of what goes wrong on the next requests (`always` makes one fault permanent): a timeout,
429 with Retry-After, 5xx, a reset connection, a cut-off answer (`finish_reason=length`), invalid JSON, empty
output, or endless whitespace. Error bodies carry `SECRET`, so a test can check that no upstream text is echoed.

Every request is first checked as the real API checks it, and refused with 400 (recorded in `refused`) when
it breaks the chat-completions specification: the request's fields and types are those of the `openai`
package's `CompletionCreateParamsNonStreaming` (no unknown key at any depth), `json_schema.name` is 1-64 of
a-z A-Z 0-9 _ -, a `strict` schema keeps OpenAI's strict rules (every object closed and all its properties
required, only supported keywords), and `json_object` needs the word JSON in the messages. With
`dialect="llama.cpp"` the server reads as llama-cpp-python's does: `json_object` with a `schema` beside it,
and no `json_schema` format.
"""

from __future__ import annotations

import copy
import json
import re
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
from pydantic import TypeAdapter, ValidationError
from pydantic_core import SchemaValidator

SECRET = "upstream-internal-detail-7f3a"
TRANSPORT_FAULTS = ("timeout", "429", "500", "502", "503", "reset")
CONTENT_FAULTS = ("length", "invalid", "empty", "whitespace")
Responder = Callable[[list[BaseMessage], dict[str, Any]], Any]
Dialect = Literal["openai", "llama.cpp"]
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# The JSON Schema keywords OpenAI's structured outputs support in strict mode (its structured-outputs guide).
STRICT_KEYWORDS = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf",
        "description", "$defs", "$ref", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
    }
)  # fmt: skip


def _closed(core: Any) -> Any:
    """The pydantic core schema with every TypedDict closed to unknown keys and every iterable read as a
    list (so that its items are checked now, not when consumed)."""
    if isinstance(core, dict):
        if core.get("type") == "typed-dict":
            core["extra_behavior"] = "forbid"
        if core.get("type") == "generator":
            core["type"] = "list"
        for value in core.values():
            _closed(value)
    elif isinstance(core, list):
        for value in core:
            _closed(value)
    return core


SPEC = SchemaValidator(_closed(copy.deepcopy(TypeAdapter(CompletionCreateParamsNonStreaming).core_schema)))


def _strict_problems(schema: Any, path: str) -> list[str]:
    if not isinstance(schema, dict):
        return []
    problems = [f"{path}: '{k}' is not supported in strict mode" for k in schema if k not in STRICT_KEYWORDS]
    properties = schema.get("properties")
    if schema.get("type") == "object" or properties is not None:
        if schema.get("additionalProperties") is not False:
            problems.append(f"{path}: 'additionalProperties' is required to be supplied and to be false")
        missing = sorted(set(properties or {}) - set(schema.get("required", [])))
        if missing:
            problems.append(f"{path}: 'required' must include every property; missing {missing}")
    for key, value in (properties or {}).items():
        problems += _strict_problems(value, f"{path}.properties.{key}")
    for key in ("items", "$defs", "anyOf"):
        nested = schema.get(key)
        children = (
            nested.items()
            if isinstance(nested, dict) and key == "$defs"
            else enumerate(nested if isinstance(nested, list) else [nested])
        )
        for name, child in children:
            problems += _strict_problems(child, f"{path}.{key}.{name}")
    return problems


def spec_problems(body: dict[str, Any], dialect: Dialect = "openai") -> list[str]:
    """Why the API would refuse this request body (empty: it would accept it)."""
    checked = dict(body)
    fmt = checked.get("response_format")
    problems: list[str] = []
    if dialect == "llama.cpp" and isinstance(fmt, dict):
        if fmt.get("type") not in ("text", "json_object") or set(fmt) - {"type", "schema"}:
            problems.append("response_format: llama.cpp reads only type text or json_object, with a schema")
        checked.pop("response_format")
    try:
        SPEC.validate_python(checked, strict=True)
    except ValidationError as exc:
        problems += [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    if dialect != "openai" or not isinstance(fmt, dict):
        return problems
    if fmt.get("type") == "json_object":
        text = json.dumps(body.get("messages", [])).casefold()
        if "json" not in text:
            problems.append("messages: must contain the word 'json' to use response_format json_object")
    spec = fmt.get("json_schema") if fmt.get("type") == "json_schema" else None
    if isinstance(spec, dict):
        if not _NAME.match(str(spec.get("name", ""))):
            problems.append(
                f"response_format.json_schema.name: {spec.get('name')!r} does not match {_NAME.pattern}"
            )
        if spec.get("strict"):
            root = spec.get("schema", {})
            if not isinstance(root, dict) or root.get("type") != "object":
                problems.append("response_format.json_schema.schema: must be of type object in strict mode")
            problems += _strict_problems(root, "response_format.json_schema.schema")
    return problems


class FakeOpenAI:
    def __init__(
        self, responder: Responder, *, stall_s: float = 2.0, dialect: Dialect = "openai", delay_s: float = 0.0
    ) -> None:
        self.responder = responder
        self.delay_s = delay_s  # how long each answer takes
        self.in_flight = 0
        self.peak = 0  # the most requests it was answering at once
        self.stall_s = stall_s
        self.dialect = dialect
        self.refused: list[list[str]] = []  # per refused request, why
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
                with fake._lock:
                    fake.in_flight += 1
                    fake.peak = max(fake.peak, fake.in_flight)
                try:
                    time.sleep(fake.delay_s)
                    self._answer()
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _answer(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                problems = spec_problems(body, fake.dialect)
                if problems:
                    fake.refused.append(problems)
                    error = {"message": "; ".join(problems), "type": "invalid_request_error", "param": None}
                    return self._send(400, {"error": {**error, "code": "invalid_request"}})
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


def free_port() -> int:
    """A port free on loopback now, for a server process a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[Any], log: Path, limit_s: float) -> None:
    """Wait until `url` answers 200, failing the test with the end of the process's log if it stops or
    does not answer within `limit_s`."""
    import httpx
    import pytest

    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        if process.poll() is not None:
            pytest.fail(f"the server process stopped: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {limit_s} s: {log.read_text()[-3000:]}")

"""One structured model call: render → (cache) → invoke → parse + check → bounded re-asks with the exact errors.

Steps call `ask` with a rendered prompt, a JSON schema and a parser; every attempt is recorded as a ModelCall.
A `Runtime` holds what runs share (the model, cache, limits); `Runtime.start()` gives each run its own `Run`
with its own call record, clock, progress callback, deadline and cancel switch, so runs never share state.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import json_repair
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ValidationError

from cjgen.cache import CachedResponse, ResponseCache, cache_key
from cjgen.errors import CjgenError, MapValidationError, ModelError, RunStopped
from cjgen.models import cut_off_answer, describe_failure, message_text
from cjgen.prompts import Prompt, render_prompt
from cjgen.schema import ModelCall

T = TypeVar("T")
log = logging.getLogger(__name__)
Progress = Callable[[str, str], None]


class Invalid(Exception):
    """Raised by a parser with every problem found, each naming its field path."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


@dataclass
class Clock:
    """Seconds spent per pipeline step."""

    steps: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = round(self.steps.get(name, 0.0) + time.perf_counter() - started, 3)


@dataclass
class Runtime:
    """What the model-calling steps use: the injected model, its settings and cache, and a call record.

    A runtime may be shared by many runs; each run works on its own copy from `start()`, so the calls,
    progress and clock of one run never mix with another's.
    """

    model: BaseChatModel
    backend: str
    model_name: str
    json_mode: str = "json_schema"
    cache: ResponseCache | None = None
    max_reasks: int = 2
    concurrency: int = 4
    temperature: float = 0.0
    labels: str = "states"  # "questions" asks the embedded model a question per sentence (see `Settings`)
    calls: list[ModelCall] = field(default_factory=list)
    progress: Progress | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, call: ModelCall) -> None:
        with self._lock:
            self.calls.append(call)

    def notify(self, step: str, message: str) -> None:
        self.check()
        if self.progress is not None:
            self.progress(step, message)

    def check(self) -> None:
        """Raise `RunStopped` when the run should not go on (a plain runtime always goes on)."""

    def start(
        self,
        progress: Progress | None = None,
        *,
        deadline_s: float | None = None,
        cancelled: threading.Event | None = None,
    ) -> Run:
        """A fresh run over this runtime's model and settings, with its own calls, clock and progress."""
        shared = {f.name: getattr(self, f.name) for f in fields(Runtime) if f.name in _SHARED}
        return Run(
            **shared,
            progress=progress if progress is not None else self.progress,
            deadline=None if deadline_s is None else time.monotonic() + deadline_s,
            cancelled=cancelled or threading.Event(),
        )


_SHARED = frozenset(
    {
        "model",
        "backend",
        "model_name",
        "json_mode",
        "cache",
        "max_reasks",
        "concurrency",
        "temperature",
        "labels",
    }
)


@dataclass
class Run(Runtime):
    """One run: its model calls, step clock and progress, and when it must stop (deadline, cancel)."""

    clock: Clock = field(default_factory=Clock)
    deadline: float | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)

    def check(self) -> None:
        if self.cancelled.is_set():
            raise RunStopped("the run was cancelled")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise RunStopped("the run took longer than its time limit")


def validation_errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()]


def parse_as(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(validation_errors(exc)) from exc


def _script(char: str) -> str | None:
    """The writing system of a letter or of East Asian punctuation (`LATIN`, `CJK`, `HIRAGANA`, `FULLWIDTH`), from
    its Unicode name; None for what every script shares (digits, spaces, ASCII punctuation)."""
    if not (char.isalpha() or ord(char) >= 0x2E80):
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] or None


_GAP = re.compile(r"[ \t]{2,}")
_GAP_BEFORE_MARK = re.compile(r"[ \t]+(?=[.,;:!?])")


def in_the_prompts_scripts(data: Any, prompt_text: str) -> Any:
    """The answer with each letter of a writing system the prompt never uses taken out: a small multilingual model
    drifts into another language mid-sentence ("and the tasks他们."), and no reader of an English brief and its
    interviews can check those words."""
    known = {_script(c) for c in set(prompt_text)} | {None}

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            if all(_script(c) in known for c in set(value)):
                return value
            kept = "".join(c for c in value if _script(c) in known)
            return _GAP.sub(" ", _GAP_BEFORE_MARK.sub("", kept)).strip()
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    return clean(data)


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def load_json(text: str) -> Any:
    """Parse the answer; an answer cut off at the token limit is closed by json-repair rather than re-asked
    (a re-ask costs as much and stops at the same limit). What is repaired is still validated."""
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        repaired = json_repair.loads(body) if body.lstrip().startswith("{") else None
        if isinstance(repaired, dict) and repaired:
            log.info("closed a cut-off JSON answer (%s)", exc.msg)
            return repaired
        raise Invalid(
            [f"(root): not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"]
        ) from exc


_FORMAT_NAME = re.compile(r"[^a-zA-Z0-9_-]")
# What OpenAI's strict structured outputs accept; the parsers check every other rule (e.g. maxLength) anyway.
_STRICT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "description",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    }
)


def format_name(step: str) -> str:
    """The `json_schema.name` of a request: the step it is asked for (`extract:P1.txt`, `draft:stage`) in the
    characters the OpenAI API allows (a-z, A-Z, 0-9, `_`, `-`; at most 64), so whoever answers can tell which
    question it is without reading the prompt's wording."""
    return _FORMAT_NAME.sub("_", step)[:64] or "answer"


def strict_schema(schema: Any) -> Any:
    """`schema` as OpenAI's strict mode wants it: every object closed with all its properties required, and
    only the keywords strict mode supports (a bound it drops is still checked by the step's parser)."""
    if isinstance(schema, list):
        return [strict_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict_schema(v) for k, v in schema.items() if k in _STRICT_KEYWORDS and k != "properties"}
    if "properties" in schema:
        out["properties"] = {k: strict_schema(v) for k, v in schema["properties"].items()}
        out["required"] = list(schema["properties"])
    if out.get("type") == "object":
        out["additionalProperties"] = False
    return out


def response_format(json_mode: str, step: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The `response_format` of a request in the chosen mode, named for its step (see `format_name`).

    `json_schema` (default) and `strict` follow the OpenAI chat-completions specification; `json_object` sends
    the schema beside `json_object`, an extension that llama.cpp's server reads (and OpenAI's API refuses). That
    format has no name, so the step goes in the schema's `title`, an annotation grammars ignore."""
    if json_mode == "json_object":
        return {"type": "json_object", "schema": {**schema, "title": format_name(step)}}
    strict = json_mode == "strict"
    shown = strict_schema(schema) if strict else schema
    return {
        "type": "json_schema",
        "json_schema": {"name": format_name(step), "schema": shown, "strict": strict},
    }


def _invoke(
    runtime: Runtime,
    messages: list[BaseMessage],
    schema: dict[str, Any],
    step: str,
    max_tokens: int,
) -> tuple[str, int, int]:
    try:
        reply = runtime.model.invoke(
            messages,
            response_format=response_format(runtime.json_mode, step, schema),
            max_tokens=max_tokens,
            temperature=runtime.temperature,
        )
    except CjgenError:
        raise
    except Exception as exc:  # any client/transport failure becomes one clear line
        partial = cut_off_answer(exc)
        if partial is not None:
            log.info("%s: the answer stopped at the token limit; closing what came", step)
            return partial
        log.debug("%s: the model call failed", step, exc_info=exc)  # upstream text stays out of the error
        raise ModelError(f"{step}: the {runtime.backend} model call failed: {describe_failure(exc)}") from exc
    usage = getattr(reply, "usage_metadata", None) or {}
    return message_text(reply), int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))


def ask(
    runtime: Runtime,
    prompt: Prompt,
    schema: dict[str, Any],
    parse: Callable[[Any], T],
    *,
    step: str,
    max_tokens: int,
) -> T:
    """Call the model for `prompt` and return `parse(json)`, re-asking with the errors a bounded number of times."""
    messages: list[BaseMessage] = [SystemMessage(prompt.system), HumanMessage(prompt.user)]
    errors: list[str] = []
    attempts = 1 + max(0, runtime.max_reasks)
    for attempt in range(1, attempts + 1):
        runtime.check()
        params: dict[str, float | int | str | None] = {
            "max_tokens": max_tokens,
            "temperature": runtime.temperature,
            "json_mode": runtime.json_mode,
        }
        key = cache_key(
            prompt_id=prompt.id,
            template_hash=prompt.template_hash,
            model=runtime.model_name,
            params=params,
            schema=schema,
            messages=[(m.type, str(m.content)) for m in messages],
        )
        cached = runtime.cache.get(key) if runtime.cache else None
        started = time.perf_counter()
        if cached is not None:
            text, prompt_tokens, completion_tokens = (
                cached.text,
                cached.prompt_tokens,
                cached.completion_tokens,
            )
        else:
            text, prompt_tokens, completion_tokens = _invoke(runtime, messages, schema, step, max_tokens)
        call = ModelCall(
            step=step,
            prompt_id=prompt.id,
            template_hash=prompt.template_hash,
            model=runtime.model_name,
            params=params,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            seconds=round(time.perf_counter() - started, 3),
            cached=cached is not None,
            attempt=attempt,
        )
        log.debug("%s attempt %d answered (%d tokens): %s", step, attempt, completion_tokens, text)
        try:
            result = parse(in_the_prompts_scripts(load_json(text), prompt.system + prompt.user))
        except Invalid as exc:
            errors = exc.errors
            log.info("%s attempt %d invalid: %s", step, attempt, "; ".join(errors))
            runtime.record(call.model_copy(update={"error": "; ".join(errors)[:500]}))
            reask = render_prompt("reask", errors=errors[:12])
            messages = [*messages, AIMessage(text), HumanMessage(reask.user)]
            continue
        runtime.record(call)
        if cached is None and runtime.cache is not None:
            runtime.cache.put(
                key,
                model=runtime.model_name,
                prompt_id=prompt.id,
                response=CachedResponse(text, prompt_tokens, completion_tokens),
            )
        return result
    raise MapValidationError(step, errors, attempts)


def inline_schema(model: type[BaseModel], enums: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    """The model's JSON schema with $refs inlined, titles dropped and named properties restricted to enums.

    Small local models need the enums (valid stage ids, sentence ids) and maxItems to stay on track; the
    grammar engine follows them exactly, and the parsers check the same rules for backends that don't.
    """
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})
    enums = enums or {}

    def walk(node: Any, name: str | None = None) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].split("/")[-1]], name)
            out = {k: walk(v, k if k != "properties" else None) for k, v in node.items() if k != "title"}
            if "properties" in node:
                out["properties"] = {k: walk(v, k) for k, v in node["properties"].items()}
            if name in enums and out.get("type") == "string":
                out = {"type": "string", "enum": enums[name]}
            elif name in enums and out.get("type") == "array":
                out["items"] = {"type": "string", "enum": enums[name]}
            return out
        if isinstance(node, list):
            return [walk(v, name) for v in node]
        return node

    result: dict[str, Any] = walk(raw)
    return result

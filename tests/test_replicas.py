"""Model replicas: calls balanced over several OpenAI-compatible servers (real HTTP on loopback), each with a
bound on calls in flight; a failing server is rested and its calls go to the others."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage

from cjgen.errors import ModelError
from cjgen.models import ScriptedChatModel, make_model
from cjgen.pipeline import draft_map_from_file, generate_map_from_files, open_runtime
from cjgen.replicas import ReplicaChatModel, replicas_of
from cjgen.schema import JourneyMap
from cjgen.settings import Settings
from cjgen.validate import check_map
from fake_openai import FakeOpenAI
from oracle import GoldOracle

CASES = Path(__file__).resolve().parents[1] / "evals" / "cases"
BIKE = CASES / "bike-subscription"

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"]), pytest.mark.timeout(180)]


@pytest.fixture
def servers() -> Iterator[list[FakeOpenAI]]:
    with ExitStack() as stack:
        yield [stack.enter_context(FakeOpenAI(GoldOracle(BIKE).respond, delay_s=0.02)) for _ in range(3)]


def settings_for(monkeypatch: pytest.MonkeyPatch, servers: Sequence[FakeOpenAI], **env: str) -> Settings:
    monkeypatch.setenv("CJGEN_MODEL", "fake-model")
    monkeypatch.setenv("CJGEN_ENDPOINTS", ",".join(s.base_url for s in servers))
    monkeypatch.setenv("CJGEN_REQUEST_TIMEOUT_S", "2")
    for name, value in env.items():
        monkeypatch.setenv(f"CJGEN_{name.upper()}", value)
    return Settings()


def bike_map(settings: Settings) -> JourneyMap:
    chat, name = make_model(settings, "openai")
    runtime = open_runtime(model=chat, backend="openai", model_name=name, settings=settings, use_cache=False)
    transcripts = sorted((BIKE / "transcripts").iterdir())
    return generate_map_from_files(BIKE / "brief.md", transcripts, runtime=runtime)


def test_calls_are_spread_over_the_replicas_within_each_ones_bound(
    servers: list[FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(monkeypatch, servers, endpoint_concurrency="2", concurrency="8")
    journey = bike_map(settings)
    assert check_map(journey) == []
    served = [len(s.arrivals) for s in servers]
    assert sum(served) == len(journey.provenance.calls)
    assert min(served) >= sum(served) // 6, served  # least-busy first: no replica is left idle
    assert max(s.peak for s in servers) == 2  # six interviews at once meet the bound, and never pass it


def test_a_failing_replica_is_rested_and_its_calls_go_to_the_others(
    servers: list[FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken, *healthy = servers
    broken.always = "500"
    settings = settings_for(monkeypatch, servers, endpoint_concurrency="2", endpoint_rest_s="60")
    journey = bike_map(settings)
    assert check_map(journey) == [] and journey.pain_points
    assert len(broken.arrivals) <= 2  # what was sent before its first failure came back, then nothing
    assert sum(len(s.arrivals) for s in healthy) == len(journey.provenance.calls)
    assert all(c.attempt == 1 for c in journey.provenance.calls)  # a failover is not a re-ask


def test_when_every_replica_fails_the_call_fails_once_with_one_clear_error(
    servers: list[FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    for server in servers:
        server.always = "503"
    settings = settings_for(monkeypatch, servers)
    chat, name = make_model(settings, "openai")
    runtime = open_runtime(model=chat, backend="openai", model_name=name, settings=settings)
    with pytest.raises(ModelError, match="HTTP 503"):
        draft_map_from_file(CASES / "brief-only" / "brief.md", runtime=runtime)
    assert [len(s.arrivals) for s in servers] == [1, 1, 1]  # one request per replica, no client retries


def test_a_request_the_server_refuses_is_not_sent_to_the_other_replicas(
    servers: list[FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The llama.cpp extension is refused by these servers (they follow the OpenAI API): 400, wrong everywhere.
    settings = settings_for(monkeypatch, servers, json_mode="json_object")
    chat, name = make_model(settings, "openai")
    runtime = open_runtime(model=chat, backend="openai", model_name=name, settings=settings)
    with pytest.raises(ModelError, match="HTTP 400"):
        draft_map_from_file(CASES / "brief-only" / "brief.md", runtime=runtime)
    assert sum(len(s.refused) for s in servers) == 1


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def flaky(name: str, failing: list[bool], seen: list[str]) -> ScriptedChatModel:
    def respond(messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> str:
        seen.append(name)
        if failing[0]:
            raise ModelError(f"{name} is down")
        return "{}"

    return ScriptedChatModel(responder=respond)


def test_a_rested_replica_gets_calls_again_once_its_rest_is_over() -> None:
    seen: list[str] = []
    down = [True]
    models = {"a": flaky("a", down, seen), "b": flaky("b", [False], seen)}
    clock = Clock()
    chat = ReplicaChatModel(
        replicas=replicas_of(["a", "b"], 1, models.__getitem__), model_name="m", rest_s=10, clock=clock
    )
    ask = [HumanMessage("hi")]
    for _ in range(4):
        chat.invoke(ask)
    assert seen.count("a") == 1 and seen.count("b") == 4  # a failed once, then rested
    down[0] = False
    clock.now = 11.0
    seen.clear()
    for _ in range(4):
        chat.invoke(ask)
    assert seen.count("a") == 2 and seen.count("b") == 2  # back in turn
    assert [r["failures"] for r in chat.status()] == [1, 0]


def test_the_embedded_model_is_one_replica_that_answers_one_call_at_a_time() -> None:
    built: list[str] = []

    def build(endpoint: str) -> ScriptedChatModel:
        built.append(endpoint)
        return ScriptedChatModel()

    replicas = replicas_of(["local", "http://gpu1:8000/v1"], 4, build)
    assert [(r.name, r.limit) for r in replicas] == [("local", 1), ("http://gpu1:8000/v1", 4)]
    assert built == ["local", "http://gpu1:8000/v1"]
    with pytest.raises(ModelError, match="twice"):
        replicas_of(["http://a/v1", "http://a/v1"], 4, build)


def test_endpoints_choose_the_openai_backend_and_are_read_from_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cjgen.models import resolve_backend

    monkeypatch.setenv("CJGEN_ENDPOINTS", " http://a:1/v1/ , http://b:2/v1")
    settings = Settings()
    assert settings.endpoint_list() == ["http://a:1/v1", "http://b:2/v1"]
    assert resolve_backend(settings) == "openai"

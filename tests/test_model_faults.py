"""Model faults through the real `openai` backend (ChatOpenAI and the openai client) against a fake server.

The server listens on loopback only (sockets are allowed to 127.0.0.1 for these tests) and answers from the
gold oracle, with faults injected: timeouts, 429 with Retry-After, 5xx, reset connections, cut-off answers,
invalid JSON, empty output and endless whitespace. Each case must end in a valid map or one clear error;
client retries and re-asks add up instead of multiplying; no upstream text reaches the error; nothing is
cached or written as complete when it is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cjgen.ask import Runtime
from cjgen.errors import CjgenError, MapValidationError, ModelError
from cjgen.models import CLIENT_RETRIES, make_model
from cjgen.pipeline import draft_map_from_file, generate_map_from_files, open_runtime
from cjgen.schema import JourneyMap
from cjgen.settings import Settings
from cjgen.validate import check_map
from fake_openai import CONTENT_FAULTS, SECRET, TRANSPORT_FAULTS, FakeOpenAI
from oracle import GoldOracle

CASES = Path(__file__).resolve().parents[1] / "evals" / "cases"
BRIEF_ONLY = CASES / "brief-only"
TIMEOUT_S = 0.5

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"]), pytest.mark.timeout(120)]


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("CJGEN_MODEL", "fake-model")
    monkeypatch.setenv("CJGEN_API_KEY", "sk-test")
    monkeypatch.setenv("CJGEN_REQUEST_TIMEOUT_S", str(TIMEOUT_S))
    monkeypatch.setenv("CJGEN_MAX_REASKS", "2")
    monkeypatch.setenv("CJGEN_CONCURRENCY", "1")
    return Settings()


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(GoldOracle(BRIEF_ONLY).respond, stall_s=TIMEOUT_S * 3) as fake:
        yield fake


def runtime_for(fake: FakeOpenAI, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.setenv("CJGEN_BASE_URL", fake.base_url)
    chosen = Settings()
    chat, name = make_model(chosen, "openai")
    return open_runtime(model=chat, backend="openai", model_name=name, settings=chosen, use_cache=True)


def draft(runtime: Runtime) -> JourneyMap:
    return draft_map_from_file(BRIEF_ONLY / "brief.md", runtime=runtime)


def draft_after_one(fault: str, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> JourneyMap:
    """A draft whose first request meets `fault`; the map must come out valid."""
    server.faults = [fault]
    journey = draft(runtime_for(server, Settings(), monkeypatch))
    assert check_map(journey) == []
    return journey


# --------------------------------------------------------------------------------------------- one fault


@pytest.mark.parametrize("fault", TRANSPORT_FAULTS)
def test_a_passing_transport_fault_is_retried_by_the_client(
    fault: str, server: FakeOpenAI, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    journey = draft_after_one(fault, server, monkeypatch)
    calls = journey.provenance.calls
    assert len(server.arrivals) == len(calls) + 1  # the fault, then one retry; no re-ask
    assert [c.attempt for c in calls] == [1] * len(calls)
    if fault == "429":  # the client waited as the server asked
        assert server.arrivals[1] - server.arrivals[0] >= 0.9


@pytest.mark.parametrize("fault", CONTENT_FAULTS)
def test_a_bad_answer_once_is_closed_or_re_asked(
    fault: str, server: FakeOpenAI, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    journey = draft_after_one(fault, server, monkeypatch)
    answered = [c for c in journey.provenance.calls if c.error is None]
    assert len(server.arrivals) <= len(answered) + 1  # at most one extra request, for the first one
    # The bad answer is recorded as a failed attempt (or, cut off, closed by json-repair), never cached as is.
    assert len(journey.provenance.calls) == len(server.arrivals)


# --------------------------------------------------------------------------------------------- lasting faults


def _one_clear_line(exc: CjgenError) -> str:
    message = str(exc)
    assert "\n" not in message and SECRET not in message and "org-xyz" not in message
    assert "Traceback" not in message and "{" not in message
    return message


@pytest.mark.parametrize("fault", TRANSPORT_FAULTS)
def test_a_lasting_transport_fault_ends_in_one_clear_error(
    fault: str, server: FakeOpenAI, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.always = fault
    runtime = runtime_for(server, settings, monkeypatch)
    with pytest.raises(ModelError) as caught:
        draft(runtime)
    message = _one_clear_line(caught.value)
    assert message.startswith("service:")  # the step that failed: the draft's first, the kind of service
    assert len(server.arrivals) == 1 + CLIENT_RETRIES  # no re-ask on top of the client's retries


@pytest.mark.parametrize("fault", CONTENT_FAULTS)
def test_a_lasting_bad_answer_ends_in_one_clear_error(
    fault: str, server: FakeOpenAI, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server.always = fault
    runtime = runtime_for(server, settings, monkeypatch)
    with pytest.raises(MapValidationError) as caught:
        draft(runtime)
    _one_clear_line(caught.value)
    assert len(server.arrivals) == 1 + settings.max_reasks  # re-asks, each one request
    # Nothing was cached as an answer: a second run asks the server again.
    before = len(server.arrivals)
    with pytest.raises(MapValidationError):
        draft(runtime_for(server, settings, monkeypatch))
    assert len(server.arrivals) == before + 1 + settings.max_reasks


def test_faults_on_every_step_of_a_full_map(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Interview maps go through stages, extraction and synthesis; a fault at each still ends in a valid map."""
    bike = CASES / "bike-subscription"
    with FakeOpenAI(GoldOracle(bike).respond, stall_s=TIMEOUT_S * 3) as fake:
        # One fault per request, each followed by a good answer: stages, extraction and synthesis all see one.
        faults = ["429", "invalid", "reset", "length", "empty", "timeout", "whitespace", "503"]
        fake.faults = [step for fault in faults for step in (fault, None)]
        runtime = runtime_for(fake, settings, monkeypatch)
        transcripts = sorted((bike / "transcripts").iterdir())
        journey = generate_map_from_files(bike / "brief.md", transcripts, runtime=runtime)
    assert check_map(journey) == []
    assert journey.pain_points and all(p.evidence for p in journey.pain_points if p.basis == "observed")
    assert journey.provenance.reasks >= 2
    assert len(fake.arrivals) >= len(faults) * 2


def test_the_cli_writes_nothing_when_the_model_fails(
    server: FakeOpenAI, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    import cjgen.cli

    server.always = "500"
    monkeypatch.setenv("CJGEN_BASE_URL", server.base_url)
    monkeypatch.setenv("CJGEN_BACKEND", "openai")
    monkeypatch.setattr("cjgen.pipeline.make_model", make_model)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "map.json"
    result = CliRunner().invoke(cjgen.cli.app, ["draft", str(BRIEF_ONLY / "brief.md"), "--output", str(out)])
    assert result.exit_code != 0
    assert list(out.parent.iterdir()) == []  # no map, no partial file
    assert "HTTP 500" in result.output
    assert SECRET not in result.output and "Traceback" not in result.output
    assert len(server.arrivals) == 1 + CLIENT_RETRIES

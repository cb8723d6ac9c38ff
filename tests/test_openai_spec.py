"""Requests the openai backend sends are ones the OpenAI chat-completions API accepts.

The fake server (tests/fake_openai.py) refuses what the real API refuses; these tests first show that it does,
then make whole maps through it in every JSON mode: the specification's own modes must pass the OpenAI
dialect, and the llama.cpp extension (a schema beside `json_object`) is sent only in the mode made for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cjgen.ask import format_name, response_format, strict_schema
from cjgen.choose import choose
from cjgen.errors import ModelError
from cjgen.models import ScriptedChatModel, make_model
from cjgen.pipeline import draft_map_from_file, generate_map_from_files, open_runtime
from cjgen.prompts import Prompt
from cjgen.settings import Settings
from cjgen.stages import StagePlanOut
from cjgen.validate import check_map
from fake_openai import Dialect, FakeOpenAI, spec_problems
from oracle import GoldOracle

CASES = Path(__file__).resolve().parents[1] / "evals" / "cases"

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"]), pytest.mark.timeout(180)]

SCHEMA = {"type": "object", "properties": {"answers": {"type": "array", "items": {"type": "string"}}}}


def body(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Hi"}],
        "max_tokens": 20,
        "temperature": 0.0,
        "response_format": {"type": "json_schema", "json_schema": {"name": "label", "schema": SCHEMA}},
    }
    request.update(changes)
    return request


def with_schema(**spec: Any) -> dict[str, Any]:
    return body(response_format={"type": "json_schema", "json_schema": {"name": "label", **spec}})


def test_the_fake_accepts_a_request_that_follows_the_specification() -> None:
    assert spec_problems(body()) == []


@pytest.mark.parametrize(
    ("request_body", "named"),
    [
        (with_schema(name="extract:P1.txt", schema=SCHEMA), "json_schema.name"),
        (with_schema(name="x" * 65, schema=SCHEMA), "json_schema.name"),
        (with_schema(name="label", schema=SCHEMA, strict=False, extra=1), "extra"),
        (body(response_format={"type": "json_object", "schema": SCHEMA}), "schema"),
        (body(response_format={"type": "json_object"}, messages=[{"role": "user", "content": "Hi"}]), "json"),
        (body(max_tokens="20"), "max_tokens"),
        (body(temprature=0.0), "temprature"),
        (body(messages=[{"role": "narrator", "content": "Hi"}]), "messages"),
        (with_schema(name="label", schema=SCHEMA, strict=True), "additionalProperties"),
        (
            with_schema(
                name="label",
                strict=True,
                schema={
                    "type": "object",
                    "properties": {"a": {"type": "string", "maxLength": 5}},
                    "required": ["a"],
                    "additionalProperties": False,
                },
            ),
            "maxLength",
        ),
    ],
)
def test_the_fake_refuses_what_the_api_refuses(request_body: dict[str, Any], named: str) -> None:
    problems = spec_problems(request_body)
    assert problems and any(named in p for p in problems), problems


def test_the_llama_cpp_dialect_reads_the_schema_beside_json_object_and_refuses_json_schema() -> None:
    extension = body(response_format={"type": "json_object", "schema": SCHEMA})
    assert spec_problems(extension, "llama.cpp") == []
    assert spec_problems(body(), "llama.cpp") != []


def test_format_names_are_the_steps_in_the_allowed_characters() -> None:
    assert format_name("stages") == "stages"
    assert format_name("extract:P1.txt") == "extract_P1_txt"
    assert format_name("é" * 80) == "_" * 64


@pytest.mark.parametrize(
    ("mode", "dialect"), [("json_schema", "openai"), ("strict", "openai"), ("json_object", "llama.cpp")]
)
def test_every_response_format_the_steps_send_is_accepted(mode: str, dialect: Dialect) -> None:
    schema = StagePlanOut.model_json_schema()
    sent = response_format(mode, "extract:interview 2.docx", schema)
    assert spec_problems(body(response_format=sent), dialect) == []
    assert "extract_interview_2_docx" in str(sent)  # the step, for whoever answers


def test_the_step_a_request_names_is_no_part_of_its_cache_key(tmp_path: Path) -> None:
    """A renamed step, or a request that now names its step, finds the answers cached before."""
    model = ScriptedChatModel().enqueue({"answers": ["A"]})
    runtime = open_runtime(model=model, settings=Settings(cache_dir=tmp_path), use_cache=True).start()
    prompt = Prompt("label", "hash", "system", "context")
    for step in ("extract:P1.txt", "extract:renamed.txt"):
        assert choose(runtime, prompt, ["q"], ("A", "B"), step=step) == [[1.0, 0.0]]
    assert len(model.requests) == 1 and [c.cached for c in runtime.calls] == [False, True]


def test_a_strict_schema_closes_every_object_and_keeps_the_enums() -> None:
    schema = {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["pain", "delight"], "title": "Kind"},
            "items": {"type": "array", "maxItems": 3, "items": {"type": "object", "properties": {"n": {}}}},
        },
        "required": ["kind"],
    }
    strict = strict_schema(schema)
    assert strict["required"] == ["kind", "items"] and strict["additionalProperties"] is False
    assert strict["properties"]["kind"] == {"type": "string", "enum": ["pain", "delight"]}
    assert strict["properties"]["items"]["maxItems"] == 3
    assert strict["properties"]["items"]["items"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("mode", "dialect"), [("json_schema", "openai"), ("strict", "openai"), ("json_object", "llama.cpp")]
)
def test_a_whole_map_goes_through_a_server_that_checks_the_specification(
    mode: str, dialect: Dialect, monkeypatch: pytest.MonkeyPatch
) -> None:
    bike = CASES / "bike-subscription"
    with FakeOpenAI(GoldOracle(bike).respond, dialect=dialect) as fake:
        monkeypatch.setenv("CJGEN_BASE_URL", fake.base_url)
        monkeypatch.setenv("CJGEN_MODEL", "fake-model")
        monkeypatch.setenv("CJGEN_JSON_MODE", mode)
        settings = Settings()
        chat, name = make_model(settings, "openai")
        runtime = open_runtime(model=chat, backend="openai", model_name=name, settings=settings)
        transcripts = sorted((bike / "transcripts").iterdir())
        journey = generate_map_from_files(bike / "brief.md", transcripts, runtime=runtime)
    assert fake.refused == []
    assert check_map(journey) == [] and journey.pain_points
    assert len(fake.arrivals) == len(journey.provenance.calls)


def test_the_llama_cpp_extension_is_refused_by_the_openai_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """Which is why it is sent only in `json_object` mode: the default never sends it."""
    brief_only = CASES / "brief-only"
    with FakeOpenAI(GoldOracle(brief_only).respond) as fake:
        monkeypatch.setenv("CJGEN_BASE_URL", fake.base_url)
        monkeypatch.setenv("CJGEN_MODEL", "fake-model")
        monkeypatch.setenv("CJGEN_JSON_MODE", "json_object")
        settings = Settings()
        chat, name = make_model(settings, "openai")
        runtime = open_runtime(model=chat, backend="openai", model_name=name, settings=settings)
        with pytest.raises(ModelError, match="HTTP 400"):
            draft_map_from_file(brief_only / "brief.md", runtime=runtime)
    assert (
        "response_format.ResponseFormatJSONObject.schema: Extra inputs are not permitted" in fake.refused[0]
    )

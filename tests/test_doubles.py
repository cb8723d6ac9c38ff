"""The scripted models answer by the step a request names, not by the prompt's wording: a map made from
reworded prompts is the map made from the shipped ones, and a step no double knows fails naming the step."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

import cjgen.prompts
from cjgen.ask import response_format
from cjgen.pipeline import draft_map, draft_map_from_file, generate_map_from_files, open_runtime
from cjgen.schema import JourneyMap
from oracle import GoldOracle, step_of
from test_draft import BRIEF, DraftModel

CASES = Path(__file__).resolve().parents[1] / "evals" / "cases"
MESSAGES = [SystemMessage("Answer in JSON."), HumanMessage("Question 1:\nWhat is this?")]
ANSWERS = {"type": "object", "properties": {"answers": {"type": "array", "items": {"type": "string"}}}}

# Each question's instructions, said another way (the data each question shows stays as it is).
REWORDED = {
    "label.j2": [
        ("What does the participant express here?", "Which of these does this sentence show?"),
        ("Which of these groups describes participant", "Considering everything said, the group closest to"),
        (" best, from the whole interview?", " is:"),
        ("Answer with one letter.", "Reply with its letter."),
    ],
    "stage.j2": [("Stage number:", "Number of the stage:")],
    "name.j2": [
        ("The problem{% elif", "Summary of the issue{% elif"),
        ("What worked well{% else", "Summary of the good part{% else"),
        ("What they did{% endif", "Summary of the step{% endif"),
    ],
    "contradiction.j2": [
        ("Same thing, opposite feelings?", "Do these two feel opposite ways about one part of the service?")
    ],
    "opportunity.j2": [("Improvement:", "Change to make:")],
    "service.j2": [
        ("How do the people in this brief meet the service it studies?", "How is the service met?")
    ],
    "blueprint.j2": [("Lane: {{ lane }}", "Blueprint lane: {{ lane }}")],
    "draft.j2": [
        ("Problem:\n", "Possible problem:\n"),
        ("Good moment:\n", "Possible good moment:\n"),
        ("Action:\n", "What they do:\n"),
        ("Question:\n", "Open question:\n"),
        ("Letter:\n", "Your letter:\n"),
        ("Stage number:\n", "Number:\n"),
        ("Through which channel", "By which channel"),
        ("Is this A) a problem customers could have", "Would A) customers suffer from this"),
        ("Which customer group does this concern most?", "Whom does it touch most?"),
        ("Improvement:\n", "Change to test:\n"),
    ],
}


@pytest.fixture
def reworded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The prompts with every question's instructions reworded, for one test."""
    folder = tmp_path / "prompts"
    shutil.copytree(cjgen.prompts._prompt_dir(), folder)
    for name, changes in REWORDED.items():
        text = (folder / name).read_text(encoding="utf-8")
        for old, new in changes:
            assert old in text, f"{name} no longer says {old!r}: reword what it says now"
            text = text.replace(old, new)
        (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(cjgen.prompts, "_prompt_dir", lambda: folder)
    cjgen.prompts._environment.cache_clear()
    cjgen.prompts.template_hash.cache_clear()
    yield
    monkeypatch.undo()
    cjgen.prompts._environment.cache_clear()
    cjgen.prompts.template_hash.cache_clear()


def seen(requests: list[Any]) -> str:
    return "\n".join(str(m.content) for request in requests for m in request)


def content(journey: JourneyMap) -> dict[str, Any]:
    """What the map says; its provenance names the prompts' versions, which rewording changes."""
    return journey.model_dump(exclude={"provenance"})


def interview_map(case: Path) -> tuple[JourneyMap, str]:
    model = GoldOracle(case).model()
    transcripts = sorted((case / "transcripts").iterdir())
    journey = generate_map_from_files(
        case / "brief.md", transcripts, runtime=open_runtime(model=model, use_cache=False)
    )
    return journey, seen(model.requests)


@pytest.fixture(scope="module")
def shipped() -> JourneyMap:
    return interview_map(CASES / "bike-subscription")[0]


def test_the_oracle_answers_reworded_interview_questions_as_before(
    shipped: JourneyMap, reworded: None
) -> None:
    journey, asked = interview_map(CASES / "bike-subscription")
    for wording in (
        "Which of these does this sentence show?",
        "Number of the stage:",
        "Summary of the issue",
    ):
        assert wording in asked  # the model really saw the new wording
    assert "What does the participant express here?" not in asked
    assert journey.pain_points and journey.contradictions
    assert content(journey) == content(shipped)


def brief_only_draft() -> tuple[JourneyMap, str]:
    brief_only = CASES / "brief-only"
    model = GoldOracle(brief_only).model()
    journey = draft_map_from_file(brief_only / "brief.md", runtime=open_runtime(model=model, use_cache=False))
    return journey, seen(model.requests)


@pytest.fixture(scope="module")
def shipped_draft() -> JourneyMap:
    return brief_only_draft()[0]


def test_the_oracle_answers_a_reworded_draft_as_before(shipped_draft: JourneyMap, reworded: None) -> None:
    journey, asked = brief_only_draft()
    for wording in ("Possible problem:", "Your letter:", "Whom does it touch most?", "Change to test:"):
        assert wording in asked
    assert journey.pain_points and journey.opportunities and journey.actions
    assert content(journey) == content(shipped_draft)


def test_the_draft_model_answers_a_reworded_draft_as_before(reworded: None) -> None:
    model = DraftModel()
    journey = draft_map(BRIEF, runtime=open_runtime(model=model.model, use_cache=False))
    assert "Whom does it touch most?" in seen(model.model.requests)
    by_statement = {p.statement: p for p in journey.pain_points}
    squashed = by_statement["Bread gets squashed in the bike boxes."]
    assert squashed.stage_id == "receive" and squashed.persona_ids == ["persona2"]
    assert [t.name for t in journey.touchpoints] == ["app"] * len(journey.stages)


@pytest.mark.parametrize("mode", ["json_schema", "strict", "json_object"])
@pytest.mark.parametrize(
    ("step", "kind"),
    [
        ("extract:P1.txt", "extract"),
        ("persona:interview_2.docx", "persona"),
        ("stage:P1.txt", "stage"),
        ("stages", "stages"),
        ("name", "name"),
        ("draft:stage", "draft_stage"),
        ("draft:open_question", "draft_open_question"),
    ],
)
def test_every_request_says_its_step_in_every_json_mode(mode: str, step: str, kind: str) -> None:
    assert step_of({"response_format": response_format(mode, step, ANSWERS)}) == kind


def test_a_step_the_oracle_does_not_know_fails_naming_it() -> None:
    oracle = GoldOracle(CASES / "bike-subscription")
    kwargs = {"response_format": response_format("json_schema", "summary:P1.txt", ANSWERS)}
    with pytest.raises(AssertionError, match="'summary_P1_txt'"):
        oracle.respond(MESSAGES, kwargs)
    with pytest.raises(AssertionError, match="names no step"):
        oracle.respond(MESSAGES, {"response_format": {"type": "json_object", "schema": ANSWERS}})

"""The embedded model, for real: load, JSON-schema-constrained output, grounded quotes. Slow (CPU).

These run in CI (the install brings the model). They are skipped only where llama-cpp-python is missing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cjgen.ask import Runtime
from cjgen.errors import ModelError
from cjgen.ingest import load_transcript
from cjgen.label import label_transcript
from cjgen.local import KeptStates
from cjgen.pipeline import open_runtime, summarize_file
from cjgen.redact import redact_transcript
from cjgen.stages import service_kind

pytest.importorskip("llama_cpp", reason="the local backend is installed with `pip install 'cjgen[local]'`")
pytestmark = pytest.mark.local_model

SHORT = """Interviewer: How was signing up?

P9: Signing up in the app took two minutes, that was great. But the first delivery came four hours late and nobody told me anything.

Interviewer: And support?

P9: I wrote to the chat and a bot kept sending me the same menu. I gave up after twenty minutes. My email is p9.person@example.org if you need it.
"""


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return open_runtime(backend="local", use_cache=False)


def test_local_model_summarises_a_short_interview_with_grounded_quotes(
    runtime: Runtime, tmp_path: Path
) -> None:
    transcript = tmp_path / "P9.txt"
    transcript.write_text(SHORT)
    summary = summarize_file(transcript, runtime=runtime)
    assert summary.provenance.backend == "local"
    assert summary.provenance.model_calls >= 1
    assert all(c.error is None for c in summary.provenance.calls)
    # Labels are read from answer probabilities (no output); the one-sentence names are generated.
    assert summary.provenance.calls[0].completion_tokens == 0
    assert any(c.completion_tokens > 0 for c in summary.provenance.calls)
    items = summary.pain_points + summary.delights + summary.key_points
    assert items, "the model found nothing in a short interview with clear pains"
    for item in items:
        for evidence in item.evidence:
            assert evidence.participant_id == "P9"
            if not evidence.redacted:
                assert evidence.quote in SHORT
    assert "p9.person@example.org" not in summary.model_dump_json()


@pytest.mark.parametrize("reader", ["states", "questions"])
def test_local_model_labels_a_plain_problem_as_more_a_problem_than_a_good_moment(
    runtime: Runtime, tmp_path: Path, reader: str
) -> None:
    """Both ways the embedded model labels: the shipped head on its hidden states, and a question a sentence."""
    transcript = tmp_path / "P9.txt"
    transcript.write_text(SHORT)
    asked = dataclasses.replace(runtime, labels=reader, calls=[]).start()
    reading = label_transcript(asked, redact_transcript(load_transcript(transcript)))
    assert asked.calls[0].params["mode"] == {"states": "states", "questions": "choose"}[reader]
    by_text = {label.sentence.text: label for label in reading.labels}
    late = by_text["But the first delivery came four hours late and nobody told me anything."]
    great = by_text["Signing up in the app took two minutes, that was great."]
    assert late.pain > late.delight
    assert great.delight > great.pain
    assert late.pain > great.pain and great.delight > late.delight


def test_local_model_reads_a_layers_states_over_each_span_and_the_same_again_from_its_cache(
    runtime: Runtime,
) -> None:
    spans = [("P9: ", "Signing up took two minutes."), (" ", "The delivery came late.")]
    context = "Interviewer: How was it?\nP9: Signing up took two minutes. The delivery came late."
    first = runtime.model.read_states("You read interviews.", context, spans, [4, 20])  # type: ignore[attr-defined]
    again = runtime.model.read_states("You read interviews.", context, spans, [20])  # type: ignore[attr-defined]
    assert set(first.mean) == {4, 20} and len(first.mean[20]) == len(first.last[20]) == 2
    assert first.mean[20][0].shape == (runtime.model._llama.n_embd(),)  # type: ignore[attr-defined]
    assert not np.allclose(first.mean[20][0], first.mean[20][1]), "each span has its own state"
    assert not np.allclose(first.mean[4][0], first.mean[20][0]), "each layer has its own state"
    assert again.prompt_tokens < first.prompt_tokens, "what comes before the first span is reused"
    assert np.allclose(again.mean[20], first.mean[20], atol=1e-3)
    with pytest.raises(ModelError, match="layer 27"):
        runtime.model.read_states("You read interviews.", context, spans, [27])  # type: ignore[attr-defined]


def test_a_long_context_read_earlier_is_restored_with_the_answers_a_fresh_read_gives(
    runtime: Runtime,
) -> None:
    """The stage questions of an interview's earlier chunk come after its later chunks were read: the chunk's
    kept cache is restored instead of evaluated again, and the answers are the same."""
    model: Any = runtime.model
    bike = Path(__file__).parent.parent / "evals" / "cases" / "bike-subscription" / "transcripts"
    first, second = ((bike / name).read_text()[:3000] for name in ("P1.txt", "P2.txt"))
    stages = first + "\n\nStages: 1) buy 2) use"
    questions = ['Stage of "the delivery"? Answer 1 or 2.', 'Stage of "signing up"? Answer 1 or 2.']
    saved = model._kept
    try:
        model._kept = KeptStates(1 << 30)
        read = model.read_states("You read interviews.", first, [("", first[:40])], [20], keep=True)
        model.read_states("You read interviews.", second, [("", second[:40])], [20])
        restored = model.choose("You read interviews.", stages, questions, ["1", "2"])
        assert restored.prompt_tokens < read.prompt_tokens / 4, "the first context was not evaluated again"
        assert model._kept._used == 0, "a copy is dropped once restored"
        model.read_states("You read interviews.", first, [("", first[:40])], [20])  # not kept
        model.read_states("You read interviews.", second, [("", second[:40])], [20])
        fresh = model.choose("You read interviews.", stages, questions, ["1", "2"])
        assert fresh.prompt_tokens > read.prompt_tokens
        assert np.allclose(restored.probabilities, fresh.probabilities, atol=1e-6)
    finally:
        model._kept = saved


def test_a_context_asked_about_and_kept_is_restored_for_later_questions(runtime: Runtime) -> None:
    """Where labels are asked rather than read, the chunk they were asked after is kept the same way."""
    model: Any = runtime.model
    bike = Path(__file__).parent.parent / "evals" / "cases" / "bike-subscription" / "transcripts"
    first, second = ((bike / name).read_text()[:3000] for name in ("P3.txt", "P4.txt"))
    questions = ['Stage of "the delivery"? Answer 1 or 2.']
    saved = model._kept
    try:
        model._kept = KeptStates(1 << 30)
        asked = model.choose(
            "You read interviews.", first, ["Is this about a bike? A or B."], ["A", "B"], True
        )
        model.choose("You read interviews.", second, ["Is this about a bike? A or B."], ["A", "B"])
        restored = model.choose(
            "You read interviews.", first + "\n\nStages: 1) buy 2) use", questions, ["1", "2"]
        )
        assert restored.prompt_tokens < asked.prompt_tokens / 4, "the first context was not evaluated again"
        assert model._kept._used == 0
    finally:
        model._kept = saved


def test_questions_asked_again_after_a_held_context_get_the_first_answers_at_the_cost_of_their_own_tokens(
    runtime: Runtime,
) -> None:
    """A context the model already holds is not evaluated again, not even its last token (which, evaluated
    alone, moved answers by up to 0.03): the same questions asked again get the same answers."""
    model: Any = runtime.model
    bike = Path(__file__).parent.parent / "evals" / "cases" / "bike-subscription" / "transcripts"
    context = (bike / "P1.txt").read_text()[:3000]
    questions = ["Does the participant commute? A) yes B) no.", "Do they have children? A) yes B) no."]
    first = model.choose("You read interviews.", context, questions, ["A", "B"])
    again = model.choose("You read interviews.", context, questions, ["A", "B"])
    own = sum(len(model._llama.tokenize(q.encode(), add_bos=False)) for q in questions)
    assert again.prompt_tokens < own + 20, "the held context was evaluated again"
    assert np.allclose(again.probabilities, first.probabilities, atol=1e-6)


@pytest.mark.parametrize(
    ("brief", "first_stage"),
    [
        (
            "Residents apply online for a parking permit for their street, upload proof of address, and the "
            "council decides within ten working days. We will talk to recent applicants.",
            "Learn about it",
        ),
        (
            "Patients book check-ups by phone or online, get reminders, check in at reception, see the dentist "
            "and pay at the desk. We want to reduce missed appointments.",
            "Notice a need and find",
        ),
        (
            "Customers change their address and phone number in the app's profile. We will watch them try the "
            "redesigned pages: can they find where to do it, and do they know when the change is saved?",
            "Find where to do it",
        ),
    ],
)
def test_local_model_picks_the_scaffold_of_the_service_a_brief_describes(
    runtime: Runtime, brief: str, first_stage: str
) -> None:
    """The service kind, asked in every order of its options, read from the embedded model's probabilities."""
    asked = dataclasses.replace(runtime, calls=[]).start()
    kind = service_kind(asked, brief)
    assert kind.stages[0][1] == first_stage
    assert len(asked.calls) == 1 and asked.calls[0].params["mode"] == "choose"


ANSWERS = {"type": "object", "properties": {"answers": {"type": "array", "items": {"type": "string"}}}}


@pytest.mark.parametrize(
    ("messages", "schema", "max_tokens"),
    [
        (
            [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Three fruits?"}],
            ANSWERS,
            60,
        ),
        ([{"role": "user", "content": "Give one word."}], ANSWERS, 5),  # cut off by max_tokens
        ([{"role": "user", "content": "Any JSON about a cat."}], None, 30),  # no schema: any JSON
    ],
)
def test_a_json_answer_with_the_grammar_checked_lazily_is_llama_cpps_own(
    runtime: Runtime, messages: list[dict[str, str]], schema: object, max_tokens: int
) -> None:
    """The JSON calls check only the most likely token against the schema's grammar: the same text, ending and
    token counts as llama-cpp-python's chat completion applying the grammar to every token."""
    model = runtime.model
    llama = model._llama  # type: ignore[attr-defined]
    response_format = {"type": "json_object", "schema": schema}
    llama.reset()
    own = llama.create_chat_completion(
        messages=messages, max_tokens=max_tokens, temperature=0.0, response_format=response_format
    )
    llama.reset()
    lazy = model._json_completion(messages, schema, max_tokens, None)  # type: ignore[attr-defined]
    assert lazy["choices"][0]["message"]["content"] == own["choices"][0]["message"]["content"]
    assert lazy["choices"][0]["finish_reason"] == own["choices"][0]["finish_reason"]
    assert [lazy["usage"][k] for k in ("prompt_tokens", "completion_tokens")] == [
        own["usage"][k] for k in ("prompt_tokens", "completion_tokens")
    ]


def test_loaded_models_are_freed_at_exit_while_a_busy_one_is_left_alone() -> None:
    """Left to the interpreter's shutdown, llama-cpp-python's finaliser meets its module torn down and prints a
    traceback; the exit handler frees every loaded model first, but not one a call still holds."""
    from cjgen.local import _close_loaded, _loaded, load_local_model
    from cjgen.settings import Settings

    chat = load_local_model(Settings())
    with chat._lock:
        assert not chat.close(wait_s=0.01)
    assert chat._llama._model.model is not None
    _close_loaded()
    assert chat._llama._model.model is None and not _loaded
    again = load_local_model(Settings())  # a later load in the same process reads the file anew
    assert again is not chat and again.invoke("Say OK.").content

"""The embedded model, for real: load, JSON-schema-constrained output, grounded quotes. Slow (CPU).

These run in CI (the install brings the model). They are skipped only where llama-cpp-python is missing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cjgen.ask import Runtime
from cjgen.ingest import load_transcript
from cjgen.label import label_transcript
from cjgen.pipeline import open_runtime, summarize_file
from cjgen.redact import redact_transcript

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

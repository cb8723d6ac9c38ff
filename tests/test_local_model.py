"""The embedded model, for real: load, JSON-schema-constrained output, grounded quotes. Slow (CPU).

These run in CI (the install brings the model). They are skipped only where llama-cpp-python is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cjgen.ask import Runtime
from cjgen.pipeline import open_runtime, summarize_transcript

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
    summary = summarize_transcript(transcript, runtime=runtime)
    assert summary.provenance.backend == "local"
    assert summary.provenance.model_calls >= 1
    call = summary.provenance.calls[0]
    assert call.completion_tokens > 0 and call.error is None  # constrained JSON parsed on the first try
    items = summary.pain_points + summary.delights + summary.key_points
    assert items, "the model found nothing in a short interview with clear pains"
    for item in items:
        for evidence in item.evidence:
            assert evidence.participant_id == "P9"
            if not evidence.redacted:
                assert evidence.quote in SHORT
    assert "p9.person@example.org" not in summary.model_dump_json()

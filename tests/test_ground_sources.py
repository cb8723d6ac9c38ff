"""Evidence says what kind of source it came from (verbatim speech or notes) and who spoke when not the participant."""

from __future__ import annotations

from pathlib import Path

from cjgen.ground import ground_observations
from cjgen.ingest import load_transcript
from cjgen.observations import ObservationOut
from cjgen.redact import no_redaction
from cjgen.schema import Evidence
from cjgen.sentences import number_sentences

DATA = Path(__file__).parent / "data" / "ingest"


def evidence(path: Path, passage: str) -> Evidence:
    """The evidence for citing the sentence that holds `passage`."""
    t = load_transcript(path)
    sentences = number_sentences(t)
    (holder,) = [s for s in sentences if passage in s.text]
    cited = ObservationOut("pain", "something", (holder.id,), "support")
    report = ground_observations([cited], no_redaction(t), sentences, id_prefix="o")
    assert len(report.observations) == 1
    (found,) = report.observations[0].evidence
    assert passage in found.quote
    return found


def test_notes_evidence_is_marked_notes() -> None:
    found = evidence(DATA / "dash_notes.md", "most of it waiting for the email")
    assert (found.kind, found.speaker) == ("notes", None)


def test_verbatim_evidence_and_the_companion_named() -> None:
    participant = evidence(DATA / "companion.txt", "The missing box had the kettle")
    assert (participant.kind, participant.speaker, participant.participant_id) == ("verbatim", None, "P05")
    companion = evidence(DATA / "companion.txt", "Two days late, and one was missing")
    assert (companion.kind, companion.speaker, companion.participant_id) == ("verbatim", "Partner", "P05")

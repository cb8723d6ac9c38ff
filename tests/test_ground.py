"""Grounding: sentence ids and quotes become verified passages, or are rejected and counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjgen.ground import ground_observations, locate_quote, normalise
from cjgen.ingest import load_transcript
from cjgen.observations import ObservationOut
from cjgen.redact import no_redaction, redact_transcript
from cjgen.schema import GroundingStats
from cjgen.sentences import number_sentences, split_spans

TEXT = """Interviewer: So what happened with the “repair” — tell me.

P1: They give you a window, and the window is like, between eight and one. Five hours. And I have to be at work.

Interviewer: And the app?

P1: The app is fine. Call me on 06 1837 2264 if you want.
"""


def transcript(tmp_path: Path, text: str = TEXT):  # type: ignore[no-untyped-def]
    path = tmp_path / "P1.txt"
    path.write_text(text)
    return load_transcript(path)


def obs(*cite: str, kind: str = "pain", text: str = "Long repair windows") -> ObservationOut:
    return ObservationOut(kind, text, tuple(cite), "support")  # type: ignore[arg-type]


def test_normalise_maps_back_to_source_offsets() -> None:
    text = "He said  “fine” — okay"
    norm, origin = normalise(text)
    assert norm == 'he said "fine" - okay'
    assert text[origin[norm.index("fine")]] == "f"


def test_split_spans_trims_and_keeps_offsets() -> None:
    text = "Hm. Not really, to be honest! It was... it was a website.\nIt worked."
    spans = split_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Hm.",
        "Not really, to be honest!",
        "It was... it was a website.",
        "It worked.",
    ]


def test_sentence_ids_ground_exactly_and_short_ones_are_widened(tmp_path: Path) -> None:
    source = no_redaction(transcript(tmp_path))
    sentences = number_sentences(source.redacted)
    assert [s.id for s in sentences][:3] == ["1.1", "1.2", "1.3"]
    report = ground_observations([obs("1.2")], source, sentences, id_prefix="P1-")
    evidence = report.observations[0].evidence[0]
    turn = source.original.turns[1]
    assert turn.text[evidence.start : evidence.end] == evidence.quote
    # "Five hours." alone says little: the next sentence of the same answer is added.
    assert evidence.quote == "Five hours. And I have to be at work."
    assert report.stats.grounded == 1 and report.stats.rejected == 0


def test_unknown_sentence_id_is_rejected_and_the_claim_unsupported(tmp_path: Path) -> None:
    source = no_redaction(transcript(tmp_path))
    report = ground_observations([obs("9.9")], source, number_sentences(source.redacted), id_prefix="P1-")
    assert report.observations == []
    assert report.stats.rejected == 1 and report.stats.observations_unsupported == 1
    assert "Long repair windows" in report.unsupported[0]


def test_quotes_match_after_normalisation(tmp_path: Path) -> None:
    source = no_redaction(transcript(tmp_path))
    quote = "THEY GIVE YOU A WINDOW,   and the window is like, between eight and one"
    report = ground_observations([obs(quote)], source, [], id_prefix="P1-")
    evidence = report.observations[0].evidence[0]
    assert evidence.quote == "They give you a window, and the window is like, between eight and one"
    assert not evidence.repaired


def test_near_miss_is_repaired_to_the_source_text(tmp_path: Path) -> None:
    source = no_redaction(transcript(tmp_path))
    quote = "They give you a window and the window is like; between eight and one"
    located = locate_quote(quote, source.redacted.participant_turns())
    assert located is not None and located.repaired
    report = ground_observations([obs(quote)], source, [], id_prefix="P1-")
    evidence = report.observations[0].evidence[0]
    assert evidence.repaired and evidence.quote in TEXT
    assert report.stats.repaired == 1


def test_invented_quote_is_rejected(tmp_path: Path) -> None:
    source = no_redaction(transcript(tmp_path))
    report = ground_observations([obs("The technician never showed up at all")], source, [], id_prefix="P1-")
    assert report.observations == [] and report.stats.rejected == 1


def test_interviewer_words_never_count(tmp_path: Path) -> None:
    source = no_redaction(transcript(tmp_path))
    report = ground_observations(
        [obs('So what happened with the "repair" - tell me')], source, [], id_prefix="P1-"
    )
    assert report.observations == []
    assert report.stats.interviewer_rejected == 1 and report.stats.rejected == 1


def test_redacted_passages_keep_original_offsets_and_hide_the_value(tmp_path: Path) -> None:
    original = transcript(tmp_path)
    source = redact_transcript(original)
    sentences = number_sentences(source.redacted)
    phone_sentence = next(s for s in sentences if "[PHONE]" in s.text)
    report = ground_observations([obs(phone_sentence.id, kind="thought")], source, sentences, id_prefix="P1-")
    evidence = report.observations[0].evidence[0]
    assert "06 1837 2264" not in evidence.quote and "[PHONE]" in evidence.quote
    assert evidence.redacted
    assert "06 1837 2264" in original.turns[evidence.turn_index].text[evidence.start : evidence.end]


def test_subtitle_quotes_carry_the_cue_timestamp() -> None:
    path = (
        Path(__file__).resolve().parents[1]
        / "evals"
        / "cases"
        / "bike-subscription"
        / "transcripts"
        / "P5.vtt"
    )
    source = no_redaction(load_transcript(path))
    sentences = number_sentences(source.redacted)
    report = ground_observations([obs(sentences[5].id)], source, sentences, id_prefix="P5-")
    evidence = report.observations[0].evidence[0]
    assert evidence.timestamp_s is not None and evidence.timestamp_s > 0


def test_stats_add_up() -> None:
    stats = GroundingStats(quotes_total=3, grounded=1, repaired=1, rejected=1)
    assert stats.grounded + stats.repaired + stats.rejected == stats.quotes_total


def test_neighbouring_citations_become_one_passage(tmp_path: Path) -> None:
    source = no_redaction(transcript(tmp_path))
    sentences = number_sentences(source.redacted)
    report = ground_observations([obs("1.2", "1.3")], source, sentences, id_prefix="P1-")
    (evidence,) = report.observations[0].evidence
    assert evidence.quote == "Five hours. And I have to be at work."


def test_an_answer_cut_off_at_the_token_limit_is_closed_not_re_asked() -> None:
    from cjgen.ask import Invalid, load_json

    assert load_json('{"pains": [{"text": "Long waits", "cite": ["1.2"]}, {"text": "Cut of') == {
        "pains": [{"text": "Long waits", "cite": ["1.2"]}, {"text": "Cut of"}]
    }
    with pytest.raises(Invalid, match="not valid JSON"):
        load_json("no json here")


def test_a_stage_description_cut_at_the_length_limit_keeps_whole_sentences() -> None:
    from cjgen.wording import whole_sentences

    assert whole_sentences("Customers use it every day. They may also") == "Customers use it every day."
    assert whole_sentences("One sentence without a stop") == "One sentence without a stop"

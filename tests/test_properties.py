"""Property tests (hypothesis) for grounding and redaction.

- Any passage of a participant turn grounds, exactly (not repaired), at offsets whose text is that passage.
- A string that is not in the source is never grounded as exact; one whose characters never occur there is
  rejected; a repaired near miss really is near.
- Redaction offsets always map back: placeholders sit where the spans say, the text between them is the
  original, and a span mapped to the redacted text and back covers what it covered.
"""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from cjgen.ground import (
    MIN_QUOTE_CHARS,
    REPAIR_THRESHOLD,
    _strip_quote,
    ground_citation,
    locate_quote,
    normalise,
)
from cjgen.redact import PLACEHOLDERS, no_redaction, redact_text
from cjgen.schema import GroundingStats, Transcript, Turn

# No example database: runs stay independent and nothing is written into the working tree.
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# Letters and marks that normalisation changes: curly quotes and dashes, NBSP, ligatures, ß, dotted İ,
# fullwidth forms, zero-width space, combining accents, and Norwegian and Lithuanian letters.
_TRICKY = list("’‘“”«»–—…\u00a0ﬁßİıＡｂ１\u200béøåąčęėįšųūž\u0301 \n\t.,;:!?'\"-")
_TEXT = st.text(alphabet=st.sampled_from([*_TRICKY, *"abcdefghij KLMN 0123456789"]), max_size=160)
_WORDS = st.lists(
    st.sampled_from(
        [
            "the",
            "bike",
            "app",
            "delivery",
            "was",
            "late",
            "I",
            "called",
            "twice",
            "support",
            "refund",
            "Oslo",
            "født",
            "måned",
        ]
    ),
    min_size=3,
    max_size=40,
).map(" ".join)


def _transcript(*texts: str) -> Transcript:
    turns = tuple(
        Turn(
            index=i,
            speaker="P1" if i % 2 else "Interviewer",
            role="participant" if i % 2 else "interviewer",
            text=t,
        )
        for i, t in enumerate(texts)
    )
    digest = hashlib.sha256("".join(texts).encode()).hexdigest()
    return Transcript(id="P1.txt", path="P1.txt", participant_id="P1", sha256=digest, turns=turns)


def _norm(text: str) -> str:
    return normalise(text)[0]


# --------------------------------------------------------------------------------------------- grounding


@PROPERTY
@given(text=st.one_of(_TEXT, _WORDS), data=st.data())
@example(text="ßtraße ßtraße ßtr", data=None)
def test_any_passage_of_a_turn_grounds_exactly(text: str, data: st.DataObject | None) -> None:
    if data is None:
        start, end = 1, 12
    else:
        start = data.draw(st.integers(0, len(text)), label="start")
        end = data.draw(st.integers(start, len(text)), label="end")
    passage = text[start:end]
    wanted = _norm(_strip_quote(passage))
    assume(len(wanted) >= MIN_QUOTE_CHARS)
    turn = Turn(index=1, speaker="P1", role="participant", text=text)
    located = locate_quote(passage, [turn])
    assert located is not None and not located.repaired
    assert 0 <= located.start < located.end <= len(text)
    assert _norm(text[located.start : located.end]) == wanted


@PROPERTY
@given(text=_WORDS, data=st.data())
def test_grounded_evidence_points_at_the_passage_in_the_original(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    passage = text[start : data.draw(st.integers(start, len(text)))]
    assume(len(_norm(_strip_quote(passage))) >= MIN_QUOTE_CHARS)
    source = no_redaction(_transcript("So, tell me about it.", text))
    evidence = ground_citation(passage, source, {}, GroundingStats())
    assert evidence is not None and evidence.turn_index == 1
    assert _norm(text[evidence.start : evidence.end]) == _norm(_strip_quote(passage))
    assert evidence.quote == text[evidence.start : evidence.end]


@PROPERTY
@given(text=st.one_of(_TEXT, _WORDS), quote=st.one_of(_TEXT, _WORDS))
def test_a_string_not_in_the_source_is_never_an_exact_match(text: str, quote: str) -> None:
    wanted = _norm(_strip_quote(quote))
    assume(wanted not in _norm(text))
    located = locate_quote(quote, [Turn(index=1, speaker="P1", role="participant", text=text)])
    if located is not None:  # only a strict near miss may be snapped to the source, and it is marked
        assert located.repaired
        assert fuzz.partial_ratio(wanted, _norm(text[located.start : located.end])) >= REPAIR_THRESHOLD - 1


@PROPERTY
@given(text=_WORDS, quote=st.text(alphabet="XYZQW#%&0123456789", min_size=MIN_QUOTE_CHARS, max_size=40))
def test_a_string_of_characters_the_source_lacks_is_rejected(text: str, quote: str) -> None:
    stats = GroundingStats()
    source = no_redaction(_transcript("What happened next?", text.lower().replace("0", "")))
    assert ground_citation(quote, source, {}, stats) is None
    assert (stats.quotes_total, stats.rejected) == (1, 1)


@PROPERTY
@given(text=_WORDS)
def test_interviewer_text_never_grounds(text: str) -> None:
    assume(len(_norm(text)) >= MIN_QUOTE_CHARS)
    stats = GroundingStats()
    source = no_redaction(_transcript(text, "Something else entirely, I would say."))
    assume(_norm(text) not in _norm("Something else entirely, I would say."))
    assert ground_citation(text, source, {}, stats) is None
    assert stats.interviewer_rejected == 1


# --------------------------------------------------------------------------------------------- redaction

_PII = st.sampled_from(
    [
        "jane.doe@example.com",
        "+47 912 34 567",
        "07700900123",
        "4111 1111 1111 1111",
        "NO93 8601 1117 947",
        "AB 12 34 56 C",
        "Storgata 12, 0155 Oslo",
        "https://www.linkedin.com/in/jane-doe",
        "@jane_doe",
        "192.168.1.23",
        "My name is Kari Nordmann",
        "born 12.05.1984",
        "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "jane dot doe at example dot com",
    ]
)
_MIXED = st.lists(st.one_of(_PII, _TEXT, _WORDS), max_size=8).map(" ".join)


@PROPERTY
@given(text=_MIXED)
def test_redaction_spans_rebuild_the_original(text: str) -> None:
    redacted = redact_text(text)
    rebuilt, position, shown = [], 0, 0
    for span in redacted.spans:
        assert position <= span.start < span.end <= len(text)
        gap = text[position : span.start]
        assert redacted.text[shown : span.new_start] == gap
        assert redacted.text[span.new_start : span.new_end] == PLACEHOLDERS[span.kind]
        rebuilt += [gap, text[span.start : span.end]]
        position, shown = span.end, span.new_end
    assert redacted.text[shown:] == text[position:]
    assert "".join([*rebuilt, text[position:]]) == text


@PROPERTY
@given(text=_MIXED, data=st.data())
def test_offsets_map_there_and_back(text: str, data: st.DataObject) -> None:
    redacted = redact_text(text)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    new_start, new_end = redacted.to_redacted(start, end)
    assert 0 <= new_start <= new_end <= len(redacted.text)
    back_start, back_end = redacted.to_original(new_start, new_end)
    assert back_start <= start and end <= back_end  # never narrower; widened only over whole values
    touched = [s for s in redacted.spans if s.start < end and s.end > start]
    if not touched:
        assert redacted.text[new_start:new_end] == text[start:end]
        assert (back_start, back_end) == (start, end)


@PROPERTY
@given(text=_MIXED)
def test_redacting_twice_changes_nothing_more(text: str) -> None:
    once = redact_text(text).text
    assert redact_text(once).text == once

"""Property tests (hypothesis) for grounding and redaction.

- Every participant sentence id grounds at offsets in the original turn whose text is that sentence (widened
  by the sentences after it), also when the turn was redacted.
- Anything else (free text, a passage the participant said, an id of an interviewer turn or of no sentence) is
  rejected and counted.
- Redaction offsets always map back: placeholders sit where the spans say, the text between them is the
  original, and a span mapped to the redacted text and back covers what it covered.
"""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cjgen.ground import ground_citation
from cjgen.redact import PLACEHOLDERS, no_redaction, redact_text, redact_transcript
from cjgen.schema import GroundingStats, Transcript, Turn
from cjgen.sentences import LIST_BULLET, SENTENCE_ID, number_sentences

# No example database, and the same examples every run: nothing is written into the working tree.
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples on every run, so that a run's result does not depend on chance
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# Letters and marks that text handling gets wrong: curly quotes and dashes, NBSP, ligatures, ß, dotted İ,
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


# --------------------------------------------------------------------------------------------- grounding


def _bullet(sentence: str) -> int:
    """How much of a sentence a quote leaves out: its list bullet (`- It was slow.`), where words follow it."""
    bullet = LIST_BULLET.match(sentence)
    return bullet.end() if bullet and bullet.end() < len(sentence) else 0


@PROPERTY
@given(texts=st.lists(st.one_of(_TEXT, _WORDS), min_size=1, max_size=4))
def test_every_sentence_id_grounds_at_its_own_text(texts: list[str]) -> None:
    # Interviewer and participant turns alternate; only the participant's sentences are numbered.
    source = no_redaction(_transcript(*(t for text in texts for t in ("And then?", text))))
    sentences = {s.id: s for s in number_sentences(source.redacted)}
    stats = GroundingStats()
    for sentence in sentences.values():
        evidence = ground_citation(sentence.id, source, sentences, stats)
        assert evidence is not None and evidence.turn_index == sentence.turn_index
        said = source.original.turns[sentence.turn_index].text
        bullet = _bullet(sentence.text)
        assert evidence.start == sentence.start + bullet and evidence.end <= len(said)
        assert evidence.quote == said[evidence.start : evidence.end]
        assert evidence.quote.startswith(sentence.text[bullet:]) and not evidence.redacted
    assert (stats.quotes_total, stats.grounded, stats.rejected) == (len(sentences), len(sentences), 0)


@PROPERTY
@given(text=_MIXED, data=st.data())
def test_a_sentence_of_a_redacted_turn_grounds_at_the_original_offsets(
    text: str, data: st.DataObject
) -> None:
    source = redact_transcript(_transcript("Tell me about it.", text))
    sentences = {s.id: s for s in number_sentences(source.redacted)}
    assume(sentences)
    sentence = data.draw(st.sampled_from(list(sentences.values())))
    evidence = ground_citation(sentence.id, source, sentences, GroundingStats())
    assert evidence is not None and evidence.quote.startswith(sentence.text[_bullet(sentence.text) :])
    original = source.original.turns[1].text[evidence.start : evidence.end]
    placeholders = [p for p in PLACEHOLDERS.values() if p in evidence.quote]
    assert evidence.redacted == bool(placeholders)
    if not evidence.redacted:
        assert original == evidence.quote
    # The original span maps back to exactly the passage shown.
    shown_start, shown_end = source.to_redacted(1, evidence.start, evidence.end)
    assert source.redacted.turns[1].text[shown_start:shown_end] == evidence.quote


_IDS = st.builds("{}.{}".format, st.integers(0, 4), st.integers(0, 9))


@PROPERTY
@given(text=st.one_of(_TEXT, _WORDS), data=st.data())
def test_anything_but_a_participant_sentence_id_is_rejected(text: str, data: st.DataObject) -> None:
    source = no_redaction(_transcript("So, tell me about it.", text))
    sentences = {s.id: s for s in number_sentences(source.redacted)}
    start = data.draw(st.integers(0, len(text)), label="start")
    said = text[start : data.draw(st.integers(start, len(text)), label="end")]
    citation = data.draw(st.one_of(st.just(said), _TEXT, _WORDS, _IDS, _IDS.map("[{}]".format)), label="cite")
    match = SENTENCE_ID.match(citation.strip())
    assume(match is None or f"{match.group(1)}.{match.group(2)}" not in sentences)
    stats = GroundingStats()
    assert ground_citation(citation, source, sentences, stats) is None
    assert (stats.quotes_total, stats.grounded, stats.rejected) == (1, 0, 1)


# --------------------------------------------------------------------------------------------- redaction


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

"""Deterministic grounding: every citation becomes a verified passage of a participant turn, or is rejected
and counted.

A citation is the id of a numbered participant sentence (`12.3`); code takes the quote and its offsets from the
source, so no quote is ever copied from a model. Anything else (an unknown id, an interviewer turn, free text) is
rejected. No model is involved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cjgen.asked import answered, what_it_asks
from cjgen.ingest import main_speaker
from cjgen.observations import Observation, ObservationOut
from cjgen.redact import RedactedTranscript
from cjgen.schema import Evidence, GroundingStats, Transcript, Turn
from cjgen.sentences import LIST_BULLET, SENTENCE_ID, Sentence
from cjgen.untrusted import instruction_reason
from cjgen.wording import first_words

MIN_QUOTE_WORDS = 12
# How much of the interviewer's line a quote carries as its question: enough to say what was asked.
ASKED_WORDS = 25
# How far back a quote's question is looked for: the participant's own turns and the interviewer's
# acknowledgements between them ("Hmm.", "Okay.") are passed over for a few exchanges.
ASKED_REACH = 6


def widen(cited: Sentence, sentences: Sequence[Sentence]) -> tuple[int, int]:
    """The cited sentence, extended by the sentences after it in the same turn (and paragraph of a written
    answer) until the quote can stand alone.

    A bare "The repair window." or "Definitely." tells a reader nothing; the participant's next sentence
    in the same answer usually says what they meant.
    """
    start, end = cited.start, cited.end
    bullet = LIST_BULLET.match(cited.text)
    if bullet and bullet.end() < len(cited.text):
        start += bullet.end()  # a notes line's list bullet (`- It was slow.`) is no part of what was said
    start += _unclosed_mark(cited.text[start - cited.start :], _OPENING_MARK)
    words = len(cited.text.split())
    following = [
        s
        for s in sentences
        if (s.turn_index, s.paragraph) == (cited.turn_index, cited.paragraph) and s.start >= cited.end
    ]
    last = cited
    for sentence in following[:2]:
        if words >= MIN_QUOTE_WORDS:
            break
        end, last = sentence.end, sentence
        words += len(sentence.text.split())
    end -= _unclosed_mark(last.text, _CLOSING_MARK)
    return start, end


# The notetaker's emphasis around an answer that runs over several lines (`- **I looked there first.` …
# `… and gave up.**`): a quote of one of its lines holds only one of the two marks, which is markup, not speech.
_OPENING_MARK = re.compile(r"^(\*{1,3}|_{1,3})(?=[^\W_]|[(\[\"“'])")
_CLOSING_MARK = re.compile(r"(?<=[^\s*_])(\*{1,3}|_{1,3})$")


def _unclosed_mark(text: str, mark: re.Pattern[str]) -> int:
    """The length of an emphasis mark that opens or closes `text` (`mark`) where the text holds no other such
    mark to pair with it; 0 where there is none (`*sigh* I did.` keeps its marks)."""
    found = mark.search(text)
    if found is None or text.count(found[1]) > 1 or not text.strip("*_ \t"):
        return 0
    return len(found[1])


@dataclass
class GroundReport:
    observations: list[Observation] = field(default_factory=list)
    stats: GroundingStats = field(default_factory=GroundingStats)
    unsupported: list[str] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)  # participant id -> who they are, in a few words


def _timestamp(turn: Turn, start: int) -> float | None:
    for segment in turn.segments:
        if segment.start <= start < segment.end:
            return segment.start_s
    return turn.start_s


def evidence_for(source: RedactedTranscript, turn_index: int, start: int, end: int) -> Evidence:
    """Evidence for a span of the redacted turn text: the quote as shown, offsets in the original text."""
    shown = source.redacted.turns[turn_index].text[start:end]
    original: Transcript = source.original
    o_start, o_end = source.to_original(turn_index, start, end)
    turn = original.turns[turn_index]
    return Evidence(
        source_id=original.id,
        participant_id=original.participant_id,
        turn_index=turn_index,
        start=o_start,
        end=o_end,
        quote=shown,
        timestamp_s=_timestamp(turn, o_start),
        redacted=turn.text[o_start:o_end] != shown,
        kind=original.kind,
        speaker=_companion(source, turn_index),
        asked=_asked(source, turn_index),
    )


# Markdown emphasis around or inside a guide's question (`**Tell me …**`, `**(*On Profile*) How …`): no words.
_EMPHASIS = re.compile(r"(?<![^\W_])[*_]{1,3}|[*_]{1,3}(?![^\W_])")


def _asked(source: RedactedTranscript, turn_index: int) -> str | None:
    """The interviewer's line a participant's turn answers (redacted, its first ASKED_WORDS words from what it
    asks, its emphasis marks left out): the last among the ASKED_REACH turns before it that asks or prompts,
    past lines that only acknowledge ("Hmm.") or remark ("That's strange.", the nearest remark where none
    asks); None when there is none, or when it reads as an instruction."""
    turn = answered(source.redacted.turns, turn_index, ASKED_REACH)
    if turn is None:
        return None
    asked = first_words(_EMPHASIS.sub("", what_it_asks(turn.text)), ASKED_WORDS)
    # Context, not evidence: a line that reads as an instruction to an AI system is not carried.
    return asked if asked and instruction_reason(asked) is None else None


def _companion(source: RedactedTranscript, turn_index: int) -> str | None:
    """The speaker's label when a companion, not the participant, said it (as the model saw the label)."""
    speaker = source.original.turns[turn_index].speaker
    main = main_speaker(source.original)
    return source.redacted.turns[turn_index].speaker if main is not None and speaker != main else None


def ground_citation(
    citation: str,
    source: RedactedTranscript,
    sentences: dict[str, Sentence],
    stats: GroundingStats,
) -> Evidence | None:
    """The passage a sentence id points at (widened to stand alone), or None, counted as rejected."""
    stats.quotes_total += 1
    match = SENTENCE_ID.match(citation.strip())
    sentence = sentences.get(f"{match.group(1)}.{match.group(2)}") if match else None
    if sentence is None:
        stats.rejected += 1
        return None
    stats.grounded += 1
    start, end = widen(sentence, list(sentences.values()))
    return evidence_for(source, sentence.turn_index, start, end)


def merge_overlapping(evidence: Sequence[Evidence], source: RedactedTranscript) -> list[Evidence]:
    """One passage for citations that overlap or touch in the same turn (two cited neighbours, widened)."""
    merged: list[Evidence] = []
    for e in sorted(evidence, key=lambda e: (e.turn_index, e.start)):
        last = merged[-1] if merged else None
        if last is None or last.turn_index != e.turn_index or e.start > last.end + 1:
            merged.append(e)
            continue
        if e.end > last.end:
            start, end = source.to_redacted(e.turn_index, last.start, e.end)
            merged[-1] = evidence_for(source, e.turn_index, start, end)
    return merged


def ground_observations(
    raw: Sequence[ObservationOut],
    source: RedactedTranscript,
    sentences: Sequence[Sentence],
    *,
    id_prefix: str,
) -> GroundReport:
    """Attach verified evidence to each raw observation; those left without any are reported as unsupported."""
    report = GroundReport()
    by_id = {s.id: s for s in sentences}
    for n, item in enumerate(raw, start=1):
        report.stats.observations_total += 1
        cited = [ground_citation(citation, source, by_id, report.stats) for citation in item.cite]
        found = merge_overlapping([e for e in cited if e is not None], source)
        if not found:
            report.stats.observations_unsupported += 1
            report.unsupported.append(
                f"{source.original.id}: {item.kind} '{item.text}' (no verifiable quote)"
            )
            continue
        obs_id = f"{id_prefix}{n}"
        report.observations.append(
            Observation(
                id=obs_id,
                source_id=source.original.id,
                participant_id=source.original.participant_id,
                kind=item.kind,
                stage_id=item.stage,
                text=item.text or " ".join(found[0].quote.split()),
                severity=item.severity,
                question=item.question,
                evidence=[e.model_copy(update={"observation_id": obs_id}) for e in found],
            )
        )
    return report

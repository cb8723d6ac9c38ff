"""Deterministic grounding: every cited passage is located in a participant turn, or rejected and counted.

A citation is a sentence id (`12.3`) or a quote. Quotes are matched after normalisation (NFKC, curly quotes and
dashes, whitespace, case); a near miss is snapped to the source text only above a strict similarity threshold
and marked `repaired`. Quotes found only in an interviewer turn are rejected. No model is involved.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from cjgen.ingest import main_speaker
from cjgen.observations import Observation, ObservationOut
from cjgen.redact import RedactedTranscript
from cjgen.schema import Evidence, GroundingStats, Transcript, Turn
from cjgen.sentences import SENTENCE_ID, Sentence

REPAIR_THRESHOLD = 92.0
MIN_QUOTE_CHARS = 8
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
    }
)


def normalise(text: str) -> tuple[str, list[int]]:
    """Normalised text and, for each of its characters, the offset of the source character it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).translate(_TRANSLATE).casefold()
        for piece in folded:
            if piece.isspace():
                if not out or out[-1] == " ":
                    continue
                piece = " "
            out.append(piece)
            origin.append(i)
    while out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


def _strip_quote(quote: str) -> str:
    return quote.strip().strip("\"'“”‘’«»").strip().rstrip(".…").strip()


@dataclass(frozen=True)
class Located:
    turn: Turn
    start: int
    end: int
    repaired: bool


def locate_quote(quote: str, turns: Sequence[Turn]) -> Located | None:
    """Find `quote` in one of `turns` (exactly after normalisation, else as a strict near miss)."""
    wanted, _ = normalise(_strip_quote(quote))
    if len(wanted) < MIN_QUOTE_CHARS:
        return None
    for turn in turns:
        haystack, origin = normalise(turn.text)
        at = haystack.find(wanted)
        if at >= 0:
            return Located(turn, origin[at], origin[at + len(wanted) - 1] + 1, repaired=False)
    best: tuple[float, Turn, int, int] | None = None
    for turn in turns:
        haystack, origin = normalise(turn.text)
        if not haystack:
            continue
        alignment = fuzz.partial_ratio_alignment(wanted, haystack, score_cutoff=REPAIR_THRESHOLD)
        if alignment is None or alignment.dest_end <= alignment.dest_start:
            continue
        span = alignment.dest_end - alignment.dest_start
        if span < 0.9 * len(wanted) or (best is not None and alignment.score <= best[0]):
            continue
        best = (alignment.score, turn, origin[alignment.dest_start], origin[alignment.dest_end - 1] + 1)
    if best is None:
        return None
    return Located(best[1], best[2], best[3], repaired=True)


MIN_QUOTE_WORDS = 12


def widen(cited: Sentence, sentences: Sequence[Sentence]) -> tuple[int, int]:
    """The cited sentence, extended by the sentences after it in the same turn until the quote can stand alone.

    A bare "The repair window." or "Definitely." tells a reader nothing; the participant's next sentence
    in the same answer usually says what they meant.
    """
    start, end = cited.start, cited.end
    words = len(cited.text.split())
    following = [s for s in sentences if s.turn_index == cited.turn_index and s.start >= cited.end]
    for sentence in following[:2]:
        if words >= MIN_QUOTE_WORDS:
            break
        end = sentence.end
        words += len(sentence.text.split())
    return start, end


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


def evidence_for(
    source: RedactedTranscript, turn_index: int, start: int, end: int, *, repaired: bool = False
) -> Evidence:
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
        repaired=repaired,
        redacted=turn.text[o_start:o_end] != shown,
        kind=original.kind,
        speaker=_companion(source, turn_index),
    )


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
    stats.quotes_total += 1
    match = SENTENCE_ID.match(citation.strip())
    if match:
        sentence = sentences.get(f"{match.group(1)}.{match.group(2)}")
        if sentence is None:
            stats.rejected += 1
            return None
        stats.grounded += 1
        start, end = widen(sentence, list(sentences.values()))
        return evidence_for(source, sentence.turn_index, start, end)
    transcript = source.redacted
    located = locate_quote(citation, transcript.participant_turns())
    if located is None:
        interviewer = [t for t in transcript.turns if t.role == "interviewer"]
        if locate_quote(citation, interviewer) is not None:
            stats.interviewer_rejected += 1
        stats.rejected += 1
        return None
    if located.repaired:
        stats.repaired += 1
    else:
        stats.grounded += 1
    return evidence_for(source, located.turn.index, located.start, located.end, repaired=located.repaired)


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
            merged[-1] = evidence_for(source, e.turn_index, start, end, repaired=last.repaired or e.repaired)
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

"""Map step: one model call per transcript (or per chunk of turns for long ones) returning observations.

Participant sentences are numbered `[turn.sentence]` and the model cites those ids as evidence; the interview
is passed as delimited data, never as instructions. Calls for different transcripts run concurrently with a
bound; the local backend serialises them itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cjgen.ask import Invalid, Runtime, ask, inline_schema, parse_as
from cjgen.observations import LISTS, ExtractionOut, ObservationOut, flatten
from cjgen.prompts import render_prompt
from cjgen.redact import RedactedTranscript
from cjgen.schema import Stage, Turn
from cjgen.sentences import SENTENCE_ID, Sentence, number_sentences

CHUNK_WORDS = 2400
INTERVIEWER_WORDS = 40
MAX_TOKENS = 1200


@dataclass(frozen=True)
class Chunk:
    turns: tuple[Turn, ...]
    sentences: tuple[Sentence, ...]


def chunk_turns(
    turns: tuple[Turn, ...], sentences: list[Sentence], max_words: int = CHUNK_WORDS
) -> list[Chunk]:
    """Split at turn boundaries so that no chunk's participant text exceeds `max_words` (one turn may)."""
    chunks: list[list[Turn]] = [[]]
    words = 0
    for turn in turns:
        size = len(turn.text.split()) if turn.role == "participant" else 0
        if chunks[-1] and words + size > max_words:
            # Start the next chunk with the interviewer's question that leads into this turn, for context.
            lead = [chunks[-1][-1]] if chunks[-1][-1].role == "interviewer" else []
            chunks.append(lead)
            words = 0
        chunks[-1].append(turn)
        words += size
    result = []
    for group in chunks:
        indexes = {t.index for t in group}
        result.append(Chunk(tuple(group), tuple(s for s in sentences if s.turn_index in indexes)))
    return result


def _shorten(text: str, words: int) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + " …"


def _prompt_turns(chunk: Chunk) -> list[dict[str, Any]]:
    by_turn: dict[int, list[Sentence]] = {}
    for sentence in chunk.sentences:
        by_turn.setdefault(sentence.turn_index, []).append(sentence)
    return [
        {
            "role": turn.role,
            "speaker": turn.speaker,
            "text": _shorten(" ".join(turn.text.split()), INTERVIEWER_WORDS),
            "sentences": [(s.id, " ".join(s.text.split())) for s in by_turn.get(turn.index, [])],
        }
        for turn in chunk.turns
    ]


def _parser(stage_ids: list[str], sentence_ids: set[str]) -> Any:
    def parse(data: Any) -> ExtractionOut:
        out: ExtractionOut = parse_as(ExtractionOut, data)
        errors = []
        for group in LISTS:
            for n, obs in enumerate(getattr(out, group)):
                if obs.stage not in stage_ids:
                    errors.append(f"{group}.{n}.stage: '{obs.stage}' is not one of {', '.join(stage_ids)}")
                # A citation that is not a sentence id at all is kept as a quote for grounding to check.
                unknown = [c for c in obs.cite if SENTENCE_ID.match(c) and c.strip("[]") not in sentence_ids]
                if unknown:
                    errors.append(f"{group}.{n}.cite: unknown sentence id(s) {', '.join(unknown)}")
        if errors:
            raise Invalid(errors)
        return out

    return parse


def extract_chunk(
    runtime: Runtime, source: RedactedTranscript, chunk: Chunk, stages: list[Stage], *, part: str
) -> ExtractionOut:
    transcript = source.redacted
    stage_ids = [s.id for s in stages]
    sentence_ids = [s.id for s in chunk.sentences]
    prompt = render_prompt(
        "extract",
        stages=stages,
        source_id=transcript.id,
        participant_id=transcript.participant_id,
        part=part,
        turns=_prompt_turns(chunk),
    )
    schema = inline_schema(ExtractionOut, {"stage": stage_ids, "cite": sentence_ids})
    parse = _parser(stage_ids, set(sentence_ids))
    out: ExtractionOut = ask(
        runtime, prompt, schema, parse, step=f"extract:{transcript.id}", max_tokens=MAX_TOKENS
    )
    return out


@dataclass(frozen=True)
class Extraction:
    observations: list[ObservationOut]
    sentences: list[Sentence]
    profile: str


def extract_transcript(runtime: Runtime, source: RedactedTranscript, stages: list[Stage]) -> Extraction:
    """All raw observations for one transcript, the numbered sentences they cite, and who the participant is."""
    sentences = number_sentences(source.redacted)
    chunks = [c for c in chunk_turns(source.redacted.turns, sentences, CHUNK_WORDS) if c.sentences]
    observations: list[ObservationOut] = []
    profiles: list[str] = []
    for n, chunk in enumerate(chunks, start=1):
        part = f"part {n} of {len(chunks)}" if len(chunks) > 1 else ""
        out = extract_chunk(runtime, source, chunk, stages, part=part)
        observations.extend(flatten(out))
        profiles.append(out.profile.strip())
    return Extraction(observations, sentences, max(profiles, key=len, default=""))

"""Deterministic checks that drop or fix what a model gets wrong in extracted observations."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from cjgen.observations import Observation
from cjgen.schema import Transcript
from cjgen.untrusted import instruction_like, instruction_reason

DUPLICATE_TEXT = 88


def _instruction_like(obs: Observation) -> bool:
    return instruction_like(obs.text) or any(instruction_like(e.quote) for e in obs.evidence)


def tidy(observations: Sequence[Observation]) -> tuple[list[Observation], list[str]]:
    """Drop duplicates and pains that rest only on instruction-like text."""
    kept: list[Observation] = []
    dropped: list[str] = []
    for obs in observations:
        if obs.kind == "pain" and _instruction_like(obs):
            dropped.append(
                f"{obs.id}: pain resting on instruction-like text (treated as content, not a pain)"
            )
            continue
        spans = {(e.source_id, e.turn_index, e.start) for e in obs.evidence}
        duplicate = next(
            (
                n
                for n, k in enumerate(kept)
                if k.participant_id == obs.participant_id
                and k.kind == obs.kind
                and (
                    spans <= {(e.source_id, e.turn_index, e.start) for e in k.evidence}
                    or fuzz.token_set_ratio(k.text, obs.text) >= DUPLICATE_TEXT
                )
            ),
            None,
        )
        if duplicate is None:
            kept.append(obs)
            continue
        # The same thing said twice by one person: one observation with both passages, nothing lost. A passage
        # the file holds twice word for word (a notetaker's copy of an answer) is one passage, shown once.
        first = kept[duplicate]
        known = {(e.source_id, e.turn_index, e.start) for e in first.evidence}
        extra = [
            e
            for e in obs.evidence
            if (e.source_id, e.turn_index, e.start) not in known
            and not any(e.said_again_in(k) for k in first.evidence)
        ]
        kept[duplicate] = first.model_copy(update={"evidence": [*first.evidence, *extra]})
        dropped.append(f"{obs.id}: merged into {first.id} (the same {obs.kind} said again)")
    return kept, dropped


def instruction_notes(transcripts: Sequence[Transcript]) -> list[str]:
    """Where transcripts hold instruction-like text, so a reviewer knows it was seen and not followed.

    A turn that also tells the participant's experience keeps its place as evidence; its quotes are marked.
    """
    notes = []
    for transcript in transcripts:
        for turn in transcript.turns:
            reason = instruction_reason(turn.text)
            if reason is None:
                continue
            kept = (
                "it was set aside"
                if instruction_like(turn.text)
                else "it also tells the participant's experience, so it stays as evidence, marked as flagged"
            )
            notes.append(
                f"{transcript.id} turn {turn.index} contains instruction-like text addressed to an AI ({reason}): "
                f"it was treated as interview content and not followed; {kept}."
            )
    return notes

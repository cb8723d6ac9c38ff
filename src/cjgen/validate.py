"""Semantic rules of a finished map, beyond its pydantic schema. Each error names the field path."""

from __future__ import annotations

from collections.abc import Sequence

from cjgen.schema import Item, JourneyMap


def check_map(journey: JourneyMap) -> list[str]:
    errors: list[str] = []
    stage_ids = [s.id for s in journey.stages]
    persona_ids = {p.id for p in journey.personas}
    pain_ids = {p.id for p in journey.pain_points}

    item_ids = [item.id for item in journey.items()]
    for duplicate in sorted({i for i in item_ids if item_ids.count(i) > 1}):
        errors.append(f"items: id '{duplicate}' is used more than once")
    if len(set(stage_ids)) != len(stage_ids):
        errors.append("stages: stage ids must be unique and appear once, in journey order")

    owner: dict[str, str] = {}
    for n, persona in enumerate(journey.personas):
        for pid in persona.participant_ids:
            if pid in owner:
                errors.append(f"personas.{n}.participant_ids: {pid} is also in persona '{owner[pid]}'")
            owner[pid] = persona.id
    if owner:
        # Personas partition the participants: everyone the map quotes is in one of them.
        quoted = sorted({e.participant_id for e in journey.all_evidence()} - owner.keys())
        if quoted:
            errors.append(f"personas: participant(s) {', '.join(quoted)} are quoted but in no persona")

    staged: list[tuple[str, Sequence[Item]]] = [*journey.staged_groups(), ("blueprint", journey.blueprint)]
    for group, items in staged:
        for n, item in enumerate(items):
            stage_id = getattr(item, "stage_id", None)
            if stage_id not in stage_ids:
                errors.append(f"{group}.{n}.stage_id: '{stage_id}' is not a stage of this map")
            for pid in getattr(item, "persona_ids", []):
                if pid not in persona_ids:
                    errors.append(f"{group}.{n}.persona_ids: unknown persona '{pid}'")
    for n, emotion in enumerate(journey.emotions):
        if emotion.persona_id is not None and emotion.persona_id not in persona_ids:
            errors.append(f"emotions.{n}.persona_id: unknown persona '{emotion.persona_id}'")
    for n, opportunity in enumerate(journey.opportunities):
        for pain_id in opportunity.addresses:
            if pain_id not in pain_ids:
                errors.append(f"opportunities.{n}.addresses: '{pain_id}' is not in pain_points")
    for n, contradiction in enumerate(journey.contradictions):
        if len(contradiction.sides) < 2:
            errors.append(f"contradictions.{n}.sides: a contradiction needs two sides")
        if contradiction.basis == "observed" and not all(side.evidence for side in contradiction.sides):
            errors.append(f"contradictions.{n}.sides: every side of an observed contradiction needs evidence")

    for group, items in [*staged, ("opportunities", journey.opportunities), ("personas", journey.personas)]:
        for n, item in enumerate(items):
            observed_needs_evidence = group not in ("personas", "blueprint")
            if item.basis == "observed" and observed_needs_evidence and not item.evidence:
                errors.append(f"{group}.{n}.evidence: an observed item needs at least one grounded quote")
            if item.basis == "assumption" and item.evidence and group != "opportunities":
                errors.append(f"{group}.{n}.basis: an item with evidence is observed, not an assumption")
    return errors

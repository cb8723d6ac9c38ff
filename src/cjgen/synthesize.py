"""Reduce step: the model groups grounded observations *by id* into personas, pain points, delights,
opportunities and contradictions; code attaches the evidence from those ids and counts it.

The model never writes a quote here, so it cannot invent one. Stage lanes (actions, touchpoints, thoughts,
emotions) are built from the observations by code, with their evidence counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from cjgen.ask import Invalid, Runtime, ask, inline_schema, parse_as
from cjgen.checks import content_words, instruction_like
from cjgen.observations import Observation
from cjgen.prompts import render_prompt
from cjgen.schema import (
    Action,
    BlueprintLane,
    BlueprintStep,
    ChannelKind,
    Contradiction,
    ContradictionSide,
    Delight,
    Emotion,
    Evidence,
    MapType,
    Opportunity,
    PainPoint,
    Persona,
    Score,
    Severity,
    Stage,
    Thought,
    Touchpoint,
)

MAX_PERSONAS = 3
MAX_PAINS = 7
MAX_DELIGHTS = 6
LANE_ITEMS_PER_STAGE = 6
MAX_TOKENS = 1200
# Only these kinds go to the model; actions, touchpoints and thoughts become stage lanes by code.
FOR_MODEL = ("pain", "delight", "goal")
SIMILAR = 82


class PersonaOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=2, max_length=40)
    description: str = Field(max_length=160)


class PainOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    statement: str = Field(min_length=5, max_length=140)
    pain_obs: list[str] = Field(min_length=1, max_length=4)
    stage: str
    severity: Severity = 2


class DelightOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    statement: str = Field(min_length=5, max_length=140)
    delight_obs: list[str] = Field(min_length=1, max_length=4)
    stage: str
    severity: Severity = 2


class OpportunityOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    statement: str = Field(min_length=5, max_length=140)
    addresses: list[int] = Field(min_length=1, max_length=2, description="1-based numbers of pains")


class ContradictionOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    what: str = Field(min_length=5, max_length=160)
    side_a: list[str] = Field(min_length=1, max_length=2)
    side_b: list[str] = Field(min_length=1, max_length=2)


class BriefClaimOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    statement: str = Field(min_length=5, max_length=160)
    stage: str
    support: list[str] = Field(default_factory=list, max_length=2)


class BlueprintOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    stage: str
    lane: BlueprintLane
    text: str = Field(min_length=3, max_length=160)


class SynthesisOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    summary: str = Field(max_length=300)
    personas: list[PersonaOut] = Field(min_length=1, max_length=MAX_PERSONAS)
    persona_of: dict[str, int] = Field(
        default_factory=dict,
        description="Participant id -> persona number (1-based): a partition by construction.",
    )
    pains: list[PainOut] = Field(default_factory=list, max_length=MAX_PAINS)
    delights: list[DelightOut] = Field(default_factory=list, max_length=MAX_DELIGHTS)
    opportunities: list[OpportunityOut] = Field(default_factory=list, max_length=5)
    contradictions: list[ContradictionOut] = Field(default_factory=list, max_length=2)
    brief_claims: list[BriefClaimOut] = Field(default_factory=list, max_length=2)
    blueprint: list[BlueprintOut] = Field(default_factory=list, max_length=15)


@dataclass(frozen=True)
class Context:
    stages: list[Stage]
    participants: list[str]
    observations: list[Observation]
    map_type: MapType
    profiles: dict[str, str] = field(default_factory=dict)

    @property
    def by_id(self) -> dict[str, Observation]:
        return {o.id: o for o in self.observations}

    def ids_of(self, *kinds: str) -> list[str]:
        return [o.id for o in self.observations if o.kind in kinds]


def check_synthesis(out: SynthesisOut, ctx: Context) -> list[str]:
    """Semantic rules the schema cannot express; each error names its field path."""
    errors: list[str] = []
    stage_ids = {s.id for s in ctx.stages}
    known = ctx.by_id
    lists: list[tuple[str, Iterable[tuple[str, Sequence[str]]]]] = [
        ("pains", ((f"{n}.pain_obs", p.pain_obs) for n, p in enumerate(out.pains))),
        ("delights", ((f"{n}.delight_obs", d.delight_obs) for n, d in enumerate(out.delights))),
        ("contradictions", ((f"{n}.side_a", c.side_a) for n, c in enumerate(out.contradictions))),
        ("contradictions", ((f"{n}.side_b", c.side_b) for n, c in enumerate(out.contradictions))),
        ("brief_claims", ((f"{n}.support", b.support) for n, b in enumerate(out.brief_claims))),
    ]
    for group, entries in lists:
        for path, ids in entries:
            unknown = [i for i in ids if i not in known]
            if unknown:
                errors.append(f"{group}.{path}: unknown observation id(s) {', '.join(unknown)}")
    staged: list[tuple[str, Sequence[PainOut | DelightOut | BriefClaimOut]]] = [
        ("pains", out.pains),
        ("delights", out.delights),
        ("brief_claims", out.brief_claims),
    ]
    for group, items in staged:
        for n, item in enumerate(items):
            if item.stage not in stage_ids:
                errors.append(f"{group}.{n}.stage: '{item.stage}' is not a stage id")
    for n, step in enumerate(out.blueprint):
        if step.stage not in stage_ids:
            errors.append(f"blueprint.{n}.stage: '{step.stage}' is not a stage id")
    return errors


def _schema(ctx: Context) -> dict[str, Any]:
    all_ids = ctx.ids_of(*FOR_MODEL)
    schema = inline_schema(
        SynthesisOut,
        {
            "participants": ctx.participants,
            "pain_obs": ctx.ids_of("pain") or all_ids,
            "delight_obs": ctx.ids_of("delight") or all_ids,
            "side_a": all_ids,
            "side_b": all_ids,
            "support": ctx.ids_of("pain") or all_ids,
            "stage": [s.id for s in ctx.stages],
        },
    )
    # One property per participant, each a persona number: every participant lands in exactly one persona.
    numbers = list(range(1, MAX_PERSONAS + 1))
    persona_of = {
        "type": "object",
        "properties": {pid: {"type": "integer", "enum": numbers} for pid in ctx.participants},
        "required": list(ctx.participants),
        "additionalProperties": False,
    }
    properties = schema["properties"]
    schema["properties"] = {
        **{k: v for k, v in properties.items() if k in ("summary", "personas")},
        "persona_of": persona_of,
        **{k: v for k, v in properties.items() if k not in ("summary", "personas", "persona_of")},
    }
    schema["required"] = [*schema.get("required", []), "persona_of"]
    return schema


def run_synthesis(runtime: Runtime, brief: str, ctx: Context) -> SynthesisOut:
    prompt = render_prompt(
        "synthesize",
        brief=brief,
        map_type=ctx.map_type,
        stages=ctx.stages,
        participants=ctx.participants,
        profiles=ctx.profiles,
        observations=[o for o in ctx.observations if o.kind in FOR_MODEL],
    )

    def parse(data: Any) -> SynthesisOut:
        out: SynthesisOut = parse_as(SynthesisOut, data)
        errors = check_synthesis(out, ctx)
        if errors:
            raise Invalid(errors)
        return out

    result: SynthesisOut = ask(runtime, prompt, _schema(ctx), parse, step="synthesize", max_tokens=MAX_TOKENS)
    return result


# ------------------------------------------------------------------------------------------- assembling


def _evidence(observations: Iterable[Observation]) -> list[Evidence]:
    """The observations' passages, each once: a passage inside another one of the same turn is dropped."""
    out: list[Evidence] = []
    for e in (e for obs in observations for e in obs.evidence):
        same_turn = [k for k in out if (k.source_id, k.turn_index) == (e.source_id, e.turn_index)]
        if any(k.start <= e.start and e.end <= k.end for k in same_turn):
            continue
        out = [k for k in out if not (k in same_turn and e.start <= k.start and k.end <= e.end)]
        out.append(e)
    return out


@dataclass
class Synthesis:
    summary: str
    personas: list[Persona]
    pain_points: list[PainPoint]
    delights: list[Delight]
    opportunities: list[Opportunity]
    contradictions: list[Contradiction]
    assumptions: list[PainPoint]
    blueprint: list[BlueprintStep]
    actions: list[Action]
    touchpoints: list[Touchpoint]
    thoughts: list[Thought]
    emotions: list[Emotion]


def _persona_lookup(personas: list[Persona]) -> dict[str, str]:
    return {pid: p.id for p in personas for pid in p.participant_ids}


def _personas_of(evidence: Iterable[Evidence], lookup: dict[str, str]) -> list[str]:
    return sorted({lookup[e.participant_id] for e in evidence if e.participant_id in lookup})


def _clusters(
    groups: list[tuple[list[str], str, str, Severity]],
    leftovers: list[Observation],
    known: dict[str, Observation],
    limit: int,
) -> list[tuple[list[Observation], str, str, Severity]]:
    """Model clusters (ids de-duplicated across clusters), then observations no cluster took, as singletons."""
    used: set[str] = set()
    out: list[tuple[list[Observation], str, str, Severity]] = []
    for ids, statement, stage, severity in groups:
        members = [known[i] for i in dict.fromkeys(ids) if i in known and i not in used]
        if not members or instruction_like(statement):
            continue
        members, _loose = coherent(members, statement)  # loose ones come back below as singletons
        used.update(o.id for o in members)
        out.append((members, statement, stage, severity))
    for obs in leftovers:
        if obs.id in used or len(out) >= limit:
            continue
        if any(fuzz.token_set_ratio(obs.text, statement) >= SIMILAR for _, statement, _, _ in out):
            continue
        out.append(([obs], obs.text, obs.stage_id, obs.severity))
    return out


def persona_numbers(out: SynthesisOut, participants: Sequence[str]) -> dict[str, int]:
    """Each participant's persona number; a missing or out-of-range number goes to the last persona."""
    last = len(out.personas)
    return {
        pid: n if isinstance(n := out.persona_of.get(pid), int) and 1 <= n <= last else last
        for pid in participants
    }


def coherent(members: list[Observation], statement: str) -> tuple[list[Observation], list[Observation]]:
    """Split a model cluster into the observations that share words with its statement and those that don't.

    Small models pad clusters with unrelated ids; an observation that has no content word in common with the
    cluster's statement (or its first member) is taken out and stands on its own.
    """
    anchor = content_words(statement) | content_words(members[0].text)
    kept = [members[0]]
    loose: list[Observation] = []
    for obs in members[1:]:
        (kept if anchor & content_words(obs.text) else loose).append(obs)
    return kept, loose


def assemble(out: SynthesisOut, ctx: Context) -> Synthesis:
    known = ctx.by_id
    assigned = persona_numbers(out, ctx.participants)
    personas = [
        Persona(
            id=f"persona{n}",
            name=p.name,
            description=p.description,
            participant_ids=sorted(pid for pid in ctx.participants if assigned[pid] == n),
        )
        for n, p in enumerate(out.personas, start=1)
    ]
    personas = [p for p in personas if p.participant_ids]  # a persona nobody was put in is not a group
    lookup = _persona_lookup(personas)
    for persona in personas:
        members = [
            o for o in ctx.observations if o.participant_id in persona.participant_ids and o.kind == "goal"
        ]
        persona.goals = [o.text for o in members][:4]
        persona.evidence = _evidence(members)[:6]

    pain_groups = [(p.pain_obs, p.statement, p.stage, p.severity) for p in out.pains]
    pains = _clusters(pain_groups, [o for o in ctx.observations if o.kind == "pain"], known, MAX_PAINS + 4)
    pain_points = []
    for n, (members, statement, stage, severity) in enumerate(pains, start=1):
        evidence = _evidence(members)
        pain_points.append(
            PainPoint(
                id=f"pain{n}",
                stage_id=stage,
                statement=statement,
                persona_ids=_personas_of(evidence, lookup),
                severity=severity,
                evidence=evidence,
            )
        )
    delight_groups = [(d.delight_obs, d.statement, d.stage, d.severity) for d in out.delights]
    happy = _clusters(
        delight_groups, [o for o in ctx.observations if o.kind == "delight"], known, MAX_DELIGHTS + 4
    )
    delights = []
    for n, (members, statement, stage, severity) in enumerate(happy, start=1):
        evidence = _evidence(members)
        delights.append(
            Delight(
                id=f"delight{n}",
                stage_id=stage,
                statement=statement,
                persona_ids=_personas_of(evidence, lookup),
                severity=severity,
                evidence=evidence,
            )
        )
    opportunities = []
    for n, opp in enumerate(out.opportunities, start=1):
        if instruction_like(opp.statement):
            continue
        addressed = [pain_points[a - 1] for a in dict.fromkeys(opp.addresses) if a - 1 < len(pain_points)]
        if not addressed:
            continue
        opportunities.append(
            Opportunity(
                id=f"opportunity{n}",
                statement=opp.statement,
                addresses=[p.id for p in addressed],
                evidence=[e for p in addressed for e in p.evidence[:2]],
            )
        )
    contradictions = []
    for n, c in enumerate(out.contradictions, start=1):
        side_a = [known[i] for i in c.side_a if i in known]
        side_b = [known[i] for i in c.side_b if i in known]
        people_a = {o.participant_id for o in side_a}
        people_b = {o.participant_id for o in side_b}
        # A disagreement needs two different people on the two sides.
        if not side_a or not side_b or people_a == people_b:
            continue
        sides = [
            ContradictionSide(
                participant_ids=sorted(people), statement=side[0].text, evidence=_evidence(side)
            )
            for side, people in ((side_a, people_a), (side_b, people_b))
        ]
        contradictions.append(
            Contradiction(
                id=f"contradiction{n}",
                stage_id=side_a[0].stage_id,
                what=c.what,
                sides=sides,
                evidence=sides[0].evidence[:1] + sides[1].evidence[:1],
            )
        )
    assumptions = []
    for n, claim in enumerate(out.brief_claims, start=1):
        support = [known[i] for i in claim.support if i in known and known[i].kind == "pain"]
        if support:
            continue  # the interviews back it; the observed pain points carry it
        assumptions.append(
            PainPoint(
                id=f"assumption{n}", stage_id=claim.stage, statement=claim.statement, basis="assumption"
            )
        )
    blueprint = [
        BlueprintStep(id=f"blueprint{n}", stage_id=b.stage, lane=b.lane, text=b.text, basis="assumption")
        for n, b in enumerate(out.blueprint, start=1)
    ]
    actions, touchpoints, thoughts, emotions = stage_lanes(ctx, personas)
    return Synthesis(
        summary="" if instruction_like(out.summary) else out.summary,
        personas=personas,
        pain_points=pain_points,
        delights=delights,
        opportunities=opportunities,
        contradictions=contradictions,
        assumptions=assumptions,
        blueprint=blueprint,
        actions=actions,
        touchpoints=touchpoints,
        thoughts=thoughts,
        emotions=emotions,
    )


def _merge_similar(observations: list[Observation]) -> list[list[Observation]]:
    """Group near-identical observations (same stage) so each lane item counts all its evidence."""
    groups: list[list[Observation]] = []
    for obs in observations:
        for group in groups:
            if fuzz.token_set_ratio(obs.text, group[0].text) >= SIMILAR:
                group.append(obs)
                break
        else:
            groups.append([obs])
    groups.sort(key=lambda g: -len({o.participant_id for o in g}))
    return groups[:LANE_ITEMS_PER_STAGE]


def stage_lanes(
    ctx: Context, personas: list[Persona]
) -> tuple[list[Action], list[Touchpoint], list[Thought], list[Emotion]]:
    lookup = _persona_lookup(personas)
    per_stage: dict[tuple[str, str], list[Observation]] = defaultdict(list)
    for obs in ctx.observations:
        per_stage[(obs.stage_id, obs.kind)].append(obs)
    actions: list[Action] = []
    touchpoints: list[Touchpoint] = []
    thoughts: list[Thought] = []
    emotions: list[Emotion] = []
    for stage in ctx.stages:
        for group in _merge_similar(per_stage[(stage.id, "action")]):
            evidence = _evidence(group)
            actions.append(
                Action(
                    id=f"action{len(actions) + 1}",
                    stage_id=stage.id,
                    text=group[0].text,
                    persona_ids=_personas_of(evidence, lookup),
                    evidence=evidence,
                )
            )
        channels: dict[ChannelKind, list[Observation]] = defaultdict(list)
        for obs in per_stage[(stage.id, "touchpoint")]:
            channels[obs.channel or "other"].append(obs)
        for kind, group in channels.items():
            evidence = _evidence(group)
            touchpoints.append(
                Touchpoint(
                    id=f"touchpoint{len(touchpoints) + 1}",
                    stage_id=stage.id,
                    kind=kind,
                    name=group[0].text,
                    persona_ids=_personas_of(evidence, lookup),
                    evidence=evidence,
                )
            )
        for group in _merge_similar(per_stage[(stage.id, "thought")]):
            evidence = _evidence(group)
            thoughts.append(
                Thought(
                    id=f"thought{len(thoughts) + 1}",
                    stage_id=stage.id,
                    text=group[0].text,
                    persona_ids=_personas_of(evidence, lookup),
                    evidence=evidence,
                )
            )
        for persona in personas:
            felt = [
                o
                for o in ctx.observations
                if o.stage_id == stage.id and lookup.get(o.participant_id) == persona.id and o.kind != "goal"
            ]
            scored = [o for o in felt if o.kind in ("pain", "delight", "thought") or o.emotion != 0]
            if not scored:
                continue
            mean = sum(o.emotion for o in scored) / len(scored)
            score = cast(Score, max(-2, min(2, round(mean))))
            emotions.append(
                Emotion(
                    id=f"emotion{len(emotions) + 1}",
                    stage_id=stage.id,
                    persona_id=persona.id,
                    score=score,
                    note=f"mean of {len(scored)} observation(s) from "
                    f"{len({o.participant_id for o in scored})} participant(s)",
                    evidence=_evidence(scored),
                )
            )
    return actions, touchpoints, thoughts, emotions

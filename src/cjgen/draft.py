"""Brief-only drafts: one model call; every item is an assumption with no evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cjgen.ask import Invalid, Runtime, ask, inline_schema, parse_as
from cjgen.prompts import render_prompt
from cjgen.schema import (
    Action,
    ChannelKind,
    Delight,
    MapType,
    Opportunity,
    PainPoint,
    Persona,
    Severity,
    Stage,
    Touchpoint,
)
from cjgen.stages import StageOut


class DraftPersona(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=2, max_length=50)
    description: str = Field(max_length=240)


class DraftLaneItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    stage: str
    text: str = Field(min_length=3, max_length=140)


class DraftTouchpoint(BaseModel):
    model_config = ConfigDict(extra="ignore")

    stage: str
    kind: ChannelKind
    name: str = Field(min_length=2, max_length=80)


class DraftPoint(BaseModel):
    model_config = ConfigDict(extra="ignore")

    statement: str = Field(min_length=5, max_length=200)
    stage: str
    severity: Severity = 2
    source: Literal["brief", "researcher"] = "researcher"


class DraftOpportunity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    statement: str = Field(min_length=5, max_length=200)
    addresses: list[int] = Field(default_factory=list, max_length=4)


class DraftOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    summary: str = Field(max_length=400)
    personas: list[DraftPersona] = Field(min_length=1, max_length=4)
    stages: list[StageOut] = Field(min_length=3, max_length=8)
    actions: list[DraftLaneItem] = Field(default_factory=list, max_length=14)
    touchpoints: list[DraftTouchpoint] = Field(default_factory=list, max_length=14)
    pains: list[DraftPoint] = Field(default_factory=list, max_length=8)
    delights: list[DraftPoint] = Field(default_factory=list, max_length=6)
    opportunities: list[DraftOpportunity] = Field(default_factory=list, max_length=6)
    questions: list[str] = Field(default_factory=list, max_length=6)


def _parse(data: Any) -> DraftOut:
    out: DraftOut = parse_as(DraftOut, data)
    stage_ids = [s.id for s in out.stages]
    errors = [f"stages: duplicate id '{i}'" for i in sorted(set(stage_ids)) if stage_ids.count(i) > 1]
    groups: list[tuple[str, list[Any]]] = [
        ("actions", out.actions),
        ("touchpoints", out.touchpoints),
        ("pains", out.pains),
        ("delights", out.delights),
    ]
    for group, items in groups:
        errors += [
            f"{group}.{n}.stage: '{item.stage}' is not one of the stage ids {stage_ids}"
            for n, item in enumerate(items)
            if item.stage not in stage_ids
        ]
    for n, opp in enumerate(out.opportunities):
        errors += [
            f"opportunities.{n}.addresses: no pain number {a}"
            for a in opp.addresses
            if not 1 <= a <= len(out.pains)
        ]
    if errors:
        raise Invalid(errors)
    return out


@dataclass
class Draft:
    summary: str
    personas: list[Persona]
    stages: list[Stage]
    actions: list[Action]
    touchpoints: list[Touchpoint]
    pain_points: list[PainPoint]
    delights: list[Delight]
    opportunities: list[Opportunity]
    questions: list[str]


def draft_from_brief(runtime: Runtime, brief: str, map_type: MapType) -> Draft:
    prompt = render_prompt("draft", brief=brief, map_type=map_type)
    out: DraftOut = ask(runtime, prompt, inline_schema(DraftOut), _parse, step="draft", max_tokens=2000)
    persona_ids = [f"persona{n}" for n in range(1, len(out.personas) + 1)]
    pains = [
        PainPoint(
            id=f"pain{n}",
            stage_id=p.stage,
            statement=p.statement,
            severity=p.severity,
            persona_ids=persona_ids,
            basis="assumption",
        )
        for n, p in enumerate(out.pains, start=1)
    ]
    return Draft(
        summary=out.summary,
        personas=[
            Persona(id=pid, name=p.name, description=p.description, basis="assumption")
            for pid, p in zip(persona_ids, out.personas, strict=True)
        ],
        stages=[
            Stage(id=s.id, name=s.name, description=s.description, basis="assumption") for s in out.stages
        ],
        actions=[
            Action(id=f"action{n}", stage_id=a.stage, text=a.text, basis="assumption")
            for n, a in enumerate(out.actions, start=1)
        ],
        touchpoints=[
            Touchpoint(id=f"touchpoint{n}", stage_id=t.stage, kind=t.kind, name=t.name, basis="assumption")
            for n, t in enumerate(out.touchpoints, start=1)
        ],
        pain_points=pains,
        delights=[
            Delight(
                id=f"delight{n}",
                stage_id=d.stage,
                statement=d.statement,
                severity=d.severity,
                basis="assumption",
            )
            for n, d in enumerate(out.delights, start=1)
        ],
        opportunities=[
            Opportunity(
                id=f"opportunity{n}",
                statement=o.statement,
                addresses=[pains[a - 1].id for a in o.addresses],
                basis="assumption",
            )
            for n, o in enumerate(out.opportunities, start=1)
        ],
        questions=out.questions,
    )

"""Plan the ordered journey stages from the brief before extraction, so observations can be tagged by stage id."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cjgen.ask import Invalid, Runtime, ask, inline_schema, parse_as
from cjgen.prompts import render_prompt
from cjgen.schema import MapType, Stage

# Used when there is no brief to plan from (e.g. summarising one interview).
GENERIC_STAGES = (
    ("discover", "Discover", "Hearing about the service and getting interested."),
    ("evaluate", "Evaluate and sign up", "Comparing options, deciding and signing up."),
    ("onboard", "Onboard", "First delivery, set-up and first use."),
    ("use", "Use", "Everyday use, payments and routines."),
    ("support", "Get help", "Problems, questions, support and repairs."),
    ("leave_or_stay", "Stay, leave or recommend", "Renewing, cancelling or recommending."),
)


def generic_stages() -> list[Stage]:
    return [Stage(id=i, name=n, description=d, basis="assumption") for i, n, d in GENERIC_STAGES]


class StageOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,23}$", description="snake_case id")
    name: str = Field(min_length=2, max_length=40)
    description: str = Field(max_length=160)


class SegmentOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=2, max_length=60)
    description: str = Field(max_length=200)


class StagePlanOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    stages: list[StageOut] = Field(min_length=3, max_length=8)
    segments: list[SegmentOut] = Field(default_factory=list, max_length=4)
    suspected: list[str] = Field(default_factory=list, max_length=3)


@dataclass(frozen=True)
class Segment:
    """A customer group the brief names: a candidate persona until interviews place people in it."""

    name: str
    description: str


@dataclass(frozen=True)
class BriefPlan:
    """What one read of the brief gives: stages, the customer groups it names, the problems it suspects."""

    stages: list[Stage]
    segments: list[Segment] = field(default_factory=list)
    suspected: list[str] = field(default_factory=list)


def _parse_plan(data: Any) -> StagePlanOut:
    plan: StagePlanOut = parse_as(StagePlanOut, data)
    ids = [s.id for s in plan.stages]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise Invalid([f"stages: duplicate id(s) {', '.join(duplicates)}"])
    return plan


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")[:24] or "stage"


def plan_from_brief(runtime: Runtime, brief: str, map_type: MapType) -> BriefPlan:
    """Ordered stages for this service and map type, and the segments and suspected problems the brief names."""
    prompt = render_prompt("stages", brief=brief, map_type=map_type, examples=GENERIC_STAGES)
    plan = ask(runtime, prompt, inline_schema(StagePlanOut), _parse_plan, step="stages", max_tokens=700)
    stages = [
        Stage(id=s.id, name=s.name, description=whole_sentences(s.description), basis="assumption")
        for s in plan.stages
    ]
    segments = [Segment(g.name.strip(), whole_sentences(g.description)) for g in plan.segments]
    distinct = list({g.name.casefold(): g for g in segments if g.name.strip()}.values())
    suspected = [whole_sentences(s) for s in plan.suspected if len(s.split()) >= 3]
    return BriefPlan(stages, distinct if len(distinct) >= 2 else [], suspected)


def whole_sentences(text: str) -> str:
    """Drop a trailing fragment that the length limit cut off ("… They may also")."""
    text = text.strip()
    if text.endswith((".", "!", "?")) or ". " not in text:
        return text
    return text[: text.rindex(". ") + 1]

"""What the extract step returns (before grounding) and what grounding hands to synthesis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cjgen.schema import ChannelKind, Evidence, Score, Severity

Kind = Literal["action", "touchpoint", "pain", "delight", "thought", "goal"]


class _Cited(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cite: list[str] = Field(min_length=1, max_length=2, description="Sentence ids like 12.3 that say it.")
    text: str = Field(min_length=3, max_length=100, description="One short sentence in English.")
    stage: str


class PainOut(_Cited):
    severity: Severity = 2


class DelightOut(_Cited):
    severity: Severity = 2


class TouchpointOut(_Cited):
    channel: ChannelKind


class ThoughtOut(_Cited):
    emotion: Score = 0


class ExtractionOut(BaseModel):
    """What the model returns for one interview. One list per kind, each capped: small models otherwise
    repeat one item until they run out of tokens."""

    model_config = ConfigDict(extra="ignore")

    profile: str = Field(
        "", max_length=120, description="Who the participant is and how they use the service, in a few words."
    )
    # At least one each: an interview always has both, and small models otherwise sometimes answer empty.
    pains: list[PainOut] = Field(min_length=1, max_length=4)
    delights: list[DelightOut] = Field(min_length=1, max_length=3)
    actions: list[_Cited] = Field(default_factory=list, max_length=3)
    touchpoints: list[TouchpointOut] = Field(default_factory=list, max_length=3)
    thoughts: list[ThoughtOut] = Field(default_factory=list, max_length=1)
    goals: list[_Cited] = Field(default_factory=list, max_length=1)


LISTS = ("pains", "delights", "actions", "touchpoints", "thoughts", "goals")


@dataclass(frozen=True)
class ObservationOut:
    """One raw observation of any kind, as grounding receives it."""

    kind: Kind
    text: str
    cite: tuple[str, ...]
    stage: str
    channel: ChannelKind | None = None
    emotion: Score = 0
    severity: Severity = 1


def _felt(kind: Kind, severity: Severity) -> Score:
    """Emotion follows the kind: a pain is negative, a delight positive, stronger when severe."""
    if kind == "pain":
        return -2 if severity == 3 else -1
    if kind == "delight":
        return 2 if severity == 3 else 1
    return 0


def flatten(out: ExtractionOut) -> list[ObservationOut]:
    flat: list[ObservationOut] = []
    for p in out.pains:
        flat.append(
            ObservationOut(
                "pain", p.text, tuple(p.cite), p.stage, None, _felt("pain", p.severity), p.severity
            )
        )
    for d in out.delights:
        flat.append(
            ObservationOut(
                "delight", d.text, tuple(d.cite), d.stage, None, _felt("delight", d.severity), d.severity
            )
        )
    flat += [ObservationOut("action", a.text, tuple(a.cite), a.stage) for a in out.actions]
    flat += [ObservationOut("touchpoint", t.text, tuple(t.cite), t.stage, t.channel) for t in out.touchpoints]
    flat += [ObservationOut("thought", t.text, tuple(t.cite), t.stage, None, t.emotion) for t in out.thoughts]
    flat += [ObservationOut("goal", g.text, tuple(g.cite), g.stage) for g in out.goals]
    return flat


class Observation(BaseModel):
    """A grounded observation: every one carries at least one verified passage."""

    model_config = ConfigDict(extra="forbid")

    id: str
    source_id: str
    participant_id: str
    kind: Kind
    stage_id: str
    text: str
    channel: ChannelKind | None = None
    emotion: Score = 0
    severity: Severity = 1
    evidence: list[Evidence]

"""What the extract step returns (before grounding) and what grounding hands to synthesis."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cjgen.schema import ChannelKind, Evidence, Score, Severity

Kind = Literal["action", "touchpoint", "pain", "delight", "thought", "goal"]


class ObservationOut(BaseModel):
    """One observation as the model writes it: evidence is cited by sentence id (or, failing that, quoted)."""

    model_config = ConfigDict(extra="ignore")

    kind: Kind
    cite: list[str] = Field(min_length=1, max_length=3, description="Sentence ids like 12.3 that show it.")
    text: str = Field(min_length=3, max_length=200, description="What the participant did, used, felt or wants.")
    stage: str
    channel: ChannelKind | None = None
    emotion: Score = 0
    severity: Severity = 1


class ExtractionOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    obs: list[ObservationOut] = Field(max_length=16)


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

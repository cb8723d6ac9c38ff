"""What the read step hands to grounding, and what grounding hands to synthesis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cjgen.schema import Evidence, Severity

Kind = Literal["action", "pain", "delight", "thought", "goal", "about"]


@dataclass(frozen=True)
class ObservationOut:
    """One raw observation of any kind, as grounding receives it."""

    kind: Kind
    text: str
    cite: tuple[str, ...]
    stage: str
    severity: Severity = 1
    question: str = ""  # the interviewer's words this answers ("" when none)


class Observation(BaseModel):
    """A grounded observation: every one carries at least one verified passage."""

    model_config = ConfigDict(extra="forbid")

    id: str
    source_id: str
    participant_id: str
    kind: Kind
    stage_id: str
    text: str
    severity: Severity = 1
    question: str = ""  # the interviewer's words the cited answer follows
    evidence: list[Evidence]

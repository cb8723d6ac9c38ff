"""The journey map and the records it is built from.

Everything a step hands to the next one is one of these pydantic models, so the data flowing through the
pipeline is typed and the JSON Schema of a map (`cjgen schema`) comes straight from here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

SCHEMA_VERSION = "1.0"

Role = Literal["interviewer", "participant"]
SourceKind = Literal["verbatim", "notes"]
Basis = Literal["observed", "assumption"]
ReviewStatus = Literal["pending", "accepted", "rejected", "edited", "needs-review"]
MapType = Literal["current-state", "future-state", "day-in-the-life", "service-blueprint"]
Score = Literal[-2, -1, 0, 1, 2]
Severity = Literal[1, 2, 3]
ChannelKind = Literal[
    "web",
    "app",
    "email",
    "phone",
    "chat",
    "in person",
    "kiosk",
    "delivery",
    "social",
    "word of mouth",
    "press",
    "post",
    "paper",
    "product",
    "sms",
    "search",
    "other",
]
BlueprintLane = Literal["frontstage", "backstage", "support"]


def _word_run(quote: str) -> str:
    return " ".join(re.findall(r"\w+", quote.casefold()))


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------------------------- sources


class Segment(Frozen):
    """A timed piece of a turn (one subtitle cue); offsets are into the turn's text."""

    start: int
    end: int
    start_s: float | None = None
    end_s: float | None = None


class Turn(Frozen):
    index: int
    speaker: str
    role: Role
    text: str
    start_s: float | None = None
    end_s: float | None = None
    segments: tuple[Segment, ...] = ()


class Transcript(Frozen):
    id: str = Field(description="Source id: the file name the transcript was read from.")
    path: str
    participant_id: str
    language: str | None = None
    sha256: str
    turns: tuple[Turn, ...]
    kind: SourceKind = Field(
        "verbatim", description="'notes' when the source is a notetaker's notes, not verbatim speech."
    )

    def participant_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.role == "participant"]


class Brief(Frozen):
    path: str | None = None
    sha256: str
    text: str


# --------------------------------------------------------------------------------------------- evidence


class Evidence(Frozen):
    """One verbatim passage of a participant turn, located by the program, not by the model."""

    @model_validator(mode="before")
    @classmethod
    def _drop_repaired(cls, data: Any) -> Any:
        # Maps written before quotes were cited only by sentence id say whether a quote was snapped to the source.
        return _without(data, ("repaired",))

    source_id: str
    participant_id: str
    turn_index: int
    start: int = Field(description="Character offset of the quote in the original turn text.")
    end: int
    quote: str = Field(description="The passage as shown: the source text with any PII replaced.")
    timestamp_s: float | None = None
    redacted: bool = Field(False, description="Personal data inside the passage was replaced.")
    flagged: bool = Field(
        False,
        description="The passage reads as an instruction to an AI system; it stays as the participant's words "
        "and was not followed.",
    )
    observation_id: str | None = None
    kind: SourceKind = Field("verbatim", description="'notes' when the source is notes, not verbatim speech.")
    speaker: str | None = Field(
        None, description="Who said it, when not the participant (a companion speaking with them)."
    )
    asked: str | None = Field(
        None,
        description="What the interviewer had just said, its first words, with personal data replaced: a short "
        'answer ("Twenty to four.") says what it is about only with its question.',
    )

    def inside(self, other: Evidence) -> bool:
        """Whether `other` holds all of this passage: the same turn of the same source, its span within."""
        return (
            (self.source_id, self.turn_index) == (other.source_id, other.turn_index)
            and other.start <= self.start
            and self.end <= other.end
        )

    def said_again_in(self, other: Evidence) -> bool:
        """Whether this passage's words, word for word, are inside `other`'s from another turn of the same file: a
        notes file that repeats a line (a notetaker's copy of an answer under a second question) gives one
        sentence twice."""
        if self.source_id != other.source_id or self.turn_index == other.turn_index:
            return False
        said, again = _word_run(self.quote), _word_run(other.quote)
        return bool(said) and f" {said} " in f" {again} "

    def key(self) -> str:
        """A short id from the passage's place in the source (file, turn, offsets): the same in every version."""
        where = f"{self.source_id}\x1f{self.turn_index}\x1f{self.start}\x1f{self.end}"
        return hashlib.sha256(where.encode("utf-8")).hexdigest()[:12]


class Review(BaseModel):
    status: ReviewStatus = Field(
        "pending", description="'needs-review': a revision changed the evidence of a reviewed item."
    )
    note: str | None = None
    reviewer: str | None = None
    at: datetime | None = None


class LeftOut(Frozen):
    """A participant sentence the labeller scored as a likely problem or good moment that no item cites.

    It is a located source passage like any quote, so a reviewer can attach it to an item as evidence, or start
    an item from it, and the map stays grounded."""

    id: str = Field(description="Stable: from the passage's place in the source.")
    label: Literal["pain", "delight"]
    strength: float = Field(description="How far the sentence stands out from its interview for its label.")
    evidence: Evidence


def _without(data: Any, keys: tuple[str, ...]) -> Any:
    """Drop computed fields (and fields older versions wrote) from input, so a map's JSON export reads back in."""
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if k not in keys}
    return data


class Item(BaseModel):
    """Shared by every reviewable element of a map."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _drop_counts(cls, data: Any) -> Any:
        return _without(data, ("quote_count", "participant_count"))

    id: str
    basis: Basis = "observed"
    review: Review = Field(default_factory=Review)
    evidence: list[Evidence] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def quote_count(self) -> int:
        return len(self.evidence)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def participant_count(self) -> int:
        return len({e.participant_id for e in self.evidence})


# --------------------------------------------------------------------------------------------- map items


class StagedItem(Item):
    """An item that sits in one stage's lane."""

    stage_id: str


class Persona(Item):
    name: str
    description: str = ""
    participant_ids: list[str] = Field(default_factory=list)
    goals: list[str] = Field(default_factory=list)


class Stage(Item):
    name: str
    description: str = ""


class Action(StagedItem):
    text: str
    persona_ids: list[str] = Field(default_factory=list)


class Touchpoint(StagedItem):
    kind: ChannelKind
    name: str
    persona_ids: list[str] = Field(default_factory=list)


class Thought(StagedItem):
    text: str
    persona_ids: list[str] = Field(default_factory=list)


class Emotion(StagedItem):
    persona_id: str | None = None
    score: Score
    note: str = ""


class PainPoint(StagedItem):
    statement: str
    persona_ids: list[str] = Field(default_factory=list)
    severity: Severity = 2


class Delight(StagedItem):
    statement: str
    persona_ids: list[str] = Field(default_factory=list)
    severity: Severity = 2


class Opportunity(Item):
    statement: str
    addresses: list[str] = Field(default_factory=list, description="Ids of the pain points it addresses.")
    owner: str | None = None
    metric: str | None = None


class ContradictionSide(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant_ids: list[str]
    statement: str
    evidence: list[Evidence] = Field(default_factory=list)


class Contradiction(Item):
    stage_id: str | None = None
    what: str
    sides: list[ContradictionSide]


class BlueprintStep(Item):
    """Service-blueprint lanes below the customer's actions."""

    stage_id: str
    lane: BlueprintLane
    text: str


# --------------------------------------------------------------------------------------------- provenance


class InputFile(BaseModel):
    path: str
    sha256: str
    kind: Literal["brief", "transcript"]
    participant_id: str | None = None
    turns: int = 0


class ModelCall(BaseModel):
    step: str
    prompt_id: str
    template_hash: str
    model: str
    params: dict[str, float | int | str | None] = Field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cached: bool = False
    attempt: int = 1
    error: str | None = None


class GroundingStats(BaseModel):
    quotes_total: int = 0
    grounded: int = 0
    rejected: int = 0
    observations_total: int = 0
    observations_unsupported: int = 0
    observations_dropped: int = 0


class Provenance(BaseModel):
    tool_version: str
    backend: str
    model: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    prompts: dict[str, str] = Field(default_factory=dict, description="Prompt id -> template hash.")
    inputs: list[InputFile] = Field(default_factory=list)
    calls: list[ModelCall] = Field(default_factory=list)
    step_seconds: dict[str, float] = Field(default_factory=dict)
    redaction: dict[str, int] = Field(default_factory=dict, description="Redacted values counted by type.")
    grounding: GroundingStats = Field(default_factory=GroundingStats)
    unsupported: list[str] = Field(default_factory=list, description="Claims dropped for lack of evidence.")
    reasks: int = 0
    strong_sentences: int = Field(
        0, description="Sentences the labeller scored as likely problems or good moments, cited or not."
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_totals(cls, data: Any) -> Any:
        return _without(data, ("model_calls", "prompt_tokens", "completion_tokens"))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def model_calls(self) -> int:
        return sum(1 for c in self.calls if not c.cached)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.calls if not c.cached)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.calls if not c.cached)


# --------------------------------------------------------------------------------------------- the map


class JourneyMap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    id: str
    version: int = 1
    title: str
    map_type: MapType = "current-state"
    summary: str = ""
    personas: list[Persona] = Field(default_factory=list)
    stages: list[Stage] = Field(default_factory=list, description="In journey order.")
    actions: list[Action] = Field(default_factory=list)
    touchpoints: list[Touchpoint] = Field(default_factory=list)
    thoughts: list[Thought] = Field(default_factory=list)
    emotions: list[Emotion] = Field(default_factory=list)
    pain_points: list[PainPoint] = Field(default_factory=list)
    delights: list[Delight] = Field(default_factory=list)
    opportunities: list[Opportunity] = Field(default_factory=list)
    contradictions: list[Contradiction] = Field(default_factory=list)
    blueprint: list[BlueprintStep] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="Things a reviewer should know about the run.")
    left_out: list[LeftOut] = Field(
        default_factory=list, description="Strong sentences no item cites, per participant, strongest first."
    )
    provenance: Provenance

    def group(self, field: str) -> list[Item]:
        """The items of one field of `ITEM_KINDS` ("pain_points")."""
        items: list[Item] = getattr(self, field)
        return items

    def items(self) -> list[Item]:
        """Every reviewable item, in the order of `ITEM_KINDS`."""
        return [item for kind in ITEM_KINDS for item in self.group(kind.field)]

    def staged_groups(self) -> list[tuple[str, Sequence[StagedItem]]]:
        """The lanes whose items sit in one stage (by `stage_id`), named as the map's fields."""
        return [
            (kind.field, cast(list[StagedItem], self.group(kind.field))) for kind in ITEM_KINDS if kind.staged
        ]

    def all_evidence(self) -> list[Evidence]:
        found = [e for item in self.items() for e in item.evidence]
        found += [e for c in self.contradictions for side in c.sides for e in side.evidence]
        return found

    def left_out_share(self) -> float | None:
        """The share of the strong sentences that no item cites (None when the labeller scored none)."""
        strong = self.provenance.strong_sentences
        return round(len(self.left_out) / strong, 3) if strong else None

    def stage_name(self, stage_id: str | None) -> str:
        return next((s.name for s in self.stages if s.id == stage_id), stage_id or "")


@dataclass(frozen=True)
class ItemKind:
    """One kind of item the map holds: its field of `JourneyMap`, its type, how it is named, whether its items
    sit in one stage's lane, and whether a model writes its text (checked for instructions to an AI)."""

    field: str
    type: type[Item]
    slug: str  # one item's kind in exports ("pain_point")
    label: str  # one item's kind in prose ("Pain point")
    lane: str  # the field's heading ("Pain points")
    staged: bool
    model_written: bool


# Every list of items of the map, in the order the map shows them. Adding a kind of item is a row here and a
# field of `JourneyMap`; everything that walks the map's items reads this table.
ITEM_KINDS: tuple[ItemKind, ...] = (
    ItemKind("personas", Persona, "persona", "Persona", "Personas", staged=False, model_written=False),
    ItemKind("stages", Stage, "stage", "Stage", "Stages", staged=False, model_written=False),
    ItemKind("actions", Action, "action", "Action", "Actions", staged=True, model_written=True),
    ItemKind(
        "touchpoints", Touchpoint, "touchpoint", "Touchpoint", "Touchpoints", staged=True, model_written=True
    ),
    ItemKind("thoughts", Thought, "thought", "Thought", "Thoughts", staged=True, model_written=True),
    ItemKind("emotions", Emotion, "emotion", "Emotion", "Emotions", staged=True, model_written=False),
    ItemKind(
        "pain_points", PainPoint, "pain_point", "Pain point", "Pain points", staged=True, model_written=True
    ),
    ItemKind("delights", Delight, "delight", "Delight", "Delights", staged=True, model_written=True),
    ItemKind(
        "opportunities",
        Opportunity,
        "opportunity",
        "Opportunity",
        "Opportunities",
        staged=False,
        model_written=True,
    ),
    ItemKind(
        "contradictions",
        Contradiction,
        "contradiction",
        "Contradiction",
        "Contradictions",
        staged=False,
        model_written=True,
    ),
    ItemKind(
        "blueprint",
        BlueprintStep,
        "blueprint_step",
        "Blueprint step",
        "Blueprint",
        staged=False,
        model_written=True,
    ),
)
KIND_OF: dict[type[Item], ItemKind] = {kind.type: kind for kind in ITEM_KINDS}


def journey_map_schema() -> dict[str, Any]:
    """The JSON Schema of a journey map as cjgen writes it (`schema/journey-map.schema.json`): what other tools
    validate a map they read against, counts and totals computed on output included."""
    return JourneyMap.model_json_schema(mode="serialization")


class TranscriptSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_id: str
    participant_id: str
    stages: list[Stage] = Field(
        default_factory=list,
        description="The stages its points are placed in, by the kind of service asked about.",
    )
    about: list[Thought] = Field(
        default_factory=list,
        description="What the participant says of who they are, in their words (not staged: stage_id is empty).",
    )
    goals: list[Thought] = Field(
        default_factory=list,
        description="What the participant says they want or need, from the want on (not staged).",
    )
    key_points: list[Thought] = Field(default_factory=list)
    pain_points: list[PainPoint] = Field(default_factory=list)
    delights: list[Delight] = Field(default_factory=list)
    quotes: list[Evidence] = Field(default_factory=list)
    provenance: Provenance

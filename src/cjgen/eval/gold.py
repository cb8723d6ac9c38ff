"""The gold answer of one case: `gold.yaml` read into typed models, and a check that every gold quote is found.

Format of the files: `evals/cases/README.md`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from cjgen.eval.locate import CaseSources


class GoldModel(BaseModel):
    # Gold files carry illustrative keys we do not score (gloss, source, finding_ref, opportunities...).
    model_config = ConfigDict(extra="ignore", frozen=True)


class GoldQuote(GoldModel):
    participant: str
    quote: str
    gloss: str | None = None


class GoldPersona(GoldModel):
    id: str
    name: str
    description: str = ""
    participants: list[str] = Field(default_factory=list)
    basis: str = "observed"


class GoldTouchpoint(GoldModel):
    kind: str = Field("", description="A channel kind; real cases also use kinds the map schema lacks.")
    name: str


class GoldStage(GoldModel):
    id: str
    name: str
    description: str = ""
    basis: str = Field("observed", description="'derived' where the researchers named no stages.")
    actions: list[str] = Field(default_factory=list)
    touchpoints: list[GoldTouchpoint] = Field(default_factory=list)


class GoldPoint(GoldModel):
    """A gold pain point or delight."""

    id: str
    statement: str
    stage: str | None = None
    personas: list[str] = Field(default_factory=list)
    participants: list[str] = Field(default_factory=list)
    severity: int = 2
    evidence: list[GoldQuote] = Field(default_factory=list)
    low_evidence: bool = False
    note: str | None = None
    basis: str = "observed"


class GoldContradiction(GoldModel):
    id: str = ""
    what: str
    stage: str | None = None
    participants: list[str] = Field(default_factory=list)
    sides: list[GoldQuote] = Field(default_factory=list)


class GoldAssumption(GoldModel):
    id: str
    statement: str
    related_quotes: list[GoldQuote] = Field(default_factory=list)


class GoldPii(GoldModel):
    participant: str | None = None
    file: str | None = None
    type: str
    value: str


class GoldInjection(GoldModel):
    participant: str | None = None
    file: str | None = None
    text: str
    core: str


class GoldCase(GoldModel):
    name: str
    dir: Path
    brief: Path | None = None
    transcripts: dict[str, Path] = Field(default_factory=dict, description="Participant id -> absolute path.")
    personas: list[GoldPersona] = Field(default_factory=list)
    stages: list[GoldStage] = Field(default_factory=list)
    pain_points: list[GoldPoint] = Field(default_factory=list)
    delights: list[GoldPoint] = Field(default_factory=list)
    contradictions: list[GoldContradiction] = Field(default_factory=list)
    assumptions: list[GoldAssumption] = Field(default_factory=list)
    pii: list[GoldPii] = Field(default_factory=list)
    injection: GoldInjection | None = None
    emotion_by_stage: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="Gold persona id -> gold stage id -> score from -2 to 2."
    )
    raw: dict[str, Any] = Field(default_factory=dict, description="gold.yaml as parsed.")

    @property
    def brief_only(self) -> bool:
        return not self.transcripts


def load_case(case_dir: Path) -> GoldCase:
    """Read `<case_dir>/gold.yaml`; transcript and brief paths come back resolved against the case folder."""
    case_dir = case_dir.resolve()
    raw = yaml.safe_load((case_dir / "gold.yaml").read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{case_dir / 'gold.yaml'}: expected a mapping at the top level")
    brief = raw.get("brief")
    return GoldCase(
        name=str(raw.get("case") or case_dir.name),
        dir=case_dir,
        brief=case_dir / str(brief) if brief else None,
        transcripts={str(pid): case_dir / str(path) for pid, path in (raw.get("transcripts") or {}).items()},
        personas=raw.get("personas") or [],
        stages=raw.get("stages") or [],
        pain_points=raw.get("pain_points") or [],
        delights=raw.get("delights") or [],
        contradictions=raw.get("contradictions") or [],
        assumptions=raw.get("assumptions_from_brief") or [],
        pii=raw.get("pii") or [],
        injection=raw.get("injection"),
        emotion_by_stage=raw.get("emotion_by_stage") or {},
        raw=raw,
    )


def check_gold(case: GoldCase) -> list[str]:
    """Problems with the gold itself: quotes that cannot be found, or that sit in an interviewer turn."""
    sources = CaseSources(case)
    problems: list[str] = []
    quoted: list[tuple[str, GoldQuote]] = [
        *((p.id, q) for p in [*case.pain_points, *case.delights] for q in p.evidence),
        *((c.id or "contradiction", q) for c in case.contradictions for q in c.sides),
        *((a.id, q) for a in case.assumptions for q in a.related_quotes),
    ]
    for owner, quote in quoted:
        hit = sources.locate_gold(quote)
        if hit is None:
            problems.append(f"{case.name} {owner}: {quote.participant} quote not found: {quote.quote!r}")
        elif hit.interviewer:
            problems.append(f"{case.name} {owner}: {quote.participant} quote is an interviewer turn")
    return problems

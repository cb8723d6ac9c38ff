"""The naive baseline the evals compare against: the brief and every transcript in one prompt, the model
writes the whole map with its own quotes, and nothing is grounded or validated beyond parsing the JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cjgen.ask import Runtime, ask, inline_schema, parse_as
from cjgen.ingest import load_brief, load_transcripts
from cjgen.prompts import render_prompt
from cjgen.schema import Delight, Evidence, JourneyMap, PainPoint, Persona, Provenance, Stage
from cjgen.version import __version__

# The local model's context is 8k tokens (up to 2.5 tokens a word for Norwegian; 1,500 kept for the answer): the
# naive prompt keeps this many words of all transcripts together.
LOCAL_CONTEXT_WORDS = 2400
HOSTED_CONTEXT_WORDS = 80000


class NaiveQuote(BaseModel):
    model_config = ConfigDict(extra="ignore")

    participant: str
    quote: str = Field(max_length=300)


class NaivePoint(BaseModel):
    model_config = ConfigDict(extra="ignore")

    statement: str = Field(max_length=240)
    stage: str = Field(max_length=60)
    quotes: list[NaiveQuote] = Field(default_factory=list, max_length=4)


class NaivePersona(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(max_length=60)
    participants: list[str] = Field(default_factory=list, max_length=12)


class NaiveMap(BaseModel):
    model_config = ConfigDict(extra="ignore")

    personas: list[NaivePersona] = Field(default_factory=list, max_length=4)
    stages: list[str] = Field(default_factory=list, max_length=8)
    pain_points: list[NaivePoint] = Field(default_factory=list, max_length=10)
    delights: list[NaivePoint] = Field(default_factory=list, max_length=8)


def _evidence(quotes: Sequence[NaiveQuote], files: dict[str, str]) -> list[Evidence]:
    # Taken at the model's word: no search in the source, no offsets.
    return [
        Evidence(
            source_id=files.get(q.participant, q.participant),
            participant_id=q.participant,
            turn_index=-1,
            start=0,
            end=0,
            quote=q.quote,
        )
        for q in quotes
    ]


def naive_map(runtime: Runtime, brief: Path, transcripts: Sequence[Path]) -> JourneyMap:
    loaded = load_transcripts(transcripts)
    budget = LOCAL_CONTEXT_WORDS if runtime.backend == "local" else HOSTED_CONTEXT_WORDS
    total = sum(len(t.turns) and sum(len(turn.text.split()) for turn in t.turns) for t in loaded) or 1
    keep = min(1.0, budget / total)
    blocks: list[dict[str, Any]] = []
    for t in loaded:
        lines = [f"{turn.speaker}: {turn.text}" for turn in t.turns]
        words = " \n".join(lines).split(" ")
        blocks.append(
            {
                "participant_id": t.participant_id,
                "file": t.id,
                "text": " ".join(words[: int(len(words) * keep)]),
            }
        )
    prompt = render_prompt("naive_map", brief=load_brief(brief).text, transcripts=blocks)
    run = replace(runtime.start(), max_reasks=0)  # naive: one call, whatever comes back
    out: NaiveMap = ask(
        run,
        prompt,
        inline_schema(NaiveMap),
        lambda d: parse_as(NaiveMap, d),
        step="naive",
        max_tokens=1500,
    )
    files = {t.participant_id: t.id for t in loaded}
    stages = [Stage(id=f"s{n}", name=name) for n, name in enumerate(out.stages or ["journey"], start=1)]
    by_name = {s.name.casefold(): s.id for s in stages}

    def stage_of(name: str) -> str:
        return by_name.get(name.casefold(), stages[0].id)

    return JourneyMap(
        id="naive",
        title="Naive baseline",
        personas=[
            Persona(id=f"persona{n}", name=p.name, participant_ids=p.participants)
            for n, p in enumerate(out.personas, start=1)
        ],
        stages=stages,
        pain_points=[
            PainPoint(
                id=f"pain{n}",
                stage_id=stage_of(p.stage),
                statement=p.statement,
                evidence=_evidence(p.quotes, files),
            )
            for n, p in enumerate(out.pain_points, start=1)
        ],
        delights=[
            Delight(
                id=f"delight{n}",
                stage_id=stage_of(d.stage),
                statement=d.statement,
                evidence=_evidence(d.quotes, files),
            )
            for n, d in enumerate(out.delights, start=1)
        ],
        notes=[f"naive baseline: {keep:.0%} of the transcript text fitted the model's context"],
        provenance=Provenance(
            tool_version=__version__,
            backend=runtime.backend,
            model=runtime.model_name,
            calls=run.calls,
        ),
    )

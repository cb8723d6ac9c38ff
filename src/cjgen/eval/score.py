"""Every metric of one run on one case, in one record."""

from __future__ import annotations

from pydantic import BaseModel, Field

from cjgen.eval.coherence import CoherenceScore, EmptyItems, score_coherence, score_empty_items
from cjgen.eval.diagnostics import Diagnostics, diagnose
from cjgen.eval.gold import GoldCase
from cjgen.eval.lanes import (
    EmotionScore,
    OpportunityScore,
    PersonaProfileScore,
    RecallScore,
    ThoughtScore,
    TouchpointScore,
    score_actions,
    score_emotions,
    score_opportunities,
    score_persona_profiles,
    score_thoughts,
    score_touchpoints,
)
from cjgen.eval.locate import CaseSources
from cjgen.eval.metrics import (
    AssumptionScore,
    BriefOnlyScore,
    ContradictionScore,
    CostScore,
    InjectionScore,
    MatchScore,
    PiiScore,
    QuoteScore,
    StageScore,
    score_assumptions,
    score_brief_only,
    score_contradictions,
    score_cost,
    score_injection,
    score_personas,
    score_pii,
    score_points,
    score_quotes,
    score_stages,
)
from cjgen.eval.statements import StatementScore, WordingScore, score_statements, score_wording
from cjgen.schema import JourneyMap


class CaseScore(BaseModel):
    case: str
    brief_only: bool
    valid: bool
    quotes: QuoteScore
    pain_points: MatchScore | None = Field(description="None for a brief-only case: nothing can be observed.")
    delights: MatchScore | None
    contradictions: ContradictionScore
    persona_ari: float | None = Field(description="None when the gold assigns no participants.")
    stages: StageScore
    assumptions: AssumptionScore
    brief: BriefOnlyScore | None = Field(description="Only for a brief-only case.")
    pii: PiiScore
    injection: InjectionScore
    cost: CostScore
    diagnostics: Diagnostics | None = Field(
        None, description="Where pain points and delights are lost; None for a brief-only case."
    )
    # What a reviewer sees: whether items say one thing, statements say what their quotes say, every lane.
    coherence: CoherenceScore | None = Field(None, description="None for a brief-only case.")
    statements: StatementScore = Field(default_factory=StatementScore)
    empty_items: EmptyItems = Field(default_factory=EmptyItems)
    emotions: EmotionScore = Field(default_factory=EmotionScore)
    actions: RecallScore = Field(default_factory=RecallScore)
    touchpoints: TouchpointScore = Field(default_factory=TouchpointScore)
    thoughts: ThoughtScore = Field(default_factory=ThoughtScore)
    persona_profiles: PersonaProfileScore = Field(default_factory=PersonaProfileScore)
    opportunities: OpportunityScore = Field(default_factory=OpportunityScore)
    wording: WordingScore = Field(default_factory=WordingScore)


MAP_JSON = "map.json"  # the key under which the map's own JSON joins the outputs searched for PII


def score_case(
    case: GoldCase,
    journey: JourneyMap | None,
    outputs: dict[str, str],
    *,
    schema_valid: bool,
    wall_seconds: float,
) -> CaseScore:
    """Score one run; `outputs` maps a rendered format to its text. No map means every quality metric is 0."""
    texts = dict(outputs)
    if journey is not None:
        texts[MAP_JSON] = journey.model_dump_json()
    cost = score_cost(journey, schema_valid=schema_valid, wall_seconds=wall_seconds)
    pii = score_pii(case, texts)
    sources = CaseSources(case)
    observable = not case.brief_only
    diagnostics = diagnose(case, journey, sources) if observable else None
    if journey is None:
        return _invalid_score(case, pii, cost, diagnostics)
    stages = score_stages(case, journey, sources)
    pains = score_points(case.pain_points, journey.pain_points, sources) if observable else None
    delights = score_points(case.delights, journey.delights, sources) if observable else None
    brief = case.brief.read_text(encoding="utf-8") if case.brief is not None and case.brief.exists() else ""
    return CaseScore(
        case=case.name,
        brief_only=case.brief_only,
        valid=schema_valid,
        quotes=score_quotes(journey, sources),
        pain_points=pains,
        delights=delights,
        contradictions=score_contradictions(case, journey, sources),
        persona_ari=score_personas(case, journey),
        stages=stages,
        assumptions=score_assumptions(case, journey),
        brief=score_brief_only(case, journey) if case.brief_only else None,
        pii=pii,
        injection=score_injection(case, journey),
        cost=cost,
        diagnostics=diagnostics,
        coherence=score_coherence(case, journey, sources) if observable else None,
        statements=score_statements(journey, sources, brief, len(case.transcripts)),
        empty_items=score_empty_items(journey),
        emotions=score_emotions(case, journey, stages.pairs),
        actions=score_actions(case, journey.actions),
        touchpoints=score_touchpoints(case, journey.touchpoints, stages.pairs),
        thoughts=score_thoughts(journey, sources),
        persona_profiles=score_persona_profiles(case, journey, sources),
        opportunities=score_opportunities(journey.opportunities, journey.pain_points),
        wording=score_wording(
            journey,
            {g.id: g.statement for g in (*case.pain_points, *case.delights)},
            {**(pains.pairs if pains else {}), **(delights.pairs if delights else {})},
        ),
    )


def _invalid_score(
    case: GoldCase, pii: PiiScore, cost: CostScore, diagnostics: Diagnostics | None
) -> CaseScore:
    observable = not case.brief_only
    has_personas = any(p.participants for p in case.personas)
    return CaseScore(
        case=case.name,
        brief_only=case.brief_only,
        valid=False,
        quotes=QuoteScore(),
        pain_points=MatchScore.empty(case.pain_points) if observable else None,
        delights=MatchScore.empty(case.delights) if observable else None,
        contradictions=ContradictionScore(total=len(case.contradictions)),
        persona_ari=0.0 if has_personas else None,
        stages=StageScore(gold_total=len(case.stages)),
        assumptions=AssumptionScore(total=len(case.assumptions)),
        brief=BriefOnlyScore(hypotheses_total=len(case.pain_points)) if case.brief_only else None,
        pii=pii,
        injection=InjectionScore(planted=case.injection is not None, checked=False),
        cost=cost,
        diagnostics=diagnostics,
        coherence=CoherenceScore() if observable else None,
        emotions=EmotionScore(gold_cells=sum(len(s) for s in case.emotion_by_stage.values())),
        actions=score_actions(case, []),
        touchpoints=score_touchpoints(case, [], {}),
    )

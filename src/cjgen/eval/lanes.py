"""The lanes under the findings: the emotion curve, actions, touchpoints and thoughts, against the gold.

- **Emotion agreement**: each gold `emotion_by_stage` cell (persona, stage) is compared with the map's
  emotions mapped to it. A predicted stage maps to the gold stage `score_stages` pairs it with (shared
  evidence, else name); a predicted persona maps to the gold persona that shares most of its participants (ties
  to the gold's first); an emotion with no persona counts for every gold persona. The cell's predicted score is
  the mean of those emotions, and it agrees when its sign (-, 0, +) is the gold's: a 0 against a non-zero gold
  disagrees. Cells no emotion maps to are not compared; `compared` is the n.
- **Actions and touchpoints recall**: each gold stage's `actions` and touchpoint names, matched one to one with
  the map's actions and touchpoint names anywhere in the map (stages are scored on their own). A pair matches
  when the predicted text has at least half of the gold's content stems, or their rapidfuzz token-sort ratio
  is at least 80 (spelling variants). **Precision** is the share of the map's phrases that match some gold
  phrase: a wish ("Let me cancel in the app") shown as an action matches none. The gold lists the typical
  steps, not every one, so it is a floor. Touchpoint kinds are scored too: a gold (stage, kind) pair is recalled
  when the map has a touchpoint of that kind in a stage paired with that gold stage.
- **Thoughts**: the thoughts with at least one verified quote.
- **Personas described from what they said**: each gold persona with participants against the map's personas
  that share most of its participants (as for emotions). *Profile recall* is the share of the gold
  description's content stems that those personas' shown text holds (description, goals and quotes): a
  persona described only by a recruiting label, or shown with quotes about something else, holds few of them.
  *Grounded goals* are goals whose words are, in order, inside a verified quote of one of the persona's own
  participants.
- **Opportunities tied to their problem**: an opportunity is tied when it shares a content stem with the
  problem it addresses (the pain point's statement and quotes). One that names nothing of its problem was worded
  from something else, most often the brief's own hypothesis. A lexical floor: a fair fix in other words
  ("send a text" for "nobody told me") is not tied.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from cjgen.eval.gold import GoldCase
from cjgen.eval.locate import CaseSources
from cjgen.eval.metrics import Summable, max_matching
from cjgen.eval.words import MAP_VOCABULARY, letter_runs, stems
from cjgen.schema import Action, JourneyMap, Opportunity, PainPoint, Persona, Touchpoint

PHRASE_STEM_SHARE = 0.5
PHRASE_FUZZY_RATIO = 80.0


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


class EmotionScore(Summable):
    gold_cells: int = Field(0, description="Gold (persona, stage) scores.")
    compared: int = Field(0, description="Gold cells some emotion of the map maps to.")
    agree: int = 0
    disagreements: list[str] = Field(default_factory=list, description="'persona/stage: map x, gold y'.")

    @property
    def agreement(self) -> float | None:
        return self.agree / self.compared if self.compared else None


def persona_pairs(case: GoldCase, journey: JourneyMap) -> dict[str, str]:
    """Predicted persona id -> the gold persona sharing most of its participants."""
    gold_of = {pid.casefold(): p.id for p in case.personas for pid in p.participants}
    order = [p.id for p in case.personas]
    pairs: dict[str, str] = {}
    for persona in journey.personas:
        shared = Counter(gold_of[pid] for pid in map(str.casefold, persona.participant_ids) if pid in gold_of)
        if shared:
            pairs[persona.id] = max(order, key=lambda g: (shared[g], -order.index(g)))
    return pairs


def score_emotions(case: GoldCase, journey: JourneyMap, stage_pairs: Mapping[str, str]) -> EmotionScore:
    gold = case.emotion_by_stage
    personas = persona_pairs(case, journey)
    mapped: dict[tuple[str, str], list[int]] = {}
    for emotion in journey.emotions:
        stage = stage_pairs.get(emotion.stage_id)
        if stage is None:
            continue
        targets = list(gold) if emotion.persona_id is None else [personas.get(emotion.persona_id, "")]
        for persona in targets:
            if stage in gold.get(persona, {}):
                mapped.setdefault((persona, stage), []).append(emotion.score)
    score = EmotionScore(gold_cells=sum(len(stages) for stages in gold.values()))
    for (persona, stage), scores in sorted(mapped.items()):
        predicted = sum(scores) / len(scores)
        expected = gold[persona][stage]
        score.compared += 1
        if _sign(predicted) == _sign(expected):
            score.agree += 1
        else:
            score.disagreements.append(f"{persona}/{stage}: map {predicted:+.1f}, gold {expected:+d}")
    return score


class RecallScore(Summable):
    gold_total: int = 0
    matched: int = 0
    missed: list[str] = Field(default_factory=list)
    predicted: int = Field(0, description="Phrases the map shows.")
    like_gold: int = Field(0, description="Shown phrases that match some gold phrase (not one to one).")

    @property
    def recall(self) -> float | None:
        return self.matched / self.gold_total if self.gold_total else None

    @property
    def precision(self) -> float | None:
        """The share of shown phrases that say one of the gold's (the gold lists are not exhaustive, so this
        is a floor)."""
        return self.like_gold / self.predicted if self.predicted and self.gold_total else None


def same_phrase(gold: str, predicted: str) -> bool:
    wanted = stems([gold])
    shared = len(wanted & stems([predicted]))
    if wanted and shared / len(wanted) >= PHRASE_STEM_SHARE:
        return True
    return fuzz.token_sort_ratio(gold, predicted, processor=default_process) >= PHRASE_FUZZY_RATIO


def phrase_recall(gold: Sequence[str], predicted: Sequence[str]) -> RecallScore:
    edges = [[p for p, text in enumerate(predicted) if same_phrase(g, text)] for g in gold]
    pairs = max_matching(edges, len(predicted))
    return RecallScore(
        gold_total=len(gold),
        matched=len(pairs),
        missed=[g for k, g in enumerate(gold) if k not in pairs],
        predicted=len(predicted),
        like_gold=len({p for found in edges for p in found}),
    )


class TouchpointScore(BaseModel):
    names: RecallScore = Field(default_factory=RecallScore)
    kinds: RecallScore = Field(default_factory=RecallScore, description="Gold (stage, kind) pairs.")


def score_actions(case: GoldCase, actions: Sequence[Action]) -> RecallScore:
    return phrase_recall([a for s in case.stages for a in s.actions], [a.text for a in actions])


def score_touchpoints(
    case: GoldCase, touchpoints: Sequence[Touchpoint], stage_pairs: Mapping[str, str]
) -> TouchpointScore:
    names = phrase_recall([t.name for s in case.stages for t in s.touchpoints], [t.name for t in touchpoints])
    gold_kinds = sorted({(s.id, t.kind.casefold()) for s in case.stages for t in s.touchpoints})
    predicted_kinds = {
        (stage_pairs[t.stage_id], t.kind.casefold()) for t in touchpoints if t.stage_id in stage_pairs
    }
    missed = [f"{stage}: {kind}" for stage, kind in gold_kinds if (stage, kind) not in predicted_kinds]
    kinds = RecallScore(gold_total=len(gold_kinds), matched=len(gold_kinds) - len(missed), missed=missed)
    return TouchpointScore(names=names, kinds=kinds)


class ThoughtScore(BaseModel):
    total: int = 0
    grounded: int = Field(0, description="Thoughts with at least one verified participant quote.")


def score_thoughts(journey: JourneyMap, sources: CaseSources) -> ThoughtScore:
    grounded = sum(any(sources.participant_span(e) is not None for e in t.evidence) for t in journey.thoughts)
    return ThoughtScore(total=len(journey.thoughts), grounded=grounded)


class OpportunityScore(BaseModel):
    total: int = 0
    tied: int = Field(0, description="Opportunities sharing a content stem with the problem they address.")
    untied: list[str] = Field(default_factory=list, description="The statements of the others.")


def score_opportunities(opportunities: Sequence[Opportunity], pains: Sequence[PainPoint]) -> OpportunityScore:
    by_id = {p.id: p for p in pains}
    score = OpportunityScore(total=len(opportunities))
    for opportunity in opportunities:
        addressed = [by_id[i] for i in opportunity.addresses if i in by_id]
        problem = stems(t for p in addressed for t in (p.statement, *(e.quote for e in p.evidence)))
        if stems([opportunity.statement]) & problem:
            score.tied += 1
        else:
            score.untied.append(opportunity.statement)
    return score


class PersonaProfileScore(Summable):
    personas: int = Field(
        0, description="Gold personas with participants that some persona of the map pairs with."
    )
    gold_stems: int = Field(0, description="Content stems of those gold personas' descriptions.")
    held_stems: int = Field(0, description="Of those, the stems the paired personas' shown text holds.")
    goals: int = 0
    grounded_goals: int = Field(
        0, description="Goals inside a verified quote of the persona's own participants."
    )

    @property
    def recall(self) -> float | None:
        return self.held_stems / self.gold_stems if self.gold_stems else None


def _inside(part: str, whole: str) -> bool:
    """`part`'s words, in order and next to each other, among `whole`'s."""
    words, within = letter_runs(part), letter_runs(whole)
    return bool(words) and any(
        within[k : k + len(words)] == words for k in range(len(within) - len(words) + 1)
    )


def _grounded_goals(persona: Persona, sources: CaseSources) -> int:
    own = {pid.casefold() for pid in persona.participant_ids}
    verified = [
        e.quote
        for e in persona.evidence
        if e.participant_id.casefold() in own and sources.participant_span(e) is not None
    ]
    return sum(any(_inside(goal, quote) for quote in verified) for goal in persona.goals)


def score_persona_profiles(case: GoldCase, journey: JourneyMap, sources: CaseSources) -> PersonaProfileScore:
    score = PersonaProfileScore(
        goals=sum(len(p.goals) for p in journey.personas),
        grounded_goals=sum(_grounded_goals(p, sources) for p in journey.personas),
    )
    pairs = persona_pairs(case, journey)
    for gold in case.personas:
        paired = [p for p in journey.personas if pairs.get(p.id) == gold.id]
        if not gold.participants or not paired:
            continue
        wanted = stems([gold.description]) - MAP_VOCABULARY
        shown = stems(
            text for p in paired for text in (p.description, *p.goals, *(e.quote for e in p.evidence))
        )
        score.personas += 1
        score.gold_stems += len(wanted)
        score.held_stems += len(wanted & shown)
    return score

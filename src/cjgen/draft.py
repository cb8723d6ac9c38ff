"""Brief-only drafts, assembled by code from narrow answers; every item is an assumption with no evidence.

One read of the brief (`plan_from_brief`) gives the customer's stages, the customer groups the brief names
and the problems it suspects. The model then answers short questions after one shared context, the brief:
what could go wrong for each group at each stage, what each group could like most, and per stage what the
customer does, through which channel and what the interviews should find out; the stage and group of each
suspected problem are choices, and each main problem gets one improvement to test. A small model answers such
questions well and writes long structured lists badly, so code numbers, links (by id) and keeps only whole
sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, get_args

from cjgen.ask import Runtime
from cjgen.choose import best, choose, complete_each, debiased
from cjgen.prompts import Prompt, render_block, render_prompt
from cjgen.schema import (
    Action,
    BlueprintLane,
    BlueprintStep,
    ChannelKind,
    Delight,
    MapType,
    Opportunity,
    PainPoint,
    Persona,
    Stage,
    Touchpoint,
)
from cjgen.stages import MAX_STAGES, Segment, plan_from_brief
from cjgen.untrusted import instruction_like
from cjgen.wording import as_statement, channel_name, channels_in, content_words, overlap, whole_answer

STATEMENT_WORDS = 16
ACTION_WORDS = 10
PAINS_PER_STAGE = 2
MAX_OPPORTUNITIES = 5
MAX_QUESTIONS = 5
# Two hypotheses sharing this much of their content words say the same thing; the later one is dropped.
SAME_PROBLEM = 0.6
MIN_WORDS = 4
LETTERS = "ABCDEFGHIJKLMNOP"
EVERYONE = Segment("Customers", "Everyone the service is for; the brief names no customer groups.")


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
    blueprint: list[BlueprintStep]


def _statements(answers: Sequence[str], max_words: int = STATEMENT_WORDS) -> list[str]:
    """Each answer as a finished sentence, or "" when it is cut off, too short or reads like an instruction."""
    out = []
    for answer in answers:
        text = as_statement(whole_answer(answer, max_words))
        usable = len(text.split()) >= MIN_WORDS and not instruction_like(text)
        out.append(text if usable else "")
    return out


def _write(
    runtime: Runtime, prompt: Prompt, block: str, asked: Sequence[dict[str, Any]], words: int
) -> list[str]:
    """One short answer to the `block` question for each set of variables in `asked`."""
    questions = [render_block("draft", block, words=words, **variables) for variables in asked]
    return complete_each(runtime, prompt, questions, max_words=words, step=f"draft:{block}")


def _stages_of(
    runtime: Runtime, prompt: Prompt, kind: str, statements: Sequence[str], stages: Sequence[Stage]
) -> list[Stage]:
    """The stage each statement most likely belongs to (a choice among the numbered stages)."""
    questions = [render_block("draft", "stage_of", kind=kind, statement=s, stages=stages) for s in statements]
    options = [str(n) for n in range(1, len(stages) + 1)]
    answers = debiased(choose(runtime, prompt, questions, options, step="draft:stage"))
    return [stages[best(a)] for a in answers]


def _personas_of(
    runtime: Runtime, prompt: Prompt, kind: str, statements: Sequence[str], personas: Sequence[Persona]
) -> list[list[str]]:
    """The persona each statement concerns most, or every persona when the model says all alike."""
    everyone = [p.id for p in personas]
    if len(personas) < 2:
        return [everyone for _ in statements]
    lettered = list(zip(LETTERS, personas, strict=False))
    questions = [
        render_block(
            "draft", "group_of", kind=kind, statement=s, segments=lettered, everyone=LETTERS[len(lettered)]
        )
        for s in statements
    ]
    options = list(LETTERS[: len(lettered) + 1])
    answers = debiased(choose(runtime, prompt, questions, options, step="draft:group"))
    return [[lettered[k][1].id] if (k := best(a)) < len(lettered) else everyone for a in answers]


def _is_new(statement: str, kept: Sequence[str]) -> bool:
    words = content_words(statement)
    return all(overlap(words, content_words(k)) < SAME_PROBLEM for k in kept)


def _suspected_pains(
    runtime: Runtime,
    prompt: Prompt,
    suspected: Sequence[str],
    stages: Sequence[Stage],
    personas: Sequence[Persona],
) -> list[PainPoint]:
    """The problems the brief itself suspects, in its own words, placed at a stage and a customer group."""
    claims = [c for c in _statements(suspected, max_words=40) if c]
    # The brief's hopes ("our main advantage will be ...") are not problems to test.
    questions = [render_block("draft", "problem_or_good", statement=c) for c in claims]
    kinds = choose(runtime, prompt, questions, ("A", "B"), step="draft:problem")
    claims = [c for c, (problem, good) in zip(claims, kinds, strict=True) if problem >= good]
    placed = _stages_of(runtime, prompt, "pain", claims, stages)
    concerned = _personas_of(runtime, prompt, "pain", claims, personas)
    return [
        PainPoint(
            id="",
            stage_id=stage.id,
            statement=claim,
            persona_ids=persona_ids,
            severity=3,
            basis="assumption",
        )
        for claim, stage, persona_ids in zip(claims, placed, concerned, strict=True)
    ]


def _hypothesised_pains(
    runtime: Runtime,
    prompt: Prompt,
    stages: Sequence[Stage],
    segments: Sequence[Segment],
    personas: Sequence[Persona],
    known: Sequence[str],
) -> list[PainPoint]:
    """What could go wrong for each customer group at each stage: at most a few distinct ones per stage."""
    asked = [(stage, k) for stage in stages for k in range(len(segments))]
    variables = [{"stage": stage, "segment": segments[k]} for stage, k in asked]
    answers = _statements(_write(runtime, prompt, "pain", variables, STATEMENT_WORDS))
    kept = list(known)
    out: list[PainPoint] = []
    for (stage, k), statement in zip(asked, answers, strict=True):
        here = sum(1 for p in out if p.stage_id == stage.id)
        if not statement or here >= PAINS_PER_STAGE or not _is_new(statement, kept):
            continue
        kept.append(statement)
        out.append(
            PainPoint(
                id="",
                stage_id=stage.id,
                statement=statement,
                persona_ids=[personas[k].id],
                severity=2,
                basis="assumption",
            )
        )
    return out


def _delights(
    runtime: Runtime,
    prompt: Prompt,
    stages: Sequence[Stage],
    segments: Sequence[Segment],
    personas: Sequence[Persona],
) -> list[Delight]:
    """What each customer group could like most, placed at a stage."""
    variables = [{"segment": s} for s in segments]
    answers = _statements(_write(runtime, prompt, "delight", variables, STATEMENT_WORDS))
    found = [(persona, text) for persona, text in zip(personas, answers, strict=True) if text]
    placed = _stages_of(runtime, prompt, "delight", [text for _, text in found], stages)
    return [
        Delight(
            id=f"delight{n}",
            stage_id=stage.id,
            statement=text,
            persona_ids=[persona.id],
            basis="assumption",
        )
        for n, ((persona, text), stage) in enumerate(zip(found, placed, strict=True), start=1)
    ]


def _opportunities(runtime: Runtime, prompt: Prompt, pains: Sequence[PainPoint]) -> list[Opportunity]:
    """One improvement to test for each main problem; it addresses that problem by id."""
    chosen = list(pains[:MAX_OPPORTUNITIES])
    variables = [{"statement": p.statement} for p in chosen]
    answers = _statements(_write(runtime, prompt, "opportunity", variables, STATEMENT_WORDS))
    out: list[Opportunity] = []
    for pain, statement in zip(chosen, answers, strict=True):
        if statement:
            out.append(
                Opportunity(
                    id=f"opportunity{len(out) + 1}",
                    statement=statement,
                    addresses=[pain.id],
                    basis="assumption",
                )
            )
    return out


def _channels(brief: str) -> list[ChannelKind]:
    """The channels the brief names (all kinds when it names fewer than two)."""
    named = channels_in(brief)
    every = [k for k in get_args(ChannelKind) if k != "other"]
    return [k for k in every if k in named] if len(named) >= 2 else every


def _lanes(
    runtime: Runtime, prompt: Prompt, brief: str, stages: Sequence[Stage]
) -> tuple[list[Action], list[Touchpoint], list[str]]:
    """Per stage: what the customer does, the channel they mostly use, and what the interviews should ask."""
    per_stage = [{"stage": s} for s in stages]
    actions = _write(runtime, prompt, "action", per_stage, ACTION_WORDS)
    kinds = _channels(brief)
    lettered = list(zip(LETTERS, kinds, strict=False))
    channel_questions = [
        render_block(
            "draft",
            "channel",
            stage=s,
            channels=[(letter, channel_name(k, [brief])) for letter, k in lettered],
        )
        for s in stages
    ]
    chosen = debiased(
        choose(runtime, prompt, channel_questions, [letter for letter, _ in lettered], step="draft:channels")
    )
    asked = _write(runtime, prompt, "open_question", per_stage, STATEMENT_WORDS)
    lane_actions = [
        Action(id=f"action{n}", stage_id=stage.id, text=text, basis="assumption")
        for n, (stage, text) in enumerate(
            (
                (s, as_statement(whole_answer(a, ACTION_WORDS)).rstrip("."))
                for s, a in zip(stages, actions, strict=True)
            ),
            start=1,
        )
        if len(text.split()) >= 2 and not instruction_like(text)
    ]
    touchpoints = [
        Touchpoint(
            id=f"touchpoint{n}",
            stage_id=stage.id,
            kind=kinds[best(p)],
            name=channel_name(kinds[best(p)], [brief]),
            basis="assumption",
        )
        for n, (stage, p) in enumerate(zip(stages, chosen, strict=True), start=1)
    ]
    questions = [
        q for q in (as_statement(whole_answer(a, STATEMENT_WORDS)) for a in asked) if q.endswith("?")
    ]
    return lane_actions, touchpoints, questions[:MAX_QUESTIONS]


LANES: tuple[BlueprintLane, ...] = ("frontstage", "backstage", "support")


def blueprint_steps(
    runtime: Runtime, brief: str, stages: Sequence[Stage], map_type: MapType
) -> list[BlueprintStep]:
    """Service blueprint lanes (none for other map types): what the company does behind each stage, as the
    model's short hypotheses from the brief, one question per stage and lane."""
    if map_type != "service-blueprint":
        return []
    prompt = render_prompt("blueprint", brief=brief)
    asked = [(s, lane) for s in stages for lane in LANES]
    questions = [render_block("blueprint", "question", stage=s, lane=lane) for s, lane in asked]
    answers = complete_each(runtime, prompt, questions, max_words=STATEMENT_WORDS, step="blueprint")
    return [
        BlueprintStep(
            id=f"blueprint{n}", stage_id=s.id, lane=lane, text=as_statement(text), basis="assumption"
        )
        for n, ((s, lane), text) in enumerate(zip(asked, answers, strict=True), start=1)
        if len(text.split()) >= 2 and not instruction_like(text)
    ]


def draft_from_brief(runtime: Runtime, brief: str, map_type: MapType) -> Draft:
    plan = plan_from_brief(runtime, brief, map_type)
    stages = plan.stages[:MAX_STAGES]
    segments = plan.segments or [EVERYONE]
    personas = [
        Persona(id=f"persona{n}", name=s.name, description=as_statement(s.description), basis="assumption")
        for n, s in enumerate(segments, start=1)
    ]
    prompt = render_prompt("draft", brief=brief, map_type=map_type)
    suspected = _suspected_pains(runtime, prompt, plan.suspected, stages, personas)
    hypotheses = _hypothesised_pains(
        runtime, prompt, stages, segments, personas, [p.statement for p in suspected]
    )
    pains = [p.model_copy(update={"id": f"pain{n}"}) for n, p in enumerate(suspected + hypotheses, start=1)]
    actions, touchpoints, questions = _lanes(runtime, prompt, brief, stages)
    summary = (
        f"Drafted from the brief alone, before any interviews: {len(stages)} stages, {len(personas)} customer "
        f"group(s) and {len(pains)} problems to test, {len(suspected)} of them suspected by the brief itself."
    )
    return Draft(
        summary=summary,
        personas=personas,
        stages=stages,
        actions=actions,
        touchpoints=touchpoints,
        pain_points=pains,
        delights=_delights(runtime, prompt, stages, segments, personas),
        opportunities=_opportunities(runtime, prompt, pains),
        questions=questions,
        blueprint=blueprint_steps(runtime, brief, stages, map_type),
    )

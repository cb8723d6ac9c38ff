"""Plan the ordered journey stages from the brief before extraction, so observations can be tagged by stage id."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cjgen.ask import Invalid, Runtime, ask, inline_schema, parse_as
from cjgen.asked import acknowledges_only
from cjgen.choose import best, rotated
from cjgen.errors import MapValidationError
from cjgen.prompts import render_block, render_prompt
from cjgen.schema import MapType, Stage, Transcript
from cjgen.sentences import split_spans
from cjgen.wording import content_words, supported_share, whole_sentences

MAX_STAGES = 9  # stage answers are single digits
# A group's description is kept when at least this share of its content words are the brief's.
SUPPORTED_SHARE = 0.5
# A suspected problem is shown in the model's words when at least this share of them are the brief's (what the
# map calls a faithful statement), else in the brief's own sentence that holds SUPPORTED_SHARE of them.
BRIEFS_WORDS = 0.8

# Used when there is no brief to plan from (e.g. summarising one interview).
GENERIC_STAGES = (
    ("discover", "Discover", "Hearing about the service and getting interested."),
    ("evaluate", "Evaluate and sign up", "Comparing options, deciding and signing up."),
    ("onboard", "Onboard", "First delivery, set-up and first use."),
    ("use", "Use", "Everyday use, payments and routines."),
    ("support", "Get help", "Problems, questions, support and repairs."),
    ("leave_or_stay", "Stay, leave or recommend", "Renewing, cancelling or recommending."),
)
_StageRow = tuple[str, str, str]


@dataclass(frozen=True)
class ServiceKind:
    """A way people meet a service, with the phases such journeys usually have: the scaffold the stage plan
    starts from, so a claims process is not planned as a subscription."""

    description: str
    stages: tuple[_StageRow, ...]


SERVICE_KINDS = (
    ServiceKind(
        "customers pay for a product, a rental or a subscription and use it day to day", GENERIC_STAGES
    ),
    ServiceKind(
        "people apply for a benefit, a claim, a permit or a payment, and an organisation decides",
        (
            ("learn", "Learn about it", "Hearing that it exists and what it offers."),
            ("check", "Check and decide", "Working out whether it applies to them and deciding to apply."),
            ("apply", "Gather and apply", "Collecting documents, filling in forms and submitting them."),
            ("wait", "Wait for a decision", "Waiting, following up and answering requests for more."),
            ("outcome", "Get the outcome", "The decision, understanding it and what it means for them."),
            ("use", "Use it or challenge it", "Using what was granted, or appealing a refusal."),
        ),
    ),
    ServiceKind(
        "patients or clients book appointments and go to a practice, an office or a branch to be seen",
        (
            ("find", "Notice a need and find", "Something comes up and they find where to go."),
            ("book", "Book", "Booking, scheduling and keeping track of the appointment."),
            ("prepare", "Prepare and get there", "Getting ready, forms beforehand and travelling there."),
            ("arrive", "Arrive and check in", "Arriving, checking in and waiting to be called."),
            ("visit", "Be seen", "The appointment or visit itself."),
            ("after", "Follow up", "Results, follow-up, payment and the next appointment."),
        ),
    ),
    ServiceKind(
        "people go through a life event (having a baby, moving home, retiring, a bereavement) with help",
        (
            ("before", "Before", "Seeing the change coming and planning for it."),
            ("learn", "Find out what is available", "Learning what help exists and who offers it."),
            ("arrange", "Decide and arrange", "Choosing what to do and arranging it."),
            ("change", "Go through the change", "The event itself and the days around it."),
            ("after", "Settle into what comes after", "Living with the outcome and getting support."),
        ),
    ),
    ServiceKind(
        "people who already use the service change their own details or settings on a website or in an app, with "
        "no one deciding",
        (
            ("find", "Find where to do it", "Looking for the page, link or menu where the task is done."),
            ("read", "See what is there", "Reading what the page shows and working out what to do."),
            ("change", "Make the change", "Entering or changing details, fixing mistakes and submitting."),
            ("confirm", "Check it worked", "Seeing that it is done and what happens next."),
            (
                "return",
                "Come back or get help",
                "Coming back later to check or change it, or asking for help.",
            ),
        ),
    ),
)


# Where there is no brief, about this many words of the interviewer's questions, taken evenly from first to
# last, stand for it when the kind of service is chosen. Measured on every interview of the eval cases alone
# (43 with questions): 40 right at 300 words spread, 38 at 150 spread, 39 and 38 with the first 300 and 150
# words (the first questions are consent and warm-up); the subscription scaffold used before fit 6.
GUIDE_WORDS = 300


def generic_stages() -> list[Stage]:
    return _scaffold(GENERIC_STAGES)


def _scaffold(rows: Sequence[_StageRow]) -> list[Stage]:
    return [Stage(id=i, name=n, description=d, basis="assumption") for i, n, d in rows]


def questions_asked(transcripts: Sequence[Transcript], words: int = GUIDE_WORDS) -> list[str]:
    """The interviewer's questions (sentences that end in "?" and ask something), each once, in the order
    asked: all of them where they hold at most about `words` words, else as many as fit, taken evenly from
    first to last. What the interviews are about, where no brief says it."""
    asked: dict[str, str] = {}
    for turn in (t for transcript in transcripts for t in transcript.turns if t.role == "interviewer"):
        for start, end in split_spans(turn.text):
            question = " ".join(turn.text[start:end].split())
            if question.endswith("?") and not acknowledges_only(question):  # not "Okay?", "Got it?"
                asked.setdefault(question.casefold(), question)
    every = list(asked.values())
    total = sum(len(q.split()) for q in every)
    if total <= words:
        return every
    kept = max(1, round(len(every) * words / total))
    return [every[n * len(every) // kept] for n in range(kept)]


def stages_from_questions(runtime: Runtime, asked: Sequence[str]) -> list[Stage]:
    """Without a brief, the scaffold of the kind of service the interviewer's questions are about (a benefits
    interview is not planned as a subscription), or the generic one where no question was asked."""
    if not asked:
        return generic_stages()
    return _scaffold(service_kind(runtime, questions_brief(asked)).stages)


def questions_brief(asked: Sequence[str]) -> str:
    """The interviewer's questions as the text the service-kind choice reads in place of a brief."""
    return render_block("service", "asked", asked=asked)


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


class SegmentsOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    groups: list[SegmentOut] = Field(default_factory=list, max_length=4)


class SplitOut(BaseModel):
    """One group's description split into the kinds of person it joins (code checks the pieces are its own)."""

    model_config = ConfigDict(extra="ignore")

    groups: list[SegmentOut] = Field(min_length=2, max_length=4)


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


def service_question(order: Sequence[int]) -> str:
    """The service-kind question with `SERVICE_KINDS` shown in `order` (indexes), lettered from A."""
    return render_block("service", "question", kinds=[SERVICE_KINDS[k] for k in order])


def service_kind(runtime: Runtime, brief: str) -> ServiceKind:
    """How people meet the service the brief describes: one choice among `SERVICE_KINDS`, in every order of
    the options (`choose.rotated`). Measured on 14 briefs written for the check and the 6 of the eval cases
    (`evals/service_kinds`)."""
    prompt = render_prompt("service", brief=brief)
    return SERVICE_KINDS[best(rotated(runtime, prompt, service_question, len(SERVICE_KINDS), step="service"))]


def _named(groups: Sequence[SegmentOut], brief: str) -> list[Segment]:
    """Each group once (by name); a description the brief does not support (its words are mostly not the
    brief's) gives way to the group's name."""
    found: dict[str, Segment] = {}
    for group in groups:
        name = " ".join(group.name.split())
        supported = (
            content_words(group.description) and supported_share(group.description, brief) >= SUPPORTED_SHARE
        )
        described = whole_sentences(group.description) if supported else ""
        if name:
            found.setdefault(name.casefold(), Segment(name, described or f"{name}, as the brief names them."))
    return list(found.values())


def _distinct(groups: Sequence[SegmentOut], brief: str) -> list[Segment]:
    """The groups named, each once; none when fewer than two are left (one group is no segmentation)."""
    found = _named(groups, brief)
    return found if len(found) >= 2 else []


# Where a description joins two kinds of person: "working-age people …, and older patients …".
_JOINS = re.compile(r",|;|\b(?:and|or)\b", re.IGNORECASE)


def _bare(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s-]", " ", text.casefold()).split())


def divides(description: str, parts: Sequence[str]) -> bool:
    """Whether `parts` are two or more separate pieces of `description` itself, in its order, each naming
    someone (two content words or more): a split the model cannot have written words into."""
    whole = _bare(description)
    at = 0
    for part in parts:
        piece = _bare(part)
        found = whole.find(piece, at) if len(content_words(part)) >= 2 else -1
        if not piece or found < 0:
            return False
        at = found + len(piece)
    return len(parts) >= 2


def split_group(runtime: Runtime, brief: str, group: Segment) -> list[Segment]:
    """The kinds of person one group's description joins ("mainly A, and B"), when the model can split it
    into pieces of that description; else none. A small model often lists such a sentence as one group."""
    if _JOINS.search(group.description) is None:
        return []
    prompt = render_prompt("split_group", brief=brief, name=group.name, description=group.description)
    parse = partial(parse_as, SplitOut)
    try:
        out = ask(runtime, prompt, inline_schema(SplitOut), parse, step="segments", max_tokens=400).groups
    except MapValidationError:
        # A model without the JSON grammar may keep answering with one group: then there is nothing to split,
        # and a refinement that cannot be made must not cost the map.
        return []
    if not divides(group.description, [g.description for g in out]):
        return []
    return _distinct(out, brief)


def segments_from_brief(runtime: Runtime, brief: str) -> list[Segment]:
    """The customer groups the brief names, asked on their own: asked alongside the stages, a small model
    often gives one group for "mainly A and B", and asked alone sometimes too, so one group whose description
    joins several kinds is asked to be split."""
    prompt = render_prompt("segments", brief=brief)
    parse = partial(parse_as, SegmentsOut)
    found = _named(
        ask(runtime, prompt, inline_schema(SegmentsOut), parse, step="segments", max_tokens=400).groups, brief
    )
    if len(found) == 1:
        return split_group(runtime, brief, found[0])
    return found if len(found) >= 2 else []


def plan_from_brief(runtime: Runtime, brief: str, map_type: MapType) -> BriefPlan:
    """Ordered stages for this service and map type, and the segments and suspected problems the brief names.

    The stages start from the scaffold of the kind of service the brief describes (one narrow choice first).
    """
    examples = GENERIC_STAGES if map_type == "day-in-the-life" else service_kind(runtime, brief).stages
    prompt = render_prompt("stages", brief=brief, map_type=map_type, examples=examples)
    plan = ask(runtime, prompt, inline_schema(StagePlanOut), _parse_plan, step="stages", max_tokens=700)
    stages = [
        Stage(id=s.id, name=s.name, description=whole_sentences(s.description), basis="assumption")
        for s in plan.stages
    ]
    suspected = [
        claim
        for s in plan.suspected
        if names_a_problem(claim := the_briefs_claim(whole_sentences(claims_of(s)), brief))
    ]
    segments = _distinct(plan.segments, brief) or segments_from_brief(runtime, brief)
    return BriefPlan(stages, segments, suspected)


# "No specific problems mentioned in the brief.": a model's way of saying there is nothing to list.
_NOTHING = re.compile(
    r"^\W*(?:none|nothing|n/?a)\b|^\W*no\s(?:\w+\s)?(?:problems?|issues?|pain\s?points?|complaints?)\b"
    r"|\b(?:not|none|no\s\w+)\s(?:mentioned|specified|stated|given|named)\b",
    re.IGNORECASE,
)


# The question's own words said back ("The brief says or suspects that customers have …"): what follows is the
# claim.
_ECHO = re.compile(
    r"^(?:the\s)?brief\s(?:says|suspects|states|mentions)(?:\sor\s\w+)?(?:\sthat)?[\s,:]+", re.I
)
# A clause about the research itself ("…, and the goal of this research is to understand …"): the study's aim,
# not a problem anyone has.
_THE_RESEARCH = r"(?:the|our|this)\s(?:research|study|project)"
_GOAL_OF = r"(?:the|our|this)\s(?:main\s)?(?:goal|aim|purpose|objective)s?\sof\s"
_RESEARCH_AIMS = rf"{_THE_RESEARCH}\s(?:aims|seeks|will|is\sto)"
_AIM_CLAUSE = re.compile(rf"[,;]?\s(?:and|but|so|while)\s(?={_GOAL_OF}|{_RESEARCH_AIMS})", re.I)
_ABOUT_THE_RESEARCH = re.compile(
    rf"^(?:{_GOAL_OF}{_THE_RESEARCH}|{_RESEARCH_AIMS}|we\s(?:want|hope|aim)\sto\s(?:understand|learn|find\sout|explore))",
    re.I,
)


def claims_of(text: str) -> str:
    """The sentences of a suspected problem that claim something. A research plan lists its questions ("Who
    is the target audience?", "What can we do to support?"), and a small model reads them as suspicions: a
    question suspects nothing, and neither does the study's own aim ("the goal of this research is to
    understand …"), which a model may copy with a problem."""
    kept = []
    for start, end in split_spans(text):
        sentence = _ECHO.sub("", text[start:end].strip())
        sentence = _AIM_CLAUSE.split(sentence, maxsplit=1)[0].rstrip(" ,;")
        if sentence.endswith("?") or _ABOUT_THE_RESEARCH.search(sentence):
            continue
        kept.append(sentence[:1].upper() + sentence[1:] + ("" if sentence.endswith((".", "!")) else "."))
    return " ".join(kept)


def the_briefs_claim(claim: str, brief: str) -> str:
    """A suspected problem as the brief states it: the model's sentence where the brief holds its words
    (`BRIEFS_WORDS`), else the brief's own sentence that holds the most of them, at least half (the model
    said it in other words: "the paper process is not scalable" for "When the program expands, the paper process
    will not scale."), else "" (the model's own guess, which the brief does not claim: an accessibility
    problem in a brief that names none)."""
    if not claim or supported_share(claim, brief) >= BRIEFS_WORDS:
        return claim
    words = content_words(claim)
    sentences = [" ".join(brief[start:end].split()) for start, end in split_spans(brief)]
    held = [(len(words & content_words(sentence)), sentence) for sentence in sentences]
    most, sentence = max(held, key=lambda found: found[0], default=(0, ""))
    return sentence if most and most >= SUPPORTED_SHARE * len(words) else ""


def names_a_problem(text: str) -> bool:
    """A suspected problem worth testing: a sentence of three words or more that is not a way of saying 'none'."""
    return len(text.split()) >= 3 and _NOTHING.search(text) is None

"""Reduce step: grounded observations from every interview become the map's findings, mostly by code.

Pain points and delights are groups of observations (see group.py); each statement is the model's one-sentence
name for its strongest member's quote, so it says what its quotes say. Only what the map shows is named.
Personas place each participant in a customer group the brief names (the model's choice per interview, made
while reading it). Stage lanes, emotions and evidence strength are counted. The model is asked only narrow
questions here: an improvement for each main pain point, whether two opposite observations really disagree,
and (for service blueprints) what happens behind each stage. It never writes a quote, so it cannot invent one.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from cjgen.actions import action_text
from cjgen.ask import Runtime
from cjgen.choose import MIN_FOR_DEBIAS, choose, complete_each
from cjgen.draft import blueprint_steps
from cjgen.goals import goal_text
from cjgen.group import SAYS_WHAT, Finding, all_meant, cosine, group_observations, similarity
from cjgen.observations import Observation
from cjgen.participants import Participant
from cjgen.prompts import render_block, render_prompt
from cjgen.schema import (
    Action,
    BlueprintStep,
    ChannelKind,
    Contradiction,
    ContradictionSide,
    Delight,
    Emotion,
    Evidence,
    MapType,
    Opportunity,
    PainPoint,
    Persona,
    Score,
    Severity,
    Stage,
    Thought,
    Touchpoint,
)
from cjgen.stages import Segment
from cjgen.untrusted import instruction_like
from cjgen.wording import (
    CUT_MARK,
    as_statement,
    asks,
    breaks_off,
    channel_name,
    channels_in,
    content_words,
    counted,
    cut_short,
    first_words,
    of_the_speaker,
    opens_mid_thought,
    overlap,
    repeats_itself,
    said_once,
    supported_share,
    takes_a_side,
    unabandoned,
    without_lone_marks,
)

MAX_PAINS = 8
# A finding is what several participants' moments share: in a study of more people than this, a moment one
# participant alone gave is an anecdote, not a finding (measured: evals/README.md).
FINDING_PEOPLE = 2
MAX_DELIGHTS = MAX_PAINS  # what works is shown as fully as what goes wrong
MAX_OPPORTUNITIES = 5
MAX_CONTRADICTIONS = 3
SHORTLIST = 15  # opposite pairs put to the model
CONFIRM_MARGIN = 0.1
LANE_ITEMS_PER_STAGE = 2
GOALS_PER_PERSONA = 3
PERSONA_QUOTES = 6
# A stage has more steps than feelings worth a column of their own; four still read at a glance.
ACTIONS_PER_STAGE = 4
# Two steps are one only when their words and meaning are this alike (the same stage's bonus included): a
# step's text is one participant's sentence, so another's joins it only when it says the same.
SAME_STEP = 0.5
STATEMENT_WORDS = 16
# An opportunity is asked with its problem's first quote (cut to its first words), so that it is worded from
# what was said, not from the brief's own hypotheses; with a second quote as many were shown (20 over the five
# cases), at 465 more tokens on bike's map.
OPPORTUNITY_QUOTES = 1
QUOTE_WORDS = 25
ROOT_LETTERS = 5
NAME_WORDS = 16
# A pair of opposite observations is put to the model only when at least this alike by words, or of one stage.
CONTRADICTION_SIMILARITY = 0.2
# Where meanings were read from states: a problem and a good moment of two people are about one thing when
# their meanings' cosine is at least this (about the top 1 % of such pairs in a study) ...
OPPOSED_MEANING = 0.4
# ... and another participant's moment joins a side when it means what that side's first moment means, and
# is about the same thing as the other side's, by these cosines; a side cites at most SIDE_MEMBERS people.
SAME_SIDE_MEANING = 0.5
ABOUT_THE_SAME = 0.25
SIDE_MEMBERS = 3
# ... and a pair found so is shown only when its two sides hold this many people together: one participant's
# problem against another's good moment, with no one else on either side, is most often two aspects of one
# thing or two circumstances, not a disagreement a study shows (measured: evals/README.md).
CONTRADICTION_PEOPLE = 3
# A suspicion from the brief counts as shown when a pain point is at least this alike.
SUPPORTED = 0.34
# A written name is kept when its quote holds at least this share of its content words: what the map calls a
# faithful statement (the eval counts one below 0.8 as not faithful).
SUPPORTED_WORDS = 0.8


@dataclass(frozen=True)
class Context:
    """What the reduce step works from."""

    stages: list[Stage]
    participants: list[str]
    observations: list[Observation]
    map_type: MapType
    scores: dict[str, float] = field(default_factory=dict)  # observation id -> label confidence
    meanings: dict[str, tuple[float, ...]] = field(default_factory=dict)  # observation id -> what it means
    segments: list[Segment] = field(default_factory=list)
    segment_votes: dict[str, list[float]] = field(default_factory=dict)  # participant -> chance per segment
    suspected: list[str] = field(default_factory=list)
    brief: str = ""
    listed: list[Participant] = field(default_factory=list)  # the study's participant list, when given

    def of_kind(self, kind: str) -> list[Observation]:
        return [o for o in self.observations if o.kind == kind]


@dataclass
class Synthesis:
    summary: str
    personas: list[Persona]
    pain_points: list[PainPoint]
    delights: list[Delight]
    opportunities: list[Opportunity]
    contradictions: list[Contradiction]
    assumptions: list[PainPoint]
    blueprint: list[BlueprintStep]
    actions: list[Action]
    touchpoints: list[Touchpoint]
    thoughts: list[Thought]
    emotions: list[Emotion]
    notes: list[str] = field(default_factory=list)


def evidence_of(observations: Iterable[Observation]) -> list[Evidence]:
    """The observations' passages, each once: a passage inside another one of the same turn is dropped, and two
    that overlap (one widened to stand alone: "I think this is easier. Online I didn't see …" and "Online I
    didn't see … I guess …") become one, and a passage the file says again word for word in another turn is
    shown once, so no sentence is shown or counted twice."""
    out: list[Evidence] = []
    for e in (e for obs in observations for e in obs.evidence):
        same_turn = [k for k in out if (k.source_id, k.turn_index) == (e.source_id, e.turn_index)]
        if any(e.inside(k) for k in same_turn) or any(e.said_again_in(k) for k in out):
            continue
        out = [k for k in out if not k.inside(e) and not k.said_again_in(e)]
        for n, k in enumerate(out):
            if k in same_turn and (joined := _joined(k, e)) is not None:
                out[n] = joined
                break
        else:
            out.append(e)
    return out


def _joined(a: Evidence, b: Evidence) -> Evidence | None:
    """One passage for two that overlap in the same turn, neither inside the other, or None where they do not.

    Both quotes are slices of one turn as shown, so the later one's words continue the earlier one's from where
    it starts. A redacted quote is not as long as its span ("[ADDRESS]" for a street), so there the place is
    found in the shown words, and only where it is the one place they continue from.
    """
    first, second = sorted((a, b), key=lambda e: e.start)
    if second.start >= first.end or second.end <= first.end:
        return None
    if first.redacted or second.redacted:
        places = [n for n in range(1, len(first.quote)) if second.quote.startswith(first.quote[n:])]
    else:
        places = [second.start - first.start]
    if len(places) != 1 or not second.quote.startswith(first.quote[places[0] :]):
        return None
    return first.model_copy(
        update={
            "end": second.end,
            "quote": first.quote[: places[0]] + second.quote,
            "redacted": first.redacted or second.redacted,
            "flagged": first.flagged or second.flagged,
        }
    )


# ---------------------------------------------------------------------------------------------- personas


UNLISTED = "Not in the participant list"


def listed_personas(ctx: Context) -> list[Persona]:
    """The study's own groups, in the order the list gives them; each described by its members' attributes."""
    listed = {p.id.casefold(): p for p in ctx.listed}
    members: dict[str, list[str]] = {}
    for group in [*dict.fromkeys(p.group for p in ctx.listed), UNLISTED]:
        members[group] = []
    for pid in ctx.participants:
        known = listed.get(pid.casefold())
        members[known.group if known else UNLISTED].append(pid)
    return [
        Persona(
            id=f"persona{n}",
            name=group,
            description=_described(group, [listed[p.casefold()] for p in ids if p.casefold() in listed]),
            participant_ids=sorted(ids),
        )
        for n, (group, ids) in enumerate(((g, i) for g, i in members.items() if i), start=1)
    ]


def _described(group: str, people: Sequence[Participant]) -> str:
    """Who the group is, counted from the list: "Recruited as Commuters; age: 30-39 (2), 40-49 (1)."""
    if not people:
        return "Interviewed, but not in the participant list given."
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for person in people:
        for key, value in person.attributes.items():
            counts[key][value] += 1
    shown = [
        f"{key}: "
        + ", ".join(f"{value} ({n})" for value, n in sorted(values.items(), key=lambda kv: -kv[1])[:4])
        for key, values in counts.items()
    ]
    return "; ".join([f"Recruited as {group}", *shown[:4]]) + "."


def personas_for(ctx: Context) -> list[Persona]:
    """The study's own groups when a participant list is given; else each participant in the brief's segment
    the model found most likely; one group when the brief names none."""
    if ctx.listed:
        return listed_personas(ctx)
    if not ctx.segments or not ctx.segment_votes:
        return [
            Persona(
                id="persona1",
                name="Participants",
                description="Everyone interviewed (the brief names no customer groups to place them in).",
                participant_ids=sorted(ctx.participants),
            )
        ]
    members: dict[int, list[str]] = defaultdict(list)
    voted = [v for v in ctx.segment_votes.values() if len(v) == len(ctx.segments)]
    # The model leans to one letter whatever the interview; a participant goes to the segment they lean to
    # more than the others do. The lean is the median vote, not the mean: one participant who plainly fits
    # a group would pull the mean and move everyone else across the line. Whoever sits on the line (the
    # middle participant) goes where their own vote points.
    bias = [statistics.median(v[k] for v in voted) for k in range(len(ctx.segments))] if voted else []
    for pid in ctx.participants:
        votes = ctx.segment_votes.get(pid)
        if not votes or len(votes) != len(ctx.segments):
            members[0].append(pid)
            continue
        members[max(range(len(votes)), key=lambda k: (votes[k] - bias[k], votes[k]))].append(pid)
    return [
        Persona(
            id=f"persona{n}",
            name=segment.name,
            description=segment.description,
            participant_ids=sorted(members[k]),
        )
        for n, (k, segment) in enumerate(((k, s) for k, s in enumerate(ctx.segments) if members[k]), start=1)
    ]


def goals_of(ctx: Context, persona: Persona) -> list[Finding]:
    """What the persona's participants say they want or need, those several of them share first."""
    theirs = [o for o in ctx.of_kind("goal") if o.participant_id in persona.participant_ids]
    return group_observations(theirs, ctx.scores, meanings=ctx.meanings)[:GOALS_PER_PERSONA]


def described(ctx: Context, persona: Persona) -> Persona:
    """The persona with its goals in its participants' own words (from the want on, only cut), and quotes that
    show them: the goals', then how each participant said who they are (the first of theirs), then its
    participants' strongest moments."""
    goals = goals_of(ctx, persona)
    theirs = [o for o in ctx.observations if o.participant_id in persona.participant_ids]
    who: dict[str, Observation] = {}
    for obs in (o for o in theirs if o.kind == "about"):
        who.setdefault(obs.participant_id, obs)
    felt = sorted(
        (o for o in theirs if o.kind not in ("goal", "about")), key=lambda o: -ctx.scores.get(o.id, 0.0)
    )
    return persona.model_copy(
        update={
            "goals": list(dict.fromkeys(goal_statement(f.representative) for f in goals)),
            "evidence": _with_first(
                evidence_of(f.representative for f in goals), evidence_of([*who.values(), *felt])
            ),
        }
    )


def goal_statement(goal: Observation) -> str:
    """A goal as shown: the participant's words from the want on, restarts said once, cut when long."""
    return as_statement(_cut(spoken(goal_text(goal.text))))


def about_statement(about: Observation) -> str:
    """What a participant said of themselves, as shown: their sentence, what opens it saying nothing dropped."""
    return as_statement(spoken(about.text))


def _with_first(first: Sequence[Evidence], then: Sequence[Evidence]) -> list[Evidence]:
    """`first`'s passages, then those of `then` that share no words with them, up to PERSONA_QUOTES."""

    def overlaps(e: Evidence, k: Evidence) -> bool:
        return (
            (e.source_id, e.turn_index) == (k.source_id, k.turn_index) and e.start < k.end and k.start < e.end
        )

    rest = [e for e in then if not any(overlaps(e, k) for k in first)]
    return [*first, *rest][:PERSONA_QUOTES]


def _lookup(personas: Sequence[Persona]) -> dict[str, str]:
    return {pid: p.id for p in personas for pid in p.participant_ids}


def _personas_of(evidence: Iterable[Evidence], lookup: Mapping[str, str]) -> list[str]:
    return sorted({lookup[e.participant_id] for e in evidence if e.participant_id in lookup})


# ---------------------------------------------------------------------------------------------- findings


def _severity(finding: Finding, total: int) -> Severity:
    """Counted, not guessed: how many of the participants raised it."""
    share = len(finding.participants) / max(1, total)
    if len(finding.participants) >= 3 or share >= 0.5:
        return 3
    return 2 if len(finding.participants) == 2 else 1


def people_needed(participants: int) -> int:
    """How many participants a finding needs in a study of `participants`: FINDING_PEOPLE, or one where the
    study is no larger (a summary of one interview, a pair of interviews)."""
    return FINDING_PEOPLE if participants > FINDING_PEOPLE else 1


def findings_of(ctx: Context, kind: str, limit: int) -> tuple[list[Finding], int]:
    """The strongest findings of `kind` that enough participants share (`people_needed`), and how many that
    too few raised were set aside. Where fewer than `limit` are shared, as in a usability test of three or
    four people, whose problems are most often each one person's, the strongest that one participant alone
    raised come after them, up to `limit`, counted as one participant's; not one that asks ("Did you find what
    you needed?"), which in notes is most often the interviewer's line, and which two participants' moments
    would have had to share to be a finding."""
    found = [
        f
        for f in group_observations(ctx.of_kind(kind), ctx.scores, meanings=ctx.meanings)
        if not instruction_like(f.lead.text)
    ]
    return shown_findings(found, people_needed(len(ctx.participants)), limit)


def shown_findings(found: Sequence[Finding], needed: int, limit: int) -> tuple[list[Finding], int]:
    """Of ranked findings, those `needed` participants share, then one participant's that do not ask, up to
    `limit` (`findings_of`), and how many of the rest were set aside."""
    shared = [f for f in found if len(f.participants) >= needed]
    alone = [f for f in found if len(f.participants) < needed and not asks(f.lead.text)]
    alone = alone[: max(0, limit - len(shared))]
    return shared[:limit] + alone, len(found) - len(shared) - len(alone)


def set_aside_note(pains: int, delights: int, alone: int = 0) -> list[str]:
    """The map's notes on what one participant alone raised (`findings_of`): how many such findings were
    set aside, and how many are shown because fewer than the map shows were shared (`alone`)."""
    notes = []
    if pains or delights:
        what = " and ".join(
            counted(n, noun) for n, noun in ((pains, "problem"), (delights, "good moment")) if n
        )
        notes.append(
            f"Not shown as findings: {what} that one participant alone raised (a finding is what "
            f"{FINDING_PEOPLE} or more participants share). Their sentences stay in the map: in the emotion "
            "curve's evidence, or among the strong sentences no item cites."
        )
    if alone:
        notes.append(
            f"{alone} of the pain points and delights shown {'is' if alone == 1 else 'are'} one "
            f"participant's alone: fewer than the map shows were shared by {FINDING_PEOPLE} or more "
            "participants."
        )
    return notes


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# What a sentence opens with that says nothing: fillers, connectives and "like I said". "Like" alone is one only
# before a comma ("Like, it was slow."): "Like a hotel check-in, …" compares.
_FILLER = re.compile(
    r"^(?:(?:um+|uh+|er+|erm|yeah|yes|so(?!\s+(?:far|much|many|long)\b)|well|oh|and|but|or|(?:be)?cause(?!\s+of\b)"
    r"|plus|(?:like|as)\s+i\s+(?:said|say|mentioned)|like(?=\s*,)|okay|ok|i mean"
    r"|you know)\b[\s,.—–]*)+",
    re.I,
)
# What a transcriber writes about the speech, not the speech: "(laughs)", "[inaudible]", "[crosstalk 00:12]";
# not a mark that stands for words said and taken out ("[NAME]", a notetaker's "[redacted]"), which a
# statement keeps so that it does not read "… near ." or "and is tall".
_ANNOTATION = re.compile(r"\([^()\[\]]{1,30}\)|\[(?![A-Z][A-Z_]*\]|(?i:redacted|removed)\b)[^()\[\]]{1,30}\]")
KEY_CLAUSE_WORDS = STATEMENT_WORDS + 8
_BUT = re.compile(r"[,;]\s+but\s+", re.IGNORECASE)


def key_clause(text: str) -> str:
    """The sentence of a quote that says most (most content words in what is shown of it), in its own words,
    fillers, a leading connective ("Because …", "Or …") and the transcriber's notes ("(laughs)") dropped; a
    long one is cut at its last clause boundary that fits, and among sentences that say as much, a whole one
    comes first. A sentence that says something and does not open mid-thought (a pronoun pointing back, a
    question: `opens_mid_thought`) comes before one that says more but does, and of two that say as little,
    the one that does not open mid-thought comes first.

    Faithful by construction: the participant's own words, only cut.
    """
    sentences = [_unabandoned(_unhedged(s)) for s in _SENTENCE_END.split(_unannotated(text)) if s]
    if not sentences:
        return as_statement(text)
    # Sentences compare by what their statement would show, so a long one cut short of its point ("I was
    # worried about the stairs at the station …", before "and she phoned ahead") does not outrank one that says
    # as much whole.
    shown = [_cut(sentence) for sentence in sentences]
    chosen = max(shown, key=_clause_rank)
    return as_statement(chosen)


def _unannotated(text: str) -> str:
    """`text` without the transcriber's notes ("(laughs)"), the colons a machine transcript puts between
    caption segments and the quote marks a notes answer's lines open with, its spaces made single."""
    return " ".join(without_lone_marks(_ANNOTATION.sub(" ", text)).split())


def spoken(sentence: str) -> str:
    """One sentence as a statement shows it: a phrase restarted after a comma said once, and the fillers and
    connectives it opens with ("(laughs) But it felt like …" → "it felt like …") dropped. Only cut."""
    return _unhedged(_unannotated(sentence))


def _unhedged(sentence: str) -> str:
    """A sentence (its notes already gone) with what was said twice said once (`said_once`) and its opening
    fillers dropped."""
    return _FILLER.sub("", said_once(sentence)) or sentence


def _unabandoned(sentence: str) -> str:
    """`sentence` without a clause at its end that the speaker abandoned (`wording.unabandoned`)."""
    return unabandoned(sentence, SAYS_WHAT)


def _cut(sentence: str) -> str:
    """`sentence`, or where it is longer than KEY_CLAUSE_WORDS, cut short (`cut_short`). A cut that would keep
    only what a "but" turns from ("This is not confusing to me, but I'd imagine that someone who's not technical
    wouldn't know how to see how big their file is.") shows the clause after it: that is the speaker's point."""
    cut = cut_short(sentence, KEY_CLAUSE_WORDS, shortest=6, fallback=STATEMENT_WORDS)
    if not cut.endswith(CUT_MARK):
        return cut
    kept = len(cut.removesuffix(CUT_MARK).split())
    for turn in reversed(list(_BUT.finditer(sentence))):
        point = sentence[turn.end() :]
        if len(sentence[: turn.start()].split()) >= kept and len(content_words(point)) >= SAYS_WHAT:
            return cut_short(point, KEY_CLAUSE_WORDS, shortest=6, fallback=STATEMENT_WORDS)
    return cut


def _clause_rank(clause: str) -> tuple[bool, bool, int, bool, bool]:
    """How a clause ranks as a statement: says something without opening mid-thought, then does not break
    off mid-phrase (`breaks_off`), then says most, then is whole, then (of two that say as little) does not
    open mid-thought."""
    says, midway = len(content_words(clause)), opens_mid_thought(clause)
    return (
        says >= SAYS_WHAT and not midway,
        not breaks_off(clause),
        says,
        not clause.endswith(CUT_MARK),
        not midway,
    )


def _says_something(sentence: str) -> bool:
    """Whether a sentence says what it is about (SAYS_WHAT content words) without opening mid-thought."""
    return _clause_rank(sentence)[0]


def name_items(runtime: Runtime, items: Sequence[tuple[str, str]], *, step: str) -> list[str]:
    """A one-sentence name for each (kind, quote), written from the quote alone (no other context to drift to)."""
    if not items:
        return []
    prompt = render_prompt("name")
    questions = [render_block("name", "question", kind=kind, quotes=[text]) for kind, text in items]
    return complete_each(runtime, prompt, questions, max_words=NAME_WORDS, step=step)


def names_for(runtime: Runtime, observations: Sequence[Observation]) -> dict[str, str]:
    """Observation id -> a one-sentence name written from its quote alone.

    A name that adds words its quote does not hold (a small model drifts to details no one said, or guesses
    what "it" was: "The service was quick and easy."), or that tells of "the customer" instead of what
    happened, gives way to the quote's key clause.
    """
    wanted = list({o.id: o for o in observations}.values())
    names = name_items(runtime, [(o.kind, o.text) for o in wanted], step="name")
    return {o.id: claim_of(o, _kept_name(o, name)) for o, name in zip(wanted, names, strict=True)}


def _kept_name(observation: Observation, name: str) -> str:
    """The model's name as a statement where it says only what its quote says, not "the customer …" (nor "the
    participant's" where the quote says "my"), nothing twice, in no more words than it was asked for, else the
    quote's key clause. A name far longer than asked has not summed its quote up: it retells what the
    participant read out or said, and can turn it around ("… are not eligible" for a page the participant
    found confusing)."""
    stated = as_statement(spoken(name))
    if (
        2 <= len(name.split()) <= NAME_WORDS
        and supported_share(name, observation.text, referents=True) >= SUPPORTED_WORDS
        and not of_the_speaker(stated, observation.text)
        and not repeats_itself(stated)
        and not breaks_off(stated)
        and not takes_a_side(stated, observation.text)
    ):
        return stated
    return key_clause(observation.text)


def claim_of(observation: Observation, written: str) -> str:
    """`written` (a name or a key clause), or where it asks instead of saying ("Isn't that a bit odd?"), the
    key clause of what the observation, or else its shown quote, says besides its questions, one that says
    what it is about first (`_says_something`). A finding is a claim, and the quote, widened to stand alone
    (`ground.widen`), most often says next what the question was about ("I rang them to find out I could do
    it online.")."""
    if not asks(written):
        return written
    texts = [observation.text, " ".join(e.quote for e in observation.evidence)]
    claims = [" ".join(s for s in _SENTENCE_END.split(" ".join(t.split())) if not asks(s)) for t in texts]
    clauses = [key_clause(c) for c in claims if c]
    fullest = [c for c in clauses if _says_something(c)] or sorted(clauses, key=_clause_rank, reverse=True)
    return fullest[0] if fullest else written


def statement_of(observation: Observation, names: Mapping[str, str]) -> str:
    """The observation's name, or its key clause where it was not named."""
    return names.get(observation.id) or claim_of(observation, key_clause(observation.text))


def statements_of(findings: Sequence[Finding], names: Mapping[str, str]) -> list[str]:
    """Each finding worded as the name of the observation that speaks for it (`Finding.representative`)."""
    return [statement_of(f.representative, names) for f in findings]


def pain_points_for(
    ctx: Context, findings: Sequence[Finding], statements: Sequence[str], lookup: Mapping[str, str]
) -> list[PainPoint]:
    points = []
    for n, (finding, statement) in enumerate(zip(findings, statements, strict=True), start=1):
        evidence = evidence_of(finding.voice_first)
        points.append(
            PainPoint(
                id=f"pain{n}",
                stage_id=finding.stage_id,
                statement=statement,
                persona_ids=_personas_of(evidence, lookup),
                severity=_severity(finding, len(ctx.participants)),
                evidence=evidence,
            )
        )
    return points


def delights_for(
    ctx: Context, findings: Sequence[Finding], statements: Sequence[str], lookup: Mapping[str, str]
) -> list[Delight]:
    return [
        Delight(
            id=f"delight{n}",
            stage_id=p.stage_id,
            statement=p.statement,
            persona_ids=p.persona_ids,
            severity=p.severity,
            evidence=p.evidence,
        )
        for n, p in enumerate(pain_points_for(ctx, findings, statements, lookup), start=1)
    ]


def names_its_problem(opportunity: str, pain: PainPoint) -> bool:
    """Whether an improvement names something of the problem it is to fix (a content word of the pain point's
    statement or quotes): one that names nothing of it was worded from elsewhere, most often the brief's own
    hypothesis ("Explain Standard and Cargo on the pricing page" for a battery that dies in the cold)."""
    said = content_words(" ".join([pain.statement, *(e.quote for e in pain.evidence)]))
    return any(_same_root(word, other) for word in content_words(opportunity) for other in said)


def _same_root(a: str, b: str) -> bool:
    """One word, or two forms of one ("cancellation" and "cancelling", "simple" and "simpler"): the same
    first five letters of words of six or more."""
    return a == b or (min(len(a), len(b)) >= ROOT_LETTERS + 1 and a[:ROOT_LETTERS] == b[:ROOT_LETTERS])


def opportunities_for(runtime: Runtime, ctx: Context, pains: Sequence[PainPoint]) -> list[Opportunity]:
    """One improvement per main pain point, worded by the model; it addresses that pain point by id, and is
    kept where it names something of it."""
    chosen = list(pains[:MAX_OPPORTUNITIES])
    if not chosen:
        return []
    prompt = render_prompt("opportunity", brief=ctx.brief, map_type=ctx.map_type)
    questions = [
        render_block(
            "opportunity",
            "question",
            statement=p.statement,
            quotes=[first_words(e.quote, QUOTE_WORDS) for e in p.evidence[:OPPORTUNITY_QUOTES]],
        )
        for p in chosen
    ]
    answers = complete_each(runtime, prompt, questions, max_words=STATEMENT_WORDS, step="opportunities")
    out: list[Opportunity] = []
    for pain, answer in zip(chosen, answers, strict=True):
        statement = as_statement(answer)
        if (
            len(statement.split()) < 3
            or instruction_like(statement)
            or not names_its_problem(statement, pain)
        ):
            continue
        out.append(
            Opportunity(
                id=f"opportunity{len(out) + 1}",
                statement=statement,
                addresses=[pain.id],
                evidence=pain.evidence[:2],
            )
        )
    return out


@dataclass(frozen=True)
class Opposed:
    """Participants who feel opposite about one thing: each side strongest first."""

    pains: tuple[Observation, ...]
    delights: tuple[Observation, ...]


def opposed_pairs(runtime: Runtime, ctx: Context) -> list[Opposed]:
    """Problems and good moments of different people about the same thing.

    Where the labels were read from states, by what they mean, in code: the embedded model's answers to
    "same thing, opposite feelings?" were measured to be no better than chance (evals/README.md), and two
    quotes whose meanings lie this close are about one thing. Each side then takes the other participants
    whose moments of its kind mean what its first one means and are about the same thing too, and a pair is
    shown when its sides hold CONTRADICTION_PEOPLE people together.
    Otherwise each likely pair is put to the model (`judged_pairs`)."""
    pains, delights = ctx.of_kind("pain"), ctx.of_kind("delight")
    if not all_meant([*pains, *delights], ctx.meanings):
        return [Opposed((p,), (d,)) for p, d in judged_pairs(runtime, ctx)]

    def alike(a: Observation, b: Observation) -> float:
        return cosine(ctx.meanings[a.id], ctx.meanings[b.id])

    pairs = sorted(
        ((alike(p, d), p, d) for p in pains for d in delights if p.participant_id != d.participant_id),
        key=lambda x: -x[0],
    )
    used: set[str] = set()
    found: list[Opposed] = []
    for score, pain, delight in pairs:
        if score < OPPOSED_MEANING or len(found) == MAX_CONTRADICTIONS:
            break
        if pain.id in used or delight.id in used:
            continue
        used.update((pain.id, delight.id))
        pain_side = _side(ctx, pain, delight, used, alike, away={delight.participant_id})
        away = {o.participant_id for o in pain_side}
        opposed = Opposed(pain_side, _side(ctx, delight, pain, used, alike, away=away))
        used.update(o.id for o in (*opposed.pains, *opposed.delights))
        if len({o.participant_id for o in (*opposed.pains, *opposed.delights)}) >= CONTRADICTION_PEOPLE:
            found.append(opposed)
    return found


def _side(
    ctx: Context,
    seed: Observation,
    other: Observation,
    used: set[str],
    alike: Callable[[Observation, Observation], float],
    *,
    away: set[str],
) -> tuple[Observation, ...]:
    """`seed` and, one each, the other participants (none `away`) whose moments of its kind mean what it
    means and are about what `other` is about; most alike first."""
    mean_it = [
        (alike(o, seed), o)
        for o in ctx.of_kind(seed.kind)
        if o.id not in used and o.participant_id not in away
    ]
    joined = sorted(
        (
            (score, o)
            for score, o in mean_it
            if score >= SAME_SIDE_MEANING and alike(o, other) >= ABOUT_THE_SAME
        ),
        key=lambda x: -x[0],
    )
    members = [seed]
    for _, o in joined:
        if len(members) < SIDE_MEMBERS and o.participant_id not in {m.participant_id for m in members}:
            members.append(o)
    return tuple(members)


def judged_pairs(runtime: Runtime, ctx: Context) -> list[tuple[Observation, Observation]]:
    """(pain, delight) pairs by different people that share words or a stage, each confirmed by the model."""
    pains, delights = ctx.of_kind("pain"), ctx.of_kind("delight")
    pairs = [
        (similarity(p, d), p, d) for p in pains for d in delights if p.participant_id != d.participant_id
    ]
    # Same stage, or about the same thing: the model then judges each pair.
    candidates = sorted(
        (x for x in pairs if x[1].stage_id == x[2].stage_id or x[0] >= CONTRADICTION_SIMILARITY),
        key=lambda x: -x[0],
    )
    used: set[str] = set()
    shortlist = []
    for _, pain, delight in candidates:
        # Each observation is put to the model once, with the most alike observation of the other sign.
        if pain.id in used or delight.id in used:
            continue
        used.update((pain.id, delight.id))
        shortlist.append((pain, delight))
    shortlist = shortlist[:SHORTLIST]
    if not shortlist:
        return []
    prompt = render_prompt("contradiction")
    questions = [
        render_block(
            "contradiction",
            "question",
            a_id=d.participant_id,
            a_quote=" ".join(d.evidence[0].quote.split()),
            b_id=p.participant_id,
            b_quote=" ".join(p.evidence[0].quote.split()),
        )
        for p, d in shortlist
    ]
    answers = choose(runtime, prompt, questions, ("A", "B"), step="contradictions")
    # A yes counts when it is a yes and stands out from the model's usual answer to such pairs.
    usual = sum(a[0] for a in answers) / len(answers) if len(answers) >= MIN_FOR_DEBIAS else 0.0
    confirmed = [
        pair
        for pair, (yes, _no) in sorted(zip(shortlist, answers, strict=True), key=lambda x: -x[1][0])
        if yes >= 0.5 and yes >= usual + CONFIRM_MARGIN
    ]
    return confirmed[:MAX_CONTRADICTIONS]


def contradictions_from(opposed: Sequence[Opposed], names: Mapping[str, str]) -> list[Contradiction]:
    """Each pair of opposite sides as a contradiction, each side worded by the name of its first moment."""
    out: list[Contradiction] = []
    for pair in opposed:
        delight, pain = pair.delights[0], pair.pains[0]
        said = {o.id: statement_of(o, names) for o in (pain, delight)}
        sides = [
            ContradictionSide(
                participant_ids=sorted({o.participant_id for o in members}),
                statement=said[members[0].id],
                evidence=evidence_of(members)[:SIDE_MEMBERS],
            )
            for members in (pair.delights, pair.pains)
        ]
        out.append(
            Contradiction(
                id=f"contradiction{len(out) + 1}",
                stage_id=delight.stage_id,
                what=f"{delight.participant_id}: {said[delight.id]} {pain.participant_id}: {said[pain.id]}",
                sides=sides,
                evidence=sides[0].evidence[:1] + sides[1].evidence[:1],
            )
        )
    return out


def assumptions_for(ctx: Context, pains: Sequence[PainPoint]) -> list[PainPoint]:
    """What the brief suspects and no interview shows stays an assumption."""
    out: list[PainPoint] = []
    for claim in ctx.suspected:
        words = content_words(claim)
        shown = any(
            overlap(words, content_words(p.statement + " " + " ".join(e.quote for e in p.evidence)))
            >= SUPPORTED
            for p in pains
        )
        if shown or instruction_like(claim):
            continue
        stage = max(ctx.stages, key=lambda s: overlap(words, content_words(f"{s.name} {s.description}")))
        out.append(
            PainPoint(
                id=f"assumption{len(out) + 1}",
                stage_id=stage.id,
                statement=as_statement(claim),
                basis="assumption",
            )
        )
    return out


def blueprint_for(runtime: Runtime, ctx: Context) -> list[BlueprintStep]:
    """Service blueprint lanes: what the company does behind each stage, as the model's short hypotheses."""
    return blueprint_steps(runtime, ctx.brief, ctx.stages, ctx.map_type)


# ------------------------------------------------------------------------------------------- stage lanes


def action_findings(ctx: Context) -> list[Finding]:
    """The most shared actions of each stage. Two people's answers to one question are two steps ("I called",
    "I went online"), so steps join only when they say the same, not for the question they answer."""
    findings = []
    for stage in ctx.stages:
        here = [o for o in ctx.of_kind("action") if o.stage_id == stage.id]
        findings += group_observations(here, ctx.scores, threshold=SAME_STEP, question_weight=0.0)[
            :ACTIONS_PER_STAGE
        ]
    return findings


def stage_lanes(
    ctx: Context, personas: Sequence[Persona], done: Sequence[Finding]
) -> tuple[list[Action], list[Touchpoint], list[Emotion]]:
    lookup = _lookup(personas)
    touchpoints: list[Touchpoint] = []
    emotions: list[Emotion] = []
    actions: list[Action] = []
    for n, finding in enumerate(done, start=1):
        evidence = evidence_of(finding.voice_first)
        actions.append(
            Action(
                id=f"action{n}",
                stage_id=finding.stage_id,
                # The step in the participant's own words: an action is never reworded.
                text=action_text(finding.representative.text),
                persona_ids=_personas_of(evidence, lookup),
                evidence=evidence,
            )
        )
    for stage in ctx.stages:
        here = [o for o in ctx.observations if o.stage_id == stage.id]
        by_channel: dict[ChannelKind, list[Observation]] = defaultdict(list)
        for obs in here:
            for kind in channels_in(" ".join(e.quote for e in obs.evidence)):
                by_channel[kind].append(obs)
        for kind, group in by_channel.items():
            evidence = evidence_of(group)
            touchpoints.append(
                Touchpoint(
                    id=f"touchpoint{len(touchpoints) + 1}",
                    stage_id=stage.id,
                    kind=kind,
                    name=channel_name(kind, [e.quote for o in group for e in o.evidence]),
                    persona_ids=_personas_of(evidence, lookup),
                    evidence=evidence[:4],
                )
            )
        for persona in personas:
            felt = [
                o
                for o in here
                if o.kind in ("pain", "delight") and lookup.get(o.participant_id) == persona.id
            ]
            if not felt:
                continue
            pains = sum(1 for o in felt if o.kind == "pain")
            leans = participant_leans(felt)
            emotions.append(
                Emotion(
                    id=f"emotion{len(emotions) + 1}",
                    stage_id=stage.id,
                    persona_id=persona.id,
                    score=emotion_score(leans),
                    note=f"{counted(pains, 'problem')} and {counted(len(felt) - pains, 'good moment')} from "
                    f"{counted(len(leans), 'participant')}: {leans.count(1)} leaned to good moments, "
                    f"{leans.count(-1)} to problems",
                    evidence=evidence_of(felt)[:6],
                )
            )
    return actions, touchpoints, emotions


def thoughts_for(ctx: Context, lookup: Mapping[str, str]) -> list[Thought]:
    """Each stage's most charged thoughts, one per participant, in the participant's own words."""
    thoughts: list[Thought] = []
    for stage in ctx.stages:
        here = sorted(
            (o for o in ctx.of_kind("thought") if o.stage_id == stage.id),
            key=lambda o: -ctx.scores.get(o.id, 0.0),
        )
        strongest: dict[str, Observation] = {}
        for obs in here:
            strongest.setdefault(obs.participant_id, obs)
        for obs in list(strongest.values())[:LANE_ITEMS_PER_STAGE]:
            thoughts.append(
                Thought(
                    id=f"thought{len(thoughts) + 1}",
                    stage_id=stage.id,
                    # The participant's own words, as spoken: what opens it without saying anything goes.
                    text=as_statement(spoken(obs.text)),
                    persona_ids=_personas_of(obs.evidence, lookup),
                    evidence=obs.evidence,
                )
            )
    return thoughts


def participant_leans(felt: Sequence[Observation]) -> list[int]:
    """Each participant's lean among these moments, in order of first mention: +1 for more good moments than
    problems, -1 for fewer, 0 for as many."""
    balance: dict[str, int] = {}
    for obs in felt:
        balance[obs.participant_id] = balance.get(obs.participant_id, 0) + (
            1 if obs.kind == "delight" else -1
        )
    return [(b > 0) - (b < 0) for b in balance.values()]


def emotion_score(leans: Sequence[int]) -> Score:
    """A stage's mood on -2..2 from its participants' leans (`participant_leans`): each participant counts once,
    however many moments they gave, as evidence is counted everywhere else.

    The leans' sum over one more than their number, doubled: one participant alone moves the curve to ±1, three
    or more who all lean one way to ±2, as many each way leaves it at 0; any lean shows as at least ±1 (a curve
    flattened by rounding says nothing), and halves round away from zero.
    """
    if not leans:
        return 0
    lean = 2 * sum(leans) / (len(leans) + 1)
    if lean == 0:
        return 0
    return cast(Score, int(math.copysign(max(1, min(2, math.floor(abs(lean) + 0.5))), lean)))


def summary_for(ctx: Context, pains: Sequence[PainPoint], delights: Sequence[Delight]) -> str:
    """Two sentences a reader can check against the items below (counted, not written by the model)."""
    parts = [f"{counted(len(ctx.participants), 'interview')}."]
    lanes: tuple[tuple[str, Sequence[PainPoint | Delight]], ...] = (
        ("Main problem", pains),
        ("What works best", delights),
    )
    for label, items in lanes:
        if items:
            # The item most participants raise, then the one with most quotes, then the first shown (the
            # items come ranked; `max` keeps the first of equals).
            top = max(items, key=lambda i: (len({e.participant_id for e in i.evidence}), len(i.evidence)))
            people = len({e.participant_id for e in top.evidence})
            parts.append(f"{label} ({counted(people, 'participant')}): {top.statement}")
    return " ".join(parts)


def synthesize(runtime: Runtime, ctx: Context) -> Synthesis:
    personas = [described(ctx, p) for p in personas_for(ctx)]
    lookup = _lookup(personas)
    pain_findings, lone_pains = findings_of(ctx, "pain", MAX_PAINS)
    delight_findings, lone_delights = findings_of(ctx, "delight", MAX_DELIGHTS)
    # One participant's findings shown where fewer were shared (`findings_of`), for the map's notes.
    needed, findings = people_needed(len(ctx.participants)), (*pain_findings, *delight_findings)
    done = action_findings(ctx)
    opposed = opposed_pairs(runtime, ctx)
    shown = [f.representative for f in (*pain_findings, *delight_findings)] + [
        o for pair in opposed for o in (pair.pains[0], pair.delights[0])
    ]
    names = names_for(runtime, shown)
    pains = pain_points_for(ctx, pain_findings, statements_of(pain_findings, names), lookup)
    delights = delights_for(ctx, delight_findings, statements_of(delight_findings, names), lookup)
    actions, touchpoints, emotions = stage_lanes(ctx, personas, done)
    return Synthesis(
        summary=summary_for(ctx, pains, delights),
        personas=personas,
        pain_points=pains,
        delights=delights,
        opportunities=opportunities_for(runtime, ctx, pains),
        contradictions=contradictions_from(opposed, names),
        assumptions=assumptions_for(ctx, pains),
        blueprint=blueprint_for(runtime, ctx),
        actions=actions,
        touchpoints=touchpoints,
        thoughts=thoughts_for(ctx, lookup),
        emotions=emotions,
        notes=set_aside_note(lone_pains, lone_delights, sum(len(f.participants) < needed for f in findings)),
    )

"""What the map says in its own words, checked against what it quotes: statement faithfulness, invented
entities, and the summary.

- **Faithfulness** of a statement is the share of its content words (stemmed, `words.py`) that its own
  verified quotes or the brief use. Quotes that cannot be found in the sources, or that lie in an interviewer
  turn, support nothing. It is a lexical floor: a fair paraphrase ("winter" for "freezing") counts against the
  statement, so 1.0 is not required, but a word no quote has, like an invented object, is listed.
- **Invented entities** are the numbers and the capitalised words inside a sentence (not its first word) of a
  statement that neither its quotes nor the brief mention. A number may also be one of the map's own counts
  of that item (its participants or quotes), and the summary's may count the map's own parts. No
  part-of-speech tagger: lower-case nouns show up only in the unsupported words.
- The **summary** is supported by every verified quote of the map and the brief; its check asks whether it
  names the top pain point and the top delight (most participants, then most quotes, then map order), gives
  each one's count in the sentence that names it, and whether both items are faithful.

Words that name the research itself ("participant", "problem", "main") are not counted either way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from cjgen.eval.locate import CaseSources
from cjgen.eval.metrics import Summable
from cjgen.eval.words import (
    FUNCTION_WORDS,
    MAP_VOCABULARY,
    content_words,
    letter_runs,
    numbers,
    stem,
    stems,
)
from cjgen.schema import Delight, Evidence, Item, JourneyMap, PainPoint

# A statement this faithful, with no invented entity, is one a reviewer can sign (the target for the map).
FAITHFUL = 0.8
# The summary names an item when it uses this share of the item's statement's content words.
NAMED_SHARE = 0.75

LANES = ("pain_points", "delights", "actions", "thoughts", "summary")

_SENTENCE_BREAK = re.compile(r"(?<=[.!?:;])\s+|\s*[()]\s*")
_WORD = re.compile(r"[^\W\d_]{2,}|\d+(?:[.,]\d+)*")


class StatementCheck(BaseModel):
    """One statement of the map and what its quotes and the brief leave unsupported."""

    lane: str
    id: str
    faithfulness: float | None = Field(description="Share of content words supported; None when it has none.")
    words: int = 0
    unsupported: list[str] = Field(default_factory=list)
    invented: list[str] = Field(default_factory=list, description="Numbers and names no quote mentions.")


class LaneFaithfulness(Summable):
    """One lane's statements: the mean faithfulness over those with content words, and invented entities."""

    items: int = 0
    scored: int = 0
    faithfulness_sum: float = 0.0
    faithful: int = Field(0, description=f"Statements at faithfulness >= {FAITHFUL} with nothing invented.")
    invented: int = 0

    @property
    def faithfulness(self) -> float | None:
        return self.faithfulness_sum / self.scored if self.scored else None

    def add(self, check: StatementCheck) -> None:
        self.items += 1
        self.invented += len(check.invented)
        if check.faithfulness is not None:
            self.scored += 1
            self.faithfulness_sum += check.faithfulness
        self.faithful += _signable(check)


def _signable(check: StatementCheck) -> bool:
    return check.faithfulness is not None and check.faithfulness >= FAITHFUL and not check.invented


class SummaryCheck(BaseModel):
    """Whether the summary names the top pain point and delight with their counts, and both are faithful.

    A field is None when the map has no observed item of that kind, so there is nothing to name.
    """

    pain_id: str | None = None
    pain_named: bool | None = None
    pain_counted: bool | None = None
    pain_faithful: bool | None = None
    delight_id: str | None = None
    delight_named: bool | None = None
    delight_counted: bool | None = None
    delight_faithful: bool | None = None

    @property
    def failures(self) -> list[str]:
        labels = {"named": "not named", "counted": "no count", "faithful": "not faithful"}
        return [
            f"{kind} {label}"
            for kind in ("pain", "delight")
            for field, label in labels.items()
            if getattr(self, f"{kind}_{field}") is False
        ]

    @property
    def checked(self) -> bool:
        """False when the map has no observed pain point or delight to name."""
        return self.pain_id is not None or self.delight_id is not None

    @property
    def passed(self) -> bool:
        return self.checked and not self.failures


class StatementScore(BaseModel):
    lanes: dict[str, LaneFaithfulness] = Field(default_factory=dict)
    checks: list[StatementCheck] = Field(default_factory=list)
    summary: SummaryCheck = Field(default_factory=SummaryCheck)

    @property
    def invented(self) -> int:
        return sum(lane.invented for lane in self.lanes.values())


@dataclass(frozen=True)
class Support:
    """The words a statement may use: content stems, every word as written, and numbers."""

    stems: frozenset[str]
    words: frozenset[str]
    numbers: frozenset[str]

    @classmethod
    def of(cls, texts: Sequence[str], counts: Iterable[int] = ()) -> Support:
        return cls(
            stems=frozenset(stems(texts)),
            words=frozenset(w for t in texts for w in letter_runs(t)),
            numbers=frozenset({n for t in texts for n in numbers(t)} | {str(c) for c in counts}),
        )

    def __or__(self, other: Support) -> Support:
        return Support(self.stems | other.stems, self.words | other.words, self.numbers | other.numbers)


def check_statement(lane: str, item_id: str, statement: str, support: Support) -> StatementCheck:
    words = content_words(statement, MAP_VOCABULARY)
    unsupported = [w.text for w in words if w.stem not in support.stems]
    return StatementCheck(
        lane=lane,
        id=item_id,
        faithfulness=(len(words) - len(unsupported)) / len(words) if words else None,
        words=len(words),
        unsupported=unsupported,
        invented=invented_entities(statement, support),
    )


def invented_entities(statement: str, support: Support) -> list[str]:
    """Numbers, and capitalised words past a sentence's first, that the support does not mention."""
    found: list[str] = []
    text = unicodedata.normalize("NFKC", statement)
    for sentence in _SENTENCE_BREAK.split(text):
        for k, token in enumerate(_WORD.findall(sentence)):
            if token[0].isdigit():
                if not numbers(token) <= support.numbers:
                    found.append(token)
                continue
            lower = token.casefold()
            if k == 0 or not token[0].isupper() or lower in FUNCTION_WORDS:
                continue
            if lower in support.words or stem(lower) in support.stems or stem(lower) in MAP_VOCABULARY:
                continue
            found.append(token)
    return list(dict.fromkeys(found))


def _verified(evidence: Iterable[Evidence], sources: CaseSources) -> list[str]:
    return [e.quote for e in evidence if sources.participant_span(e) is not None]


def _counts(item: Item) -> tuple[int, int]:
    return item.participant_count, item.quote_count


def _statements(journey: JourneyMap) -> list[tuple[str, Item, str]]:
    return [
        *(("pain_points", p, p.statement) for p in journey.pain_points),
        *(("delights", d, d.statement) for d in journey.delights),
        *(("actions", a, a.text) for a in journey.actions),
        *(("thoughts", t, t.text) for t in journey.thoughts),
    ]


def _parts(journey: JourneyMap) -> list[Sequence[object]]:
    return [
        journey.stages,
        journey.personas,
        journey.pain_points,
        journey.delights,
        journey.actions,
        journey.touchpoints,
        journey.thoughts,
        journey.opportunities,
    ]


def score_statements(
    journey: JourneyMap, sources: CaseSources, brief: str, interviews: int
) -> StatementScore:
    """Every statement of the map; the summary may also give the number of interviews."""
    score = StatementScore(lanes={lane: LaneFaithfulness() for lane in LANES})
    by_id: dict[str, StatementCheck] = {}
    by_brief = Support.of([brief])
    every_count: set[int] = {interviews, len({e.participant_id for e in journey.all_evidence()})}
    for lane, item, statement in _statements(journey):
        quotes = _verified(item.evidence, sources)
        every_count |= set(_counts(item))
        check = check_statement(lane, item.id, statement, Support.of(quotes, _counts(item)) | by_brief)
        score.lanes[lane].add(check)
        score.checks.append(check)
        by_id[f"{lane}:{item.id}"] = check
    if journey.summary.strip():
        # The summary counts the map's own parts ("6 stages, 3 customer groups and 12 problems to test, 2 of
        # them suspected by the brief"): any number up to its longest list may count some of them.
        every_count |= set(range(max(map(len, _parts(journey))) + 1))
        every_quote = _verified(journey.all_evidence(), sources)
        check = check_statement(
            "summary", "summary", journey.summary, Support.of(every_quote, every_count) | by_brief
        )
        score.lanes["summary"].add(check)
        score.checks.append(check)
    score.summary = check_summary(journey, by_id)
    return score


def top_item(items: Sequence[PainPoint | Delight]) -> PainPoint | Delight | None:
    """The observed item most participants raise; ties go to more quotes, then to the one shown first."""
    observed = [item for item in items if item.basis == "observed"]
    if not observed:
        return None
    return max(observed, key=lambda item: _counts(item))  # `max` keeps the first of equals


def check_summary(journey: JourneyMap, checks: dict[str, StatementCheck]) -> SummaryCheck:
    fields: dict[str, str | bool] = {}
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", journey.summary) if s.strip()]
    kinds: list[tuple[str, str, Sequence[PainPoint | Delight]]] = [
        ("pain", "pain_points", journey.pain_points),
        ("delight", "delights", journey.delights),
    ]
    for kind, lane, items in kinds:
        top = top_item(items)
        if top is None:
            continue
        wanted = {w.stem for w in content_words(top.statement, MAP_VOCABULARY)}
        overlaps = [(len(wanted & stems([s])), s) for s in sentences]
        shared, sentence = max(overlaps, key=lambda o: o[0], default=(0, ""))
        named = bool(wanted) and shared / len(wanted) >= NAMED_SHARE
        check = checks.get(f"{lane}:{top.id}")
        fields |= {
            f"{kind}_id": top.id,
            f"{kind}_named": named,
            f"{kind}_counted": named and bool({str(c) for c in _counts(top)} & numbers(sentence)),
            f"{kind}_faithful": check is not None and _signable(check),
        }
    return SummaryCheck.model_validate(fields)


# ============================================================================================= researcher wording


class WordingScore(Summable):
    """Whether a finding says what the researchers wrote about it: over the pain points and delights matched
    to a gold item, the share of the statement's content stems (words naming the research left out) that the
    gold item's own statement uses. A quote's key clause ("In person, the kiosks were not working.") shares a
    word or two with the researchers' theme; a statement at their level shares most of its words."""

    items: int = Field(0, description="Matched pain points and delights whose statement has a content word.")
    share_sum: float = 0.0
    words: list[str] = Field(default_factory=list, description="'id: statement / gold id: share'.")

    @property
    def share(self) -> float | None:
        return self.share_sum / self.items if self.items else None


def score_wording(
    journey: JourneyMap, gold_statements: dict[str, str], pairs: dict[str, str]
) -> WordingScore:
    """`pairs`: predicted item id -> the gold item id it is matched to; `gold_statements`: gold id -> its
    statement."""
    statements = {p.id: p.statement for p in journey.pain_points} | {
        d.id: d.statement for d in journey.delights
    }
    score = WordingScore()
    for item_id, gold_id in pairs.items():
        said = {w.stem for w in content_words(statements.get(item_id, ""), MAP_VOCABULARY)}
        if not said:
            continue
        wrote = {w.stem for w in content_words(gold_statements.get(gold_id, ""), MAP_VOCABULARY)}
        share = len(said & wrote) / len(said)
        score.items += 1
        score.share_sum += share
        score.words.append(f"{item_id} / {gold_id}: {share:.2f}")
    return score

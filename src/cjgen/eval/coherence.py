"""Whether each shown item says one thing: item coherence, and items that say nothing.

- **Item coherence** is the B-cubed precision of an item's quotes against the gold items. Each verified quote
  of an observed pain point or delight is located to the gold pain points and delights (both kinds) whose
  evidence it overlaps; two quotes agree when they share a gold item. A quote's precision is the share of the
  item's located quotes that agree with it, and an item's coherence the mean over its located quotes. So an
  item citing two quotes of one gold problem and two of another scores 0.5, and one citing a delight's quote
  under a pain point scores low too.
- A quote that overlaps no gold quote but lies in a participant turn whose gold quotes all belong to one gold
  item is located to that item (another sentence of the same answer). Quotes still unplaced are **left out**
  of the precision and counted as `unlocated`: gold lists a few quotes per finding, so a quote outside them
  may still be on topic, and counting each as a class of its own would punish a coherent item for citing
  more than the gold. The figure is therefore an upper bound over the quotes it cannot place; `located` says
  how many it could.
- A kind's coherence is B-cubed over all its located quotes (each quote weighs the same), summed over cases
  for the overall figure.
- **Statement fit** asks whether the statement speaks for the item's quotes. The quote a statement is
  worded from is the item's quote that holds most of the statement's content words; its fit is the share of
  the item's located quotes that share a gold item with it (1.0: every located quote is about what the
  statement says). Items whose statement quote cannot be placed are left out (`fitted` counts the rest).
- **Empty items** are defects a reviewer sees at once: a pain point, delight, action or thought whose
  statement says nothing was found ("No specific problems mentioned") or has no content word ("For some."),
  or an observed one with no quote, or an assumption that asks instead of claiming ("Who is the target
  audience?", a research plan's question read as a suspected problem). A **thin** one is observed and quoted
  but does not say what it is about ("That's very difficult.", "I love this.": fewer than two content words
  once words that only judge, such as "difficult" or "love", are set aside); it is counted apart, and so is a
  **disfluent** one, which keeps what a transcript holds and a report would not print ("I went to the to the
  website", "…, I mean, …", "You know, …", a caption's lone colon).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from cjgen.eval.gold import GoldCase, GoldPoint
from cjgen.eval.locate import CaseSources, Span, normalise
from cjgen.eval.metrics import Summable
from cjgen.eval.words import MAP_VOCABULARY, content_words, stem
from cjgen.schema import Item, JourneyMap
from cjgen.wording import CUT_MARK, breaks_off, opens_mid_thought


class ItemCoherence(BaseModel):
    kind: str
    id: str
    quotes: int
    located: int = Field(description="Quotes placed with a gold pain point or delight (overlap or turn).")
    coherence: float | None = Field(description="Mean B-cubed precision of its located quotes.")
    gold: list[str] = Field(default_factory=list, description="The gold items its quotes overlap.")


class KindCoherence(Summable):
    """One kind's items; sums, so cases add up."""

    items: int = Field(0, description="Observed items with at least one located quote.")
    quotes: int = 0
    located: int = 0
    precision_sum: float = 0.0
    mixed: int = Field(0, description="Items whose located quotes belong to more than one gold item.")
    fit_sum: float = 0.0
    fitted: int = Field(0, description="Items whose statement's own quote is placed with a gold item.")

    @property
    def coherence(self) -> float | None:
        return self.precision_sum / self.located if self.located else None

    @property
    def statement_fit(self) -> float | None:
        """Mean over items of the share of located quotes about what the statement's own quote is about."""
        return self.fit_sum / self.fitted if self.fitted else None

    @property
    def unlocated(self) -> int:
        return self.quotes - self.located


class CoherenceScore(BaseModel):
    pain_points: KindCoherence = Field(default_factory=KindCoherence)
    delights: KindCoherence = Field(default_factory=KindCoherence)
    items: list[ItemCoherence] = Field(default_factory=list)

    @property
    def mean(self) -> float | None:
        return mean_of(self.pain_points.coherence, self.delights.coherence)


def mean_of(*values: float | None) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def quote_precisions(labels: Sequence[frozenset[str]]) -> list[float]:
    """B-cubed precision of each quote of one item, given the gold items each quote overlaps (non-empty)."""
    return [sum(bool(mine & other) for other in labels) / len(labels) for mine in labels]


def statement_quote(statement: str, quotes: Sequence[str]) -> int:
    """The quote a statement is worded from: the one holding most of its content words (the first of equals)."""
    stems = {w.stem for w in content_words(statement, MAP_VOCABULARY)}
    held = [len(stems & {w.stem for w in content_words(q, MAP_VOCABULARY)}) for q in quotes]
    return max(range(len(quotes)), key=lambda k: (held[k], -k))


def _gold_spans(case: GoldCase, sources: CaseSources) -> list[tuple[str, list[Span]]]:
    points: list[tuple[str, GoldPoint]] = [
        *(("pain", p) for p in case.pain_points),
        *(("delight", d) for d in case.delights),
    ]
    return [(f"{kind} {p.id}", sources.gold_spans(p.evidence)) for kind, p in points]


class GoldLabels:
    """The gold items a quote belongs to: those whose quotes it overlaps, else the one gold item whose quotes
    alone share its turn (a participant's answer about one problem, cited by another of its sentences)."""

    def __init__(self, case: GoldCase, sources: CaseSources) -> None:
        self.sources = sources
        self.spans = _gold_spans(case, sources)
        self.by_turn: dict[tuple[str, int], set[str]] = {}
        for name, spans in self.spans:
            for span in spans:
                for turn in sources.turns_of(span):
                    self.by_turn.setdefault(turn, set()).add(name)

    def of(self, span: Span) -> frozenset[str]:
        overlapped = frozenset(name for name, spans in self.spans if any(span.overlaps(g) for g in spans))
        if overlapped:
            return overlapped
        shared = set().union(*(self.by_turn.get(turn, set()) for turn in self.sources.turns_of(span)))
        return frozenset(shared) if len(shared) == 1 else frozenset()


def score_coherence(case: GoldCase, journey: JourneyMap, sources: CaseSources) -> CoherenceScore:
    gold = GoldLabels(case, sources)
    score = CoherenceScore()
    for kind, items, total in (
        ("pain_points", journey.pain_points, score.pain_points),
        ("delights", journey.delights, score.delights),
    ):
        for item in items:
            if item.basis != "observed":
                continue
            spans = [sources.participant_span(e) for e in item.evidence]
            labels = [gold.of(span) if span is not None else frozenset[str]() for span in spans]
            located = [label for label in labels if label]
            precisions = quote_precisions(located)
            if item.evidence:
                own = labels[statement_quote(item.statement, [e.quote for e in item.evidence])]
                if own:
                    total.fit_sum += sum(bool(own & other) for other in located) / len(located)
                    total.fitted += 1
            total.quotes += len(item.evidence)
            total.located += len(located)
            total.precision_sum += sum(precisions)
            total.items += bool(located)
            total.mixed += any(p < 1.0 for p in precisions)
            score.items.append(
                ItemCoherence(
                    kind=kind,
                    id=item.id,
                    quotes=len(item.evidence),
                    located=len(located),
                    coherence=sum(precisions) / len(precisions) if precisions else None,
                    gold=sorted(set().union(*located)),
                )
            )
    return score


# ============================================================================================= empty items

# "No specific problems mentioned", "None reported", "Nothing was found in the brief": a statement that says
# the study found nothing is not a finding. "No" must go with what a finding is ("problems", "delights"), or
# "No help was given" would be one.
_SAYS_NOTHING = re.compile(
    r"^(?:there (?:is|are|was|were) )?(?:(?:no|not any)(?: \w+)? (?:problems?|issues?|pain ?points?|complaints?"
    r"|concerns?|difficult(?:y|ies)|delights?|positives?|negatives?|feedback|findings?)|none|nothing)\b[^.]{0,80}?"
    r"\b(?:mentioned|reported|found|identified|raised|noted|given|stated|described|expressed|observed)\b"
)


def says_nothing(statement: str) -> bool:
    return _SAYS_NOTHING.search(normalise(statement)) is not None


# A statement with fewer content words than this, words that only judge left out, does not say what it is
# about ("That's very difficult.", "I love this.", "See, that's good."): a reader cannot sign it without
# opening its quotes.
THIN_WORDS = 2
_JUDGING = (
    "good great nice cool fine bad hard easy easier harder difficult important love loved hate like lovely "
    "amazing awesome terrible horrible wonderful perfect pretty helpful confusing frustrating annoying happy "
    "glad sorry sucks sure right wrong best better worse worst"
)
JUDGING_WORDS = frozenset(stem(w) for w in _JUDGING.split())


class EmptyItems(BaseModel):
    count: int = 0
    ids: list[str] = Field(default_factory=list, description="'lane id: why' for each empty item.")
    thin: int = Field(
        0,
        description=f"Observed statements with fewer than {THIN_WORDS} content words that do not only judge.",
    )
    thin_ids: list[str] = Field(default_factory=list, description="'lane id: statement' for each thin one.")
    mid_thought: int = Field(
        0,
        description="Observed pain point and delight statements that open mid-thought "
        "(`cjgen.wording.opens_mid_thought`), thin ones apart.",
    )
    mid_thought_ids: list[str] = Field(default_factory=list, description="'lane id: statement' for each.")
    cut: int = Field(
        0,
        description="Observed pain point and delight statements, thin ones apart, that stop short of their "
        "sentence's end (the cut mark, `cjgen.wording.CUT_MARK`) or break off mid-phrase "
        "(`cjgen.wording.breaks_off`): the reader does not see where the sentence was going.",
    )
    cut_ids: list[str] = Field(default_factory=list, description="'lane id: statement' for each.")
    disfluent: int = Field(
        0,
        description="Observed statements of every lane, thin ones apart, that keep speech no report would print "
        "(`disfluent`): a phrase stuttered, an aside, a filler they open with, or the transcript's markup.",
    )
    disfluent_ids: list[str] = Field(default_factory=list, description="'lane id: statement' for each.")


# What a transcript keeps of speech and markup, and a statement a researcher would sign does not: two or three
# words said twice running ("to the to the") or a word grammar never doubles ("from from"), an aside between
# commas ("…, I mean, …", "…, um, …"), a filler the statement opens with ("You know, …", "Yeah—…"), a dash or
# quote mark it opens with, or a lone colon or quote mark between words (a caption join, a notes line's mark).
_DISFLUENT = re.compile(
    r"\b((?:[\w'’]+\s+){1,2}[\w'’]+|the|an?|to|of|in|on|at|for|from|with|by|i|we|they|my|and|but|or)\s+\1\b"
    r"|,\s+(?:i\s+mean|you\s+know|um+|uh+|erm)\s*,"
    r"|^\W*(?:um+|uh+|er+m?|yeah|you\s+know|i\s+mean)\b"
    r"|^[—–>*]"
    r"|\s[:>]\s",
    re.IGNORECASE,
)


def disfluent(statement: str) -> bool:
    """Whether a statement keeps speech or markup a report would not print (`_DISFLUENT`)."""
    return _DISFLUENT.search(statement) is not None


def score_empty_items(journey: JourneyMap) -> EmptyItems:
    lanes: list[tuple[str, Sequence[Item], Sequence[str]]] = [
        ("pain_points", journey.pain_points, [p.statement for p in journey.pain_points]),
        ("delights", journey.delights, [d.statement for d in journey.delights]),
        ("actions", journey.actions, [a.text for a in journey.actions]),
        ("thoughts", journey.thoughts, [t.text for t in journey.thoughts]),
    ]
    found: list[str] = []
    thin: list[str] = []
    mid: list[str] = []
    cut: list[str] = []
    loose: list[str] = []
    for lane, items, statements in lanes:
        for item, statement in zip(items, statements, strict=True):
            if says_nothing(statement):
                found.append(f"{lane} {item.id}: says nothing was found")
            elif not content_words(statement, MAP_VOCABULARY):
                found.append(f"{lane} {item.id}: no content word")
            elif item.basis == "observed" and not item.evidence:
                found.append(f"{lane} {item.id}: observed with no quote")
            elif item.basis == "assumption" and statement.rstrip().endswith("?"):
                found.append(f"{lane} {item.id}: a question, not a claim")
            elif (
                item.basis == "observed"
                and len(content_words(statement, MAP_VOCABULARY | JUDGING_WORDS)) < THIN_WORDS
            ):
                thin.append(f"{lane} {item.id}: {statement}")
            elif item.basis == "observed":
                if disfluent(statement):
                    loose.append(f"{lane} {item.id}: {statement}")
                if lane in ("pain_points", "delights") and opens_mid_thought(statement):
                    mid.append(f"{lane} {item.id}: {statement}")
                if lane in ("pain_points", "delights") and (
                    statement.endswith(CUT_MARK) or breaks_off(statement)
                ):
                    cut.append(f"{lane} {item.id}: {statement}")
    return EmptyItems(
        count=len(found),
        ids=found,
        thin=len(thin),
        thin_ids=thin,
        mid_thought=len(mid),
        mid_thought_ids=mid,
        cut=len(cut),
        cut_ids=cut,
        disfluent=len(loose),
        disfluent_ids=loose,
    )

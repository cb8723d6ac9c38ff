"""Group observations from different participants into findings, by code.

Two observations belong together when they are about the same thing: their quotes share content words, their
quotes mean alike (a static embedding, for answers that say one thing in different words), they answer
alike-worded interviewer questions (an interview guide asks every participant about the same topics, and a
question names its topic more plainly than the answer does), and observations of one stage are more alike than
observations of two. Observations are grouped by what participants said, before anything is worded by the model:
the model's one-line names were measured to add nothing to grouping, so only the findings shown are named.
Where the labels were read from the model's states, what the quotes mean comes from the same states instead
(`readout.LabelHead.meanings`): two participants' moments about one problem lie closer there than in a static
embedding, and pairs of one gold finding were told from pairs of two better (evals/README.md).
Average-linkage agglomeration stops at a similarity threshold, so the number of findings follows the data.
A finding is led by its most confidently labelled observation and keeps the two most alike to it, and any
further one whose own words are as alike to the lead as the grouping threshold: answers to one broad guide
question ("what did you find difficult?") can join a cluster by the question alone, and past a few they stop
saying one thing, so the rest are not cited and counted for a claim they do not make. They form the next
finding of their own, in turn.
Findings are ranked by how many participants raised them; a core holds at most a few, so most findings tie
there, and the tie goes to the one cut from the wider conversation: the participants of the cluster it was cut
from (its `breadth`), which is how many spoke to what it is about. Then by how confident the labels were.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cjgen.meaning import similarities
from cjgen.observations import Observation
from cjgen.wording import content_words, overlap

# Agglomeration stops when the best pair of clusters is less alike than this (similarities are about 0..1.6).
THRESHOLD = 0.2
SAME_STAGE_BONUS = 0.1
# How much alike-worded interviewer questions count, next to the words of the observations themselves ...
QUESTION_WEIGHT = 1.0
# ... leaving out words that many of the questions share ("tell me more about that"), which name no topic.
COMMON_QUESTION_SHARE = 0.3
# What the quotes mean counts too (see meaning.py), but only above the likeness of two unrelated answers: about
# 0.1 is typical between any two answers of one study and 0.23 is the 90th percentile, so only the most alike
# pairs gain, by what they have above this floor.
MEANING_WEIGHT = 1.0
MEANING_FLOOR = 0.2
# Read from states, meaning is a cosine of centred vectors (about -0.3..1): it counts above a low floor, and
# with more weight, since it tells one problem from another better than the words do; it replaces the static
# embedding, and clusters join at a higher threshold.
STATE_MEANING_WEIGHT = 2.0
STATE_MEANING_FLOOR = 0.1
STATE_THRESHOLD = 0.3
# A finding keeps, cites and counts its lead and those most alike to it; past them, only those whose words match.
CORE_MEMBERS = 3
# A member with fewer content words than this cannot say what a finding is about ("That's very difficult.",
# "I love this."): it words the finding only when no member says more.
SAYS_WHAT = 3


@dataclass(frozen=True)
class Finding:
    kind: str
    members: tuple[Observation, ...]  # strongest first
    confidence: float
    voice: int = 0  # the member whose words the others share most (see `_voice`)
    breadth: int = 0  # participants of the cluster it was cut from (itself and what it left out)

    @property
    def participants(self) -> list[str]:
        return sorted({m.participant_id for m in self.members})

    @property
    def lead(self) -> Observation:
        return self.members[0]

    @property
    def representative(self) -> Observation:
        """The member a statement of the whole finding is worded from."""
        return self.members[self.voice]

    @property
    def voice_first(self) -> tuple[Observation, ...]:
        """The members, the representative first: the quote a statement was worded from is the first a reader
        (or a question about the finding) meets under it."""
        return (self.representative, *(m for k, m in enumerate(self.members) if k != self.voice))

    @property
    def stage_id(self) -> str:
        """The stage most of its members were placed in, the strongest's among equals: each moment's stage is
        a choice of its own, and where two of three quotes were placed is where the finding happened."""
        votes = Counter(m.stage_id for m in self.members)
        most = max(votes.values())
        return next(m.stage_id for m in self.members if votes[m.stage_id] == most)  # strongest first


class Vocabulary:
    """Content-word weights over one set of texts: a word most of them share (the product's name, "service")
    says little about which finding a text belongs to, so rarer words count more (tf-idf)."""

    def __init__(self, texts: Sequence[str], *, max_share: float = 1.0) -> None:
        """`max_share`: words in more than this share of the texts are left out altogether."""
        words = [content_words(t) for t in texts]
        count = len(texts) or 1
        seen: dict[str, int] = {}
        for found in words:
            for w in found:
                seen[w] = seen.get(w, 0) + 1
        self.words = [{w for w in found if seen[w] <= max_share * count} for found in words]
        self.idf = {w: math.log((1 + count) / (1 + n)) + 1.0 for w, n in seen.items()}

    def cosine(self, i: int, j: int) -> float:
        a, b = self.words[i], self.words[j]
        if not a or not b:
            return 0.0
        shared = sum(self.idf[w] ** 2 for w in a & b)
        norm_a = sum(self.idf[w] ** 2 for w in a) ** 0.5
        norm_b = sum(self.idf[w] ** 2 for w in b) ** 0.5
        return float(shared / (norm_a * norm_b))


def similarity(a: Observation, b: Observation) -> float:
    """How alike two observations are on their own (used where no set of texts gives word weights)."""
    score = overlap(content_words(a.text), content_words(b.text))
    return score + (SAME_STAGE_BONUS if a.stage_id == b.stage_id else 0.0)


def said(observations: Sequence[Observation]) -> Vocabulary:
    """The words of each observation and of its quotes."""
    return Vocabulary([" ".join([o.text, *(e.quote for e in o.evidence)]) for o in observations])


def meant_alike(
    observations: Sequence[Observation], meanings: Mapping[str, Sequence[float]] | None = None
) -> list[list[float]]:
    """How alike the observations' quotes mean, above the floor where that says something (0 below it):
    by their states' meanings where every one has one, else by a static embedding of their quotes."""
    if meanings is not None and all_meant(observations, meanings):
        vectors = [_unit(meanings[o.id]) for o in observations]
        return [[read_alike(_dot(a, b)) for b in vectors] for a in vectors]
    alike = similarities([" ".join(e.quote for e in o.evidence) for o in observations])
    return [[MEANING_WEIGHT * max(0.0, value - MEANING_FLOOR) for value in row] for row in alike]


def read_alike(cosine_of_meanings: float) -> float:
    """What the cosine of two meanings read from states adds to a pair's likeness."""
    return STATE_MEANING_WEIGHT * max(0.0, cosine_of_meanings - STATE_MEANING_FLOOR)


def all_meant(observations: Sequence[Observation], meanings: Mapping[str, Sequence[float]] | None) -> bool:
    """Whether every observation has a meaning read from states."""
    return meanings is not None and all(o.id in meanings for o in observations)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine of two meanings."""
    return _dot(_unit(a), _unit(b))


def _unit(vector: Sequence[float]) -> list[float]:
    length = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / length for v in vector]


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def similarity_matrix(
    observations: Sequence[Observation],
    vocabulary: Vocabulary,
    question_weight: float = QUESTION_WEIGHT,
    meanings: Mapping[str, Sequence[float]] | None = None,
) -> list[list[float]]:
    """Pairwise likeness by the observations' words (`vocabulary`, from `said`), their quotes' meaning
    (`meant_alike`), the questions they answer (`question_weight`) and their stage."""
    asked = Vocabulary([o.question for o in observations], max_share=COMMON_QUESTION_SHARE)
    meant = meant_alike(observations, meanings)
    size = len(observations)
    sim = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            same_stage = observations[i].stage_id == observations[j].stage_id
            sim[i][j] = sim[j][i] = (
                vocabulary.cosine(i, j)
                + question_weight * asked.cosine(i, j)
                + (SAME_STAGE_BONUS if same_stage else 0.0)
                + meant[i][j]
            )
    return sim


def agglomerate(sim: list[list[float]], threshold: float) -> list[list[int]]:
    """Average-linkage clustering of items by pairwise similarity, merging while the best pair ≥ threshold."""
    clusters = [[i] for i in range(len(sim))]
    while len(clusters) > 1:
        best, pair = -1.0, (0, 0)
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                links = [sim[i][j] for i in clusters[a] for j in clusters[b]]
                mean = sum(links) / len(links)
                if mean > best:
                    best, pair = mean, (a, b)
        if best < threshold:
            break
        a, b = pair
        clusters[a] += clusters.pop(b)
    return clusters


def _voice(kept: Sequence[int], words: Vocabulary, says: Sequence[int]) -> int:
    """Which of a finding's members (their indexes, strongest first) the others are most alike to, by their
    words: the statement is worded from it, so it says what most of the quotes say. A bare answer ("No, not
    that I recall.") shares few words with anyone, so it speaks for a finding only when it stands alone.
    With fewer than three members the strongest speaks. Either way, a member too short to say what it is
    about ("That's very difficult.", `says`: content words per member) speaks only when none says more."""
    candidates = [k for k in range(len(kept)) if says[k] >= SAYS_WHAT] or list(range(len(kept)))
    if len(kept) < 3:
        return candidates[0]
    alike = [sum(words.cosine(i, j) for j in kept if j != i) for i in kept]
    return max(candidates, key=lambda k: (alike[k], -k))


def group_observations(
    observations: Sequence[Observation],
    scores: Mapping[str, float],
    *,
    threshold: float | None = None,
    question_weight: float = QUESTION_WEIGHT,
    meanings: Mapping[str, Sequence[float]] | None = None,
) -> list[Finding]:
    """Findings of one kind, strongest first (most participants, then the widest cluster, then the most
    confident labels).
    `question_weight`: how much answering alike questions joins observations (0: only what they say).
    `meanings`: observation id -> what it means, read from states (`meant_alike`). `threshold`: where
    clusters stop joining; by default THRESHOLD, or STATE_THRESHOLD where every observation has a meaning."""
    if not observations:
        return []
    if threshold is None:
        threshold = STATE_THRESHOLD if all_meant(observations, meanings) else THRESHOLD
    words = said(observations)
    findings = []
    sim = similarity_matrix(observations, words, question_weight, meanings)
    pending = agglomerate(sim, threshold)
    while pending:
        cluster = pending.pop()
        breadth = len({observations[i].participant_id for i in cluster})
        strongest = sorted(cluster, key=lambda i: -scores.get(observations[i].id, 0.0))
        lead = strongest[0]
        # The others follow the lead by how alike they are to it, not by their own labels' confidence: a
        # cluster joined by average likeness holds members far from each other, and its core should be those
        # that say what the lead says.
        nearest = [lead, *sorted(strongest[1:], key=lambda i: -sim[lead][i])]  # ties: the stronger first
        kept = nearest[:CORE_MEMBERS] + [
            i for i in nearest[CORE_MEMBERS:] if words.cosine(lead, i) >= threshold
        ]
        # What a finding leaves out is a finding of its own (strongest first again), not lost: a broad
        # question's answers become several findings of a few each.
        rest = [i for i in strongest if i not in kept]
        if rest:
            pending.append(rest)
        members = [observations[i] for i in kept]
        confidence = sum(scores.get(o.id, 0.0) for o in members) / len(members)
        says = [len(content_words(o.text)) for o in members]
        findings.append(
            Finding(members[0].kind, tuple(members), confidence, _voice(kept, words, says), breadth)
        )
    return sorted(findings, key=lambda f: (len(f.participants), f.breadth, f.confidence), reverse=True)

"""How well each likeness tells two participants' quotes of one gold finding from quotes of two.

    python evals/same_point.py                       # every case with transcripts in evals/cases
    python evals/same_point.py bike-subscription     # one case

Grouping joins observations by how alike they are (`cjgen.group`). This measures that signal apart from
selection and naming: every participant sentence inside a gold pain point's or delight's quote is taken, and
every pair of such sentences from two participants, of one kind, is a positive when both belong to the same
gold item. The AUC says how often a same-item pair scores above a different-item pair, for
- `meaning`: the cosine of the sentences' meanings read from the model's states (`LabelHead.meanings`),
- `static`: the static embedding of `cjgen.meaning`,
- `words`: the tf-idf cosine of their content words (`cjgen.group.Vocabulary`).
Labels are read with the embedded model, as a run reads them (from the response cache when it holds them).
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

from cjgen.eval.gold import load_case
from cjgen.eval.locate import normalise
from cjgen.group import (
    COMMON_QUESTION_SHARE,
    QUESTION_WEIGHT,
    Vocabulary,
    cosine,
    read_alike,
)
from cjgen.ingest import load_transcripts
from cjgen.label import SentenceLabel, label_transcript
from cjgen.meaning import similarities
from cjgen.pipeline import _typed, open_runtime, redacted_source

CASES = Path(__file__).parent / "cases"
KINDS = {"pain": "pain_points", "delight": "delights"}


def _plain(text: str) -> str:
    return re.sub(r"\W+", " ", normalise(text)).strip()


def auc(scores: list[float], positive: list[bool]) -> float:
    """Mann-Whitney AUC, ties counted half; nan without both classes."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return math.nan
    wins = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def gold_sentences(case_dir: Path) -> dict[str, list[tuple[SentenceLabel, str]]]:
    """Per kind, (label, gold item id) for each labelled sentence inside one of the participant's gold quotes."""
    case = load_case(case_dir)
    runtime = open_runtime(backend="local")
    loaded, pseudonyms = _typed(load_transcripts(list(case.transcripts.values())))
    found: dict[str, list[tuple[SentenceLabel, str]]] = {kind: [] for kind in KINDS}
    for transcript in loaded:
        source = redacted_source(transcript, True, pseudonyms.label_names)
        labels = label_transcript(runtime, source).labels
        for kind, field in KINDS.items():
            for item in getattr(case, field):
                quotes = [
                    _plain(q.quote) for q in item.evidence if q.participant == transcript.participant_id
                ]
                for lab in labels:
                    said = _plain(lab.sentence.text)
                    if len(said) > 8 and any(said in q for q in quotes):
                        found[kind].append((lab, item.id))
    return found


def pair_aucs(sentences: list[tuple[SentenceLabel, str]]) -> dict[str, float] | None:
    """AUC of each likeness over the cross-participant pairs; None where the labels carry no meanings."""
    if any(lab.meaning is None for lab, _ in sentences):
        return None
    texts = [lab.sentence.text for lab, _ in sentences]
    static = similarities(texts)
    words = Vocabulary(texts)
    asked = Vocabulary([lab.question for lab, _ in sentences], max_share=COMMON_QUESTION_SHARE)
    scores: dict[str, list[float]] = {
        "meaning": [],
        "static": [],
        "words": [],
        "question": [],
        "grouping": [],
        "grouping, no question": [],
    }
    same: list[bool] = []
    for i, (a, item_a) in enumerate(sentences):
        for j in range(i + 1, len(sentences)):
            b, item_b = sentences[j]
            if a.participant_id == b.participant_id:
                continue
            meant = cosine(a.meaning or (), b.meaning or ())
            said = words.cosine(i, j)
            question = asked.cosine(i, j)
            joined = said + read_alike(meant)
            scores["meaning"].append(meant)
            scores["static"].append(static[i][j])
            scores["words"].append(said)
            scores["question"].append(question)
            scores["grouping"].append(joined + QUESTION_WEIGHT * question)
            scores["grouping, no question"].append(joined)
            same.append(item_a == item_b)
    return {name: auc(values, same) for name, values in scores.items()} | {
        "pairs": len(same),
        "same": sum(same),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="case folder names (default: every case with transcripts)")
    args = parser.parse_args()
    names = args.cases or sorted(p.name for p in CASES.iterdir() if (p / "transcripts").is_dir())
    columns = ("meaning", "static", "words", "question", "grouping", "grouping, no question")
    print(f"| case | kind | pairs (same item) | {' | '.join(columns)} |")
    print("|---|---|---|" + "---|" * len(columns))
    for name in names:
        for kind, sentences in gold_sentences(CASES / name).items():
            got = pair_aucs(sentences)
            if got is None:
                print(f"| {name} | {kind} | labels asked, no meanings | | | |")
                continue
            figures = " | ".join(f"{got[c]:.3f}" for c in columns)
            print(f"| {name} | {kind} | {got['pairs']:.0f} ({got['same']:.0f}) | {figures} |", flush=True)


if __name__ == "__main__":
    main()

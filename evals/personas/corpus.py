"""How personas are described on real studies the rules were not built from: which sentences of each session
are shown as who the participant is, and which as what they want, before any model call.

    python evals/personas/corpus.py ROOT [--show N]

ROOT holds one folder per study (as `evals/ingest/corpus`). Every study is read together, as a map reads it,
pseudonymised and redacted; then each session's participant sentences go through the same choices a map
makes (`about.about_labels`, `goals.is_goal`), with the interviewer's text before each answer as its question.
The labeller's charge, which ranks an interview's goals when there are more than three, is not read here (no
model), so every goal sentence is counted and the first three are shown. Prints per study the sessions, those
with a sentence of who they are and with a goal, and the counts; `--show N` prints up to N chosen sentences of
each session, for reading by eye.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cjgen.about import about_labels
from cjgen.errors import CjgenError
from cjgen.goals import PER_INTERVIEW, goal_text, is_goal
from cjgen.ingest import inspect_transcripts, load_transcripts
from cjgen.label import MIN_WORDS, SentenceLabel, questions_before
from cjgen.pipeline import redacted_source
from cjgen.pseudonym import pseudonymise_run
from cjgen.schema import Transcript
from cjgen.sentences import number_sentences


def sentence_labels(transcript: Transcript) -> list[SentenceLabel]:
    """Each participant sentence a map labels, with the interviewer's text before its answer; no label read."""
    asked = questions_before(transcript.turns)
    return [
        SentenceLabel(s, transcript.participant_id, transcript.id, 0.0, 0.0, 0.0, asked.get(s.turn_index, ""))
        for s in number_sentences(transcript)
        if len(s.text.split()) >= MIN_WORDS
    ]


def survey(root: Path, show: int) -> None:
    print("| study | sessions | with who they are | who sentences | with a goal | goal sentences |")
    print("|---|---|---|---|---|---|")
    shown: list[str] = []
    total = [0, 0, 0, 0, 0]
    for study in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(f for f in study.iterdir() if f.is_file())
        readable = [
            f for f, r in zip(files, inspect_transcripts(files), strict=True) if not isinstance(r, CjgenError)
        ]
        typed, names = pseudonymise_run(load_transcripts(readable) if readable else [])
        row = [0, 0, 0, 0, 0]
        for transcript in typed:
            labels = sentence_labels(redacted_source(transcript, True, names.label_names).redacted)
            about = about_labels(labels)
            goals = [lab for lab in labels if is_goal(lab.sentence.text)]
            row = [
                a + b for a, b in zip(row, [1, bool(about), len(about), bool(goals), len(goals)], strict=True)
            ]
            if show:
                shown.append(f"===== {study.name} / {transcript.id}")
                shown += [f"  who:  {' '.join(lab.sentence.text.split())}" for lab in about[:show]]
                shown += [
                    f"  goal: {' '.join(goal_text(lab.sentence.text).split())}"
                    for lab in goals[: min(show, PER_INTERVIEW)]
                ]
        total = [a + b for a, b in zip(total, row, strict=True)]
        print(f"| {study.name} | " + " | ".join(str(n) for n in row) + " |")
    print("| **all** | " + " | ".join(str(n) for n in total) + " |")
    if shown:
        print()
        print("\n".join(shown))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--show", type=int, default=0, help="print up to N chosen sentences of each session")
    args = parser.parse_args()
    survey(args.root, args.show)


if __name__ == "__main__":
    main()

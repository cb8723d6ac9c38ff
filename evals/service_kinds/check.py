"""How often the service-kind choice (`cjgen.stages.service_kind`) picks the scaffold a reader would pick.

    python evals/service_kinds/check.py [CASES_DIR [CORPUS_DIR]]

Reads `briefs.yaml` here (briefs written for this check, several meant to tempt the wrong answer) and, where
a cases folder is given, each eval case's brief as its map reads it (redacted, cut to length) with the kind its
gold stages follow (`CASE_KINDS`), and what stands for a brief where there is none: the interviewer's questions
(`cjgen.stages.questions_asked`) of each of the case's interviews, alone (those without a question are skipped:
they keep the generic scaffold). Where the ingest corpus is given too (`evals/ingest/corpus`: real studies with
no brief and no gold), the questions of each of its session files, alone, against the kinds a reader would
choose for its study (`corpus_kinds.yaml`). Prints, per brief, the option probabilities asked once (options in their usual
order) and asked in every order (`cjgen.choose.rotated`), then the share right either way. Uses the configured
model (the embedded one by default) and the response cache.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from cjgen.choose import best, choose, rotated
from cjgen.errors import CjgenError
from cjgen.ingest import inspect_transcripts, load_brief, load_transcripts
from cjgen.pipeline import brief_for_model, open_runtime
from cjgen.prompts import render_prompt
from cjgen.stages import SERVICE_KINDS, questions_asked, questions_brief, service_question

HERE = Path(__file__).parent
# The kind each eval case's gold stages follow (the researchers' own phases), for checking only.
CASE_KINDS = {
    "bike-subscription": 0,
    "brief-only": 0,
    "clinic-booking": 2,
    "va-caregiver-discovery": 1,
    "va-checkin-discovery": 2,
    "va-direct-deposit-usability": 4,
    "va-preneed-burial": 1,
    "va-transition-benefits": 1,
}


def _kinds(wanted: int | list[int]) -> frozenset[int]:
    return frozenset(wanted if isinstance(wanted, list) else [wanted])


def corpus_briefs(corpus: Path) -> list[tuple[str, frozenset[int], str]]:
    """Each corpus session's questions, read with its study as a map reads it, with its study's kinds."""
    kinds = yaml.safe_load((HERE / "corpus_kinds.yaml").read_text())
    found = []
    for study, wanted in kinds.items():
        files = sorted(f for f in (corpus / study).iterdir() if f.is_file())
        readable = [
            f for f, r in zip(files, inspect_transcripts(files), strict=True) if not isinstance(r, CjgenError)
        ]
        for transcript in load_transcripts(readable):
            if asked := questions_asked([transcript]):
                found.append((f"corpus {study} {transcript.id}", _kinds(wanted), questions_brief(asked)))
    return found


def collect(cases: Path | None = None, corpus: Path | None = None) -> list[tuple[str, frozenset[int], str]]:
    """(name, the kinds that count as right, the text asked about) for every brief and interview checked."""
    briefs = [
        (b["name"], _kinds(b["kind"]), b["brief"]) for b in yaml.safe_load((HERE / "briefs.yaml").read_text())
    ]
    if cases is not None:
        # A case's brief as its map reads it (redacted, cut to length), so the check asks what the map asks.
        briefs += [
            (f"case {name}", _kinds(kind), brief_for_model(load_brief(cases / name / "brief.md")))
            for name, kind in CASE_KINDS.items()
            if (cases / name / "brief.md").is_file()
        ]
        briefs += [
            (
                f"questions {name} {transcript.id}",
                _kinds(kind),
                questions_brief(questions_asked([transcript])),
            )
            for name, kind in CASE_KINDS.items()
            if (cases / name / "transcripts").is_dir()
            for transcript in load_transcripts(sorted((cases / name / "transcripts").iterdir()))
            if questions_asked([transcript])
        ]
    if corpus is not None:
        briefs += corpus_briefs(corpus)
    return briefs


def check(briefs: list[tuple[str, frozenset[int], str]]) -> None:
    """Ask each, once and in every order, and print the answers and the share right."""
    runtime = open_runtime().start()
    count = len(SERVICE_KINDS)
    letters = [chr(ord("A") + k) for k in range(count)]
    right = {"once": 0, "every order": 0}
    for name, kind, brief in briefs:
        prompt = render_prompt("service", brief=brief)
        [once] = choose(runtime, prompt, [service_question(range(count))], letters, step="service")
        every = rotated(runtime, prompt, service_question, count, step="service")
        right["once"] += best(once) in kind
        right["every order"] += best(every) in kind
        shown = " ".join(f"{p:.2f}" for p in once), " ".join(f"{p:.2f}" for p in every)
        print(
            f"{name[:64]:64s} want {'/'.join(map(str, sorted(kind)))}  once {best(once)} ({shown[0]})  every order {best(every)} ({shown[1]})"
        )
    for way, n in right.items():
        print(f"{way}: {n}/{len(briefs)} right")


def main() -> None:
    paths = [Path(arg) for arg in sys.argv[1:3]]
    check(collect(*paths))


if __name__ == "__main__":
    main()

"""How a folder of real studies' files is read, before any model call: a check of ingest on files it was not
built from.

    python evals/ingest/survey.py ROOT [--turns OUT_DIR]

ROOT holds one folder per study, each with that study's transcript or notes files; every study is read
together, as a map reads it (conversation-guide text its notes share goes to the interviewer), then
pseudonymised and redacted. Prints, per file: how it was read (format), words per role, and three signs of
words that are not the participant's left in participant turns:

- **asks**: participant turns that end with a question (92 % of such turns in the eval cases' labelled
  transcripts are the interviewer's);
- **labels**: an interviewer's label (`Moderator:`, `**M:**`) left inside participant text;
- **markup**: participant sentences that are only Markdown or HTML markup (`**`, `<br>`).

Then the totals, files that could not be read (with their one-line error), and the slowest read and
redaction. `--turns` writes each study's turns as read, one line each, for reading by eye.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from cjgen.errors import CjgenError
from cjgen.ingest import inspect_transcripts, load_transcripts
from cjgen.pipeline import redacted_source
from cjgen.pseudonym import pseudonymise_run
from cjgen.schema import Transcript
from cjgen.sentences import split_spans

_LEFT_LABEL = re.compile(
    r"(?:^|\n|<br\s*/?>)[ \t>*_-]*(?:moderator|interviewer|facilitator|researcher|m|q|i)[ \t]*(?:\*{1,2}|_{1,2})?:",
    re.IGNORECASE,
)
_MARKUP_ONLY = re.compile(r"[\s*_#>|]*(?:<br\s*/?>[\s*_]*)*[\s*_#>|]*")


def _signs(transcript: Transcript) -> dict[str, int]:
    said = [turn for turn in transcript.turns if turn.role == "participant"]
    markup = sum(
        1 for turn in said for a, b in split_spans(turn.text) if _MARKUP_ONLY.fullmatch(turn.text[a:b])
    )
    return {
        "participant words": sum(len(turn.text.split()) for turn in said),
        "interviewer words": sum(
            len(turn.text.split()) for turn in transcript.turns if turn.role != "participant"
        ),
        "participant turns": len(said),
        "asks": sum(1 for turn in said if turn.text.rstrip().rstrip("\"'”’)]*_").endswith("?")),
        "labels": sum(len(_LEFT_LABEL.findall(turn.text)) for turn in said),
        "markup": markup,
    }


def survey(root: Path, turns_out: Path | None = None) -> None:
    totals: dict[str, int] = {}
    failed: list[str] = []
    slowest = (0.0, "")
    print("| study | file | read as | participant / interviewer words | asks | labels | markup |")
    print("|---|---|---|---|---|---|---|")
    for study in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(f for f in study.iterdir() if f.is_file())
        reports = inspect_transcripts(files)
        readable = [f for f, r in zip(files, reports, strict=True) if not isinstance(r, CjgenError)]
        failed += [
            f"{study.name}/{f.name}: {r}"
            for f, r in zip(files, reports, strict=True)
            if isinstance(r, CjgenError)
        ]
        started = time.perf_counter()
        loaded = load_transcripts(readable) if readable else []
        typed, names = pseudonymise_run(loaded)
        lines: list[str] = []
        for path, report, transcript in zip(
            readable, [r for r in reports if not isinstance(r, CjgenError)], typed, strict=True
        ):
            clock = time.perf_counter()
            redacted_source(transcript, True, names.label_names)
            slowest = max(slowest, (time.perf_counter() - clock, f"{study.name}/{path.name} (redaction)"))
            signs = _signs(transcript)
            for key, value in signs.items():
                totals[key] = totals.get(key, 0) + value
            totals["files"] = totals.get("files", 0) + 1
            print(
                f"| {study.name} | {path.name} | {report.format} ({report.kind}) | {signs['participant words']:,} / "
                f"{signs['interviewer words']:,} | {signs['asks']} of {signs['participant turns']} | {signs['labels']} | "
                f"{signs['markup']} |"
            )
            lines += [
                f"===== {path.name}: {report.format} ({report.kind})",
                *(f"! {w}" for w in report.warnings),
            ]
            lines += [f"[{t.index} {t.role} {t.speaker}] {t.text!r}" for t in transcript.turns]
        slowest = max(slowest, (time.perf_counter() - started, f"{study.name} (read, {len(readable)} files)"))
        if turns_out is not None:
            turns_out.mkdir(parents=True, exist_ok=True)
            (turns_out / f"{study.name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print()
    print(
        f"{totals.get('files', 0)} files read, {len(failed)} refused; participant words {totals.get('participant words', 0):,}, "
        f"interviewer words {totals.get('interviewer words', 0):,}; participant turns that ask "
        f"{totals.get('asks', 0)} of {totals.get('participant turns', 0)}; interviewer labels left in them "
        f"{totals.get('labels', 0)}; markup-only sentences {totals.get('markup', 0)}; slowest: {slowest[1]} "
        f"{slowest[0]:.2f} s"
    )
    for line in failed:
        print(f"refused: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--turns", type=Path, default=None, help="write each study's turns here")
    args = parser.parse_args()
    survey(args.root, args.turns)


if __name__ == "__main__":
    main()

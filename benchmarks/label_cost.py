"""How the label step's cost grows with a study: tokens per interview and per sentence, every eval case.

The label step asks one question per participant sentence after the interview as shared context, so its cost
should grow with the number of sentences and no faster. This script builds the label prompts exactly as a
run does (pseudonymised, redacted, chunked, rendered, in the embedded model's chat frame) and counts their
tokens with the model's own tokenizer; the model itself is not run, so it takes seconds. Context tokens are
counted once per chunk as sent, an upper bound on what the model evaluates (llama.cpp reuses a prefix that
the previous call shared).

    python benchmarks/label_cost.py [--cases evals/cases] [--out benchmarks/results/label-cost-DATE.json]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from cjgen.eval.gold import load_case
from cjgen.ingest import load_transcripts
from cjgen.label import CHUNK_WORDS, chunk_turns, label_prompt, label_questions, labelled
from cjgen.local import _chat_frame, packaged_model_path
from cjgen.pipeline import _typed, redacted_source
from cjgen.sentences import number_sentences
from cjgen.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]


def case_cost(tokenize: Callable[[str], int], llama: Any, case_dir: Path) -> dict[str, object]:
    """Interviews, participant words, labelled sentences and the label prompts' tokens of one case."""
    case = load_case(case_dir)
    loaded, pseudonyms = _typed(load_transcripts(case.transcripts.values()))
    context = questions = sentences = words = 0
    for transcript in loaded:
        source = redacted_source(transcript, True, pseudonyms.label_names)
        redacted = source.redacted
        words += sum(len(t.text.split()) for t in redacted.turns if t.role == "participant")
        for chunk in chunk_turns(redacted.turns, number_sentences(redacted), CHUNK_WORDS):
            wanted = labelled(chunk)
            if not wanted:
                continue
            prompt = label_prompt(redacted, chunk)
            before, after = _chat_frame(llama, prompt.system, prompt.user)
            context += tokenize(before)
            questions += sum(tokenize(q + after) for q in label_questions(wanted))
            sentences += len(wanted)
    return {
        "case": case.name,
        "interviews": len(loaded),
        "participant_words": words,
        "labelled_sentences": sentences,
        "context_tokens": context,
        "question_tokens": questions,
        "label_tokens": context + questions,
        "tokens_per_sentence": round((context + questions) / max(1, sentences), 1),
        "question_tokens_per_sentence": round(questions / max(1, sentences), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=ROOT / "evals" / "cases")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    import llama_cpp

    model = packaged_model_path(get_settings().cache_dir)
    llama = llama_cpp.Llama(str(model), vocab_only=True, verbose=False)

    def tokenize(text: str) -> int:
        return len(llama.tokenize(text.encode(), add_bos=False, special=True))

    rows = [
        case_cost(tokenize, llama, case_dir)
        for case_dir in sorted(p for p in args.cases.iterdir() if (p / "gold.yaml").is_file())
        if load_case(case_dir).transcripts
    ]
    columns = list(rows[0])
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(f"{row[c]:,}" if isinstance(row[c], int) else str(row[c]) for c in columns))
    out = args.out or ROOT / "benchmarks" / "results" / f"label-cost-{date.today().isoformat()}.json"
    out.write_text(
        json.dumps({"date": date.today().isoformat(), "model": model.name, "cases": rows}, indent=2)
    )
    print(f"written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()

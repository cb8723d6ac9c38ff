"""Redaction measured on a corpus of personal data by locale and on a negative corpus of ordinary numbers.

`tests/data/pii_corpus.yaml` holds values (each in a sentence, `{}` marks where) for en-US, en-GB, nb-NO,
lt-LT, de-DE, fr-FR and generic forms, national ids with valid check digits among them;
`tests/data/pii_negatives.yaml` holds lines that must come through untouched. `pii_speech_blind.yaml`,
`pii_speech_blind2.yaml` and `pii_speech_dev.yaml` hold personal data as people say it in five languages
(numbers in words, introductions, names after "my wife" or "Herr", spoken dates, e-mails and handles) with
ordinary spoken lines. The rules were tuned on the dev set; the first blind set was measured once (0.93 to
1.00 recall, up to 2 false positives a language) before its misses were looked at and fixed, and the second
blind set, written before that, checks the fixes on text they never saw. Run this file as a script for
the recall and false-positive table in the README: `python tests/test_pii_corpus.py`.
"""

from __future__ import annotations

import random
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import cjgen.cli
from cjgen.pipeline import open_runtime
from cjgen.redact import redact_text
from cjgen.render import FORMATS, render
from cjgen.schema import JourneyMap
from cjgen.store import Store
from oracle import GoldOracle

DATA = Path(__file__).parent / "data"
CORPUS: list[dict[str, str]] = yaml.safe_load((DATA / "pii_corpus.yaml").read_text(encoding="utf-8"))
NEGATIVES: dict[str, list[str]] = yaml.safe_load((DATA / "pii_negatives.yaml").read_text(encoding="utf-8"))
CASE = Path(__file__).resolve().parents[1] / "evals" / "cases" / "bike-subscription"
LOCALES = ("en-US", "en-GB", "nb-NO", "lt-LT", "de-DE", "fr-FR", "generic")


@dataclass(frozen=True)
class Case:
    locale: str
    kind: str
    value: str
    text: str

    @property
    def span(self) -> tuple[int, int]:
        start = self.text.index(self.value)
        return start, start + len(self.value)


CASES = [Case(c["locale"], c["kind"], c["value"], c["text"].replace("{}", c["value"])) for c in CORPUS]


def caught(case: Case) -> bool:
    """Every character of the value lies inside a replaced span."""
    start, end = case.span
    covered = {i for s in redact_text(case.text).spans for i in range(s.start, s.end)}
    return all(i in covered for i in range(start, end))


def random_order_numbers(count: int = 700) -> list[str]:
    """Order numbers of 6 to 12 random digits (seeded): checksum detectors must not take them for ids."""
    rng = random.Random(20261129)
    return [
        f"Order {rng.randint(10 ** (n - 1), 10**n - 1)} was late."
        for n in range(6, 13)
        for _ in range(count // 7)
    ]


def figures() -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """(caught, total) per kind of personal data, and (changed, total) per category of ordinary text."""
    total, hits = Counter(c.kind for c in CASES), Counter(c.kind for c in CASES if caught(c))
    recall = {kind: (hits[kind], n) for kind, n in sorted(total.items())}
    categories = {**NEGATIVES, "random_order_numbers": random_order_numbers()}
    over = {
        category: (sum(1 for line in lines if redact_text(line).spans), len(lines))
        for category, lines in categories.items()
    }
    return recall, over


# --------------------------------------------------------------------------------------------- the corpus


def test_corpus_size_and_coverage() -> None:
    assert len(CASES) >= 150
    assert {c.locale for c in CASES} == set(LOCALES)
    kinds = {c.kind for c in CASES}
    assert {"phone", "email", "national_id", "account", "date_of_birth", "name", "street_address"} <= kinds
    assert {"url", "handle", "ip_address", "id_document", "card"} <= kinds
    assert sum(len(lines) for lines in NEGATIVES.values()) >= 90


def test_national_ids_in_the_corpus_have_valid_check_digits() -> None:
    from stdnum.de import idnr
    from stdnum.fr import nir
    from stdnum.lt import asmens
    from stdnum.no import fodselsnummer

    checks = {"nb-NO": fodselsnummer, "lt-LT": asmens, "de-DE": idnr, "fr-FR": nir}
    ids = [c for c in CASES if c.kind == "national_id" and c.locale in checks]
    assert len(ids) >= 15
    for case in ids:
        assert checks[case.locale].is_valid(case.value.replace(" ", "")), case


@pytest.mark.parametrize("case", CASES, ids=[f"{c.locale}-{c.kind}-{i}" for i, c in enumerate(CASES)])
def test_each_value_is_redacted_as_its_kind(case: Case) -> None:
    redacted = redact_text(case.text)
    start, end = case.span
    assert caught(case), redacted.text
    assert {s.kind for s in redacted.spans if s.start < end and s.end > start} == {case.kind}
    # Nothing around the value is touched, and no visible piece of it survives.
    assert all(s.start < end and s.end > start for s in redacted.spans), redacted.text
    assert case.value not in redacted.text


@pytest.mark.parametrize(
    "line", [line for lines in NEGATIVES.values() for line in lines], ids=lambda line: line[:40]
)
def test_ordinary_text_is_left_alone(line: str) -> None:
    assert redact_text(line).text == line


def test_recall_and_false_positive_targets() -> None:
    recall, over = figures()
    assert sum(h for h, _ in recall.values()) / sum(n for _, n in recall.values()) >= 0.95
    assert all(hit / n >= 0.9 for hit, n in recall.values()), recall
    assert all(changed / n <= 0.02 for changed, n in over.values()), over


# --------------------------------------------------------------------------------------------- speech

SPEECH_LANGUAGES = ("en", "fr", "de", "nb", "lt")
SPEECH_CLASSES = {"phone", "card", "account", "id", "intro", "name", "address", "dob", "email", "handle"}
# The first blind set as measured before the rules for spoken forms existed (recall, false positives):
BEFORE = {
    "en": (3 / 44, 0 / 62),
    "fr": (3 / 44, 1 / 62),
    "de": (4 / 44, 0 / 62),
    "nb": (4 / 44, 0 / 62),
    "lt": (6 / 44, 0 / 62),
}


def speech_corpus(name: str) -> dict[str, dict[str, list]]:
    corpus: dict[str, dict[str, list]] = yaml.safe_load(
        (DATA / f"pii_speech_{name}.yaml").read_text(encoding="utf-8")
    )
    return corpus


def covered(text: str, values: list[str]) -> bool:
    """Every character of every value lies inside a replaced span."""
    spans = redact_text(text).spans
    inside = {i for s in spans for i in range(s.start, s.end)}
    return all(
        i in inside for value in values for i in range(text.index(value), text.index(value) + len(value))
    )


def speech_figures(name: str) -> dict[str, dict[str, tuple[int, int]]]:
    """Per language: (caught, total) per class, and (changed, total) ordinary lines under "ordinary"."""
    figures: dict[str, dict[str, tuple[int, int]]] = {}
    for language, lines in speech_corpus(name).items():
        hits: Counter[str] = Counter()
        totals: Counter[str] = Counter()
        for case in lines["positives"]:
            totals[case["class"]] += 1
            hits[case["class"]] += covered(case["text"], case["values"])
        ordinary = lines["ordinary"]
        figures[language] = {kind: (hits[kind], n) for kind, n in sorted(totals.items())}
        figures[language]["ordinary"] = (
            sum(redact_text(line).text != line for line in ordinary),
            len(ordinary),
        )
    return figures


@pytest.mark.parametrize("name", ["blind", "blind2", "dev"])
def test_speech_corpora_cover_five_languages_and_every_class(name: str) -> None:
    corpus = speech_corpus(name)
    assert tuple(corpus) == SPEECH_LANGUAGES
    for lines in corpus.values():
        assert {case["class"] for case in lines["positives"]} <= SPEECH_CLASSES
        assert all(value in case["text"] for case in lines["positives"] for value in case["values"])
    if name == "blind":
        assert all(
            len(lines["positives"]) >= 40 and len(lines["ordinary"]) >= 60 for lines in corpus.values()
        )
        assert all(
            {case["class"] for case in lines["positives"]} == SPEECH_CLASSES for lines in corpus.values()
        )


@pytest.mark.parametrize("name", ["blind", "blind2"])
def test_spoken_personal_data_recall_and_false_positives_per_language(name: str) -> None:
    for language, figures in speech_figures(name).items():
        changed, ordinary = figures.pop("ordinary")
        caught = sum(hit for hit, _ in figures.values())
        total = sum(n for _, n in figures.values())
        assert caught / total >= 0.95, (language, figures)
        assert changed / ordinary <= 0.02, (language, changed)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "you can get me on oh seven seven double four, one two three, nine five six",
            "oh seven seven double four, one two three, nine five six",
        ),
        (
            "c'est le zéro six, quarante et un, dix-sept, quatre-vingt-dix, vingt-trois",
            "zéro six, quarante et un, dix-sept, quatre-vingt-dix, vingt-trois",
        ),
        (
            "null eins fünf zwei, dreiundzwanzig, siebenundvierzig, neunzehn",
            "null eins fünf zwei, dreiundzwanzig, siebenundvierzig, neunzehn",
        ),
        ("ring meg på nittiåtte, trettifire, sekstien, null to", "nittiåtte, trettifire, sekstien, null to"),
        (
            "mano numeris aštuoni šeši devyni, keturi du, trys nulis septyni penki",
            "aštuoni šeši devyni, keturi du, trys nulis septyni penki",
        ),
        (
            "the card is 4111 1111 one one one one, one one one one",
            "4111 1111 one one one one, one one one one",
        ),
    ],
)
def test_a_number_said_in_words_is_redacted(text: str, value: str) -> None:
    assert covered(text, [value]), redact_text(text).text


@pytest.mark.parametrize(
    "text",
    [
        "Nine, ten, eleven, twelve, one, the hours just dragged.",
        "My order number is four eight two one three three seven seven.",
        "It went from nineteen ninety-nine to two thousand and five.",
        "En deux mille dix-neuf, on était trois ou quatre.",
    ],
)
def test_counting_orders_and_years_said_in_words_stay(text: str) -> None:
    assert redact_text(text).text == text


# --------------------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My name is Jane Doe and I ride daily.", "Jane Doe"),
        ("I'm Kari Nordmann, from Oslo.", "Kari Nordmann"),
        ("Jeg heter Ola Nordmann.", "Ola Nordmann"),
        ("Je m'appelle Marie Dupont.", "Marie Dupont"),
        ("Ich heiße Anna Schmidt.", "Anna Schmidt"),
        ("Mano vardas Jonas Jonaitis.", "Jonas Jonaitis"),
        ("Hi, I am Lena van der Heide.", "Lena van der Heide"),
    ],
)
def test_a_name_after_a_self_introduction_is_redacted(text: str, name: str) -> None:
    redacted = redact_text(text)
    assert name not in redacted.text
    assert "[NAME]" in redacted.text


def test_other_names_are_left_alone() -> None:
    text = "I spoke to Anna at the shop, and Jonas from support called back."
    assert redact_text(text).text == text


# --------------------------------------------------------------------------------------------- end to end

TITLE_LINE = "# Pedalpass brief, questions to kari.nordmann@example.no or +47 912 34 567"


def planted_case(tmp_path: Path) -> Path:
    """The bike case with every corpus sentence added to participant turns, and some to the brief."""
    case = tmp_path / "case"
    shutil.copytree(CASE, case)
    sentences = [c.text for c in CASES]
    paths = sorted((case / "transcripts").glob("P*.txt"))
    turns = sum(
        line.startswith(f"{p.stem}: ") for p in paths for line in p.read_text(encoding="utf-8").splitlines()
    )
    per_turn = -(-len(sentences) // turns)
    queue = iter(sentences)
    for path in paths:
        lines = [
            " ".join([line, *(next(queue, "") for _ in range(per_turn))]).rstrip()
            if line.startswith(f"{path.stem}: ")
            else line
            for line in path.read_text(encoding="utf-8").splitlines()
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    brief = case / "brief.md"
    body = brief.read_text(encoding="utf-8").split("\n", 1)[1]
    brief.write_text(f"{TITLE_LINE}\n" + "\n".join(sentences[::9]) + f"\n{body}", encoding="utf-8")
    return case


def leaked(values: list[str], text: str) -> list[str]:
    return [v for v in values if re.search(rf"(?<!\w){re.escape(v)}(?!\w)", text)]


def test_no_value_reaches_the_model_an_export_the_store_the_title_or_the_run_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = planted_case(tmp_path)
    model = GoldOracle(CASE).model()
    monkeypatch.setattr(
        cjgen.cli, "open_runtime", lambda **kw: open_runtime(model=model, use_cache=kw["use_cache"])
    )
    target = tmp_path / "out" / "map.json"
    target.parent.mkdir()
    transcripts = sorted((case / "transcripts").iterdir())
    result = CliRunner().invoke(
        cjgen.cli.app, ["map", str(case / "brief.md"), *map(str, transcripts), "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    values = [c.value for c in CASES]
    planted = "\n".join(p.read_text(encoding="utf-8") for p in [case / "brief.md", *transcripts])
    assert len(leaked(values, planted)) >= len(values) - 2  # the values are really in the inputs

    seen = "\n".join(str(m.content) for request in model.requests for m in request)
    assert leaked(values, seen) == []
    journey = JourneyMap.model_validate_json(target.read_text(encoding="utf-8"))
    assert journey.title.startswith("Pedalpass brief") and leaked(values, journey.title) == []
    exports = {fmt: render(journey, fmt, include_pending=True) for fmt in FORMATS}
    assert [(fmt, v) for fmt, text in exports.items() for v in leaked(values, text)] == []
    report = (target.parent / "map.run.json").read_text(encoding="utf-8")
    assert leaked(values, report) == []
    store = Store(f"sqlite:///{tmp_path / 'maps.sqlite3'}")
    store.save_map(journey)
    stored = store.get_map(journey.id).model_dump_json() + (tmp_path / "maps.sqlite3").read_bytes().decode(
        "latin-1"
    )
    store.close()
    assert leaked(values, stored) == []
    assert sum(journey.provenance.redaction.values()) >= len(values)


def print_speech_table(name: str) -> None:
    """Recall per class and language, false positives on ordinary lines; the first blind set with the
    figures from before the spoken-form rules."""
    table = speech_figures(name)
    classes = sorted({kind for figures in table.values() for kind in figures} - {"ordinary"})
    print(f"\n{name}: | Language | " + " | ".join(classes) + " | Recall | False positives |")
    for language, figures in table.items():
        changed, ordinary = figures["ordinary"]
        caught = sum(hit for kind, (hit, _) in figures.items() if kind != "ordinary")
        total = sum(n for kind, (_, n) in figures.items() if kind != "ordinary")
        cells = " | ".join(f"{figures[k][0]}/{figures[k][1]}" if k in figures else "-" for k in classes)
        before = f" (before: {BEFORE[language][0]:.2f}, {BEFORE[language][1]:.1%})" if name == "blind" else ""
        print(f"| {language} | {cells} | {caught / total:.2f} | {changed}/{ordinary}{before} |")


if __name__ == "__main__":
    for corpus_name in ("blind", "blind2", "dev"):
        print_speech_table(corpus_name)
    by_kind, by_category = figures()
    print("| Kind | Caught | Recall |\n|---|---|---|")
    for kind, (hit, n) in by_kind.items():
        print(f"| {kind} | {hit}/{n} | {hit / n:.2f} |")
    print("\n| Ordinary text | Changed | False positives |\n|---|---|---|")
    for category, (changed, n) in by_category.items():
        print(f"| {category} | {changed}/{n} | {changed / n:.1%} |")

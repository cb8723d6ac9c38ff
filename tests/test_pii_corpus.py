"""Redaction measured on a corpus of personal data by locale and on a negative corpus of ordinary numbers.

`tests/data/pii_corpus.yaml` holds values (each in a sentence, `{}` marks where) for en-US, en-GB, nb-NO,
lt-LT, de-DE, fr-FR and generic forms, national ids with valid check digits among them;
`tests/data/pii_negatives.yaml` holds lines that must come through untouched. Run this file as a script for
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
    exports = {fmt: render(journey, fmt) for fmt in FORMATS}
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


if __name__ == "__main__":
    by_kind, by_category = figures()
    print("| Kind | Caught | Recall |\n|---|---|---|")
    for kind, (hit, n) in by_kind.items():
        print(f"| {kind} | {hit}/{n} | {hit / n:.2f} |")
    print("\n| Ordinary text | Changed | False positives |\n|---|---|---|")
    for category, (changed, n) in by_category.items():
        print(f"| {category} | {changed}/{n} | {changed / n:.1%} |")

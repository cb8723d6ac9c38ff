"""Redaction measured on a corpus of personal data by locale and on a negative corpus of ordinary numbers.

`tests/data/pii_corpus.yaml` holds values (each in a sentence, `{}` marks where) for en-US, en-GB, nb-NO,
lt-LT, de-DE, fr-FR and generic forms, national ids with valid check digits among them;
`tests/data/pii_negatives.yaml` holds lines that must come through untouched. Run this file as a script for
the recall and false-positive table in the README: `python tests/test_pii_corpus.py`.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from cjgen.redact import redact_text

DATA = Path(__file__).parent / "data"
CORPUS: list[dict[str, str]] = yaml.safe_load((DATA / "pii_corpus.yaml").read_text(encoding="utf-8"))
NEGATIVES: dict[str, list[str]] = yaml.safe_load((DATA / "pii_negatives.yaml").read_text(encoding="utf-8"))
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


if __name__ == "__main__":
    by_kind, by_category = figures()
    print("| Kind | Caught | Recall |\n|---|---|---|")
    for kind, (hit, n) in by_kind.items():
        print(f"| {kind} | {hit}/{n} | {hit / n:.2f} |")
    print("\n| Ordinary text | Changed | False positives |\n|---|---|---|")
    for category, (changed, n) in by_category.items():
        print(f"| {category} | {changed}/{n} | {changed / n:.1%} |")

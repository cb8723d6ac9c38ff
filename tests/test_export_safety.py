"""Export safety: a corpus of payloads placed in every text field and id of a map, through every format.

`tests/data/export_payloads.yaml` holds HTML, Markdown link and image, Mermaid directive and comment, CSV formula
and template payloads. A format is unsafe for a payload when the payload changes the document's structure: raw
HTML or a link in Markdown, a line outside the journey grammar in Mermaid, a new tag, attribute or script in
HTML, a formula in CSV, or JSON that does not read back.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from cjgen.board import BOARD_COLUMNS
from cjgen.render import FORMATS, render, summary_to_markdown
from cjgen.schema import Evidence, JourneyMap, PainPoint, TranscriptSummary
from factories import sample_map, sample_provenance

PAYLOADS: list[str] = yaml.safe_load(
    (Path(__file__).parent / "data" / "export_payloads.yaml").read_text(encoding="utf-8")
)["payloads"] + [
    # A backslash before an escaped bracket escapes the escape.
    "\\[click\\](javascript:alert(1))",
    "\\![pixel\\](https://evil.example/p.png)",
    "\\\\[x\\\\](javascript:alert(1))",
    "<img src=http://evil.example/p.png>",
]


def _evidence(e: Evidence, payload: str) -> Evidence:
    return e.model_copy(update={"participant_id": payload, "source_id": payload, "quote": payload})


def with_payload(payload: str) -> JourneyMap:
    """`sample_map` with the payload in the title, every text field, a participant, source and item id."""
    journey = sample_map()
    journey.title = journey.summary = payload
    for item in journey.items():
        for name in ("name", "description", "text", "statement", "what", "note"):
            if isinstance(getattr(item, name, None), str):
                setattr(item, name, payload)
        item.review.note = payload
        item.evidence = [_evidence(e, payload) for e in item.evidence]
    for contradiction in journey.contradictions:
        for side in contradiction.sides:
            side.statement = payload
            side.participant_ids = [payload]
            side.evidence = [_evidence(e, payload) for e in side.evidence]
    journey.personas[0].participant_ids = [payload, *journey.personas[0].participant_ids]
    journey.personas[0].goals = [payload]
    old_id = journey.pain_points[0].id
    journey.pain_points[0].id = payload
    for opportunity in journey.opportunities:
        opportunity.addresses = [payload if a == old_id else a for a in opportunity.addresses]
        opportunity.owner = opportunity.metric = payload
    journey.notes = [payload]
    journey.provenance.unsupported = [payload]
    journey.provenance.model = payload
    journey.provenance.inputs = [
        f.model_copy(update={"participant_id": payload, "path": payload}) for f in journey.provenance.inputs
    ]
    return journey


# --------------------------------------------------------------------------------------------- checks per format


def markdown_problems(md: str) -> list[str]:
    problems = []
    if m := re.search(r"<[A-Za-z/!?]", md):
        problems.append(f"raw HTML at {md[m.start() : m.start() + 30]!r}")
    # A bracket is live unless an odd number of backslashes comes before it.
    live = r"(?<!\\)(?:\\\\)*\]"
    if m := re.search(rf"{live}\s*[(\[]|^\s*\[[^\]\n]*{live}:", md, re.MULTILINE):
        problems.append(f"a link or image at {md[max(0, m.start() - 20) : m.start() + 20]!r}")
    problems += [f"unbalanced code span: {line!r}" for line in md.splitlines() if line.count("`") % 2]
    return problems


# One journey line each; a `%%` anywhere (a comment or a directive) or a brace, angle bracket or `#` is unsafe.
_MERMAID_LINE = re.compile(
    r"(?!.*%%)(?:journey|  title [^\n{}<>#]+|  section [^\n:{}<>#]+|    [^:\n{}<>#]+: [1-5](: [^:\n{}<>#]+)?)"
)


def mermaid_problems(diagram: str) -> list[str]:
    lines = diagram.rstrip("\n").split("\n")
    bad = [line for line in lines if not _MERMAID_LINE.fullmatch(line)]
    keyword = [line for line in lines[2:] if re.match(r"\s+(title|section|acc\w+|click|style)\b", line)]
    return [f"line outside the grammar: {line!r}" for line in bad] + [
        f"a task read as a keyword: {line!r}" for line in keyword if not line.startswith("  section ")
    ]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def html_problems(page: str, baseline: _Tags) -> list[str]:
    parsed = _Tags()
    parsed.feed(page)
    problems = []
    if [t for t, _ in parsed.tags] != [t for t, _ in baseline.tags]:
        problems.append("the payload added or removed tags")
    for tag, attrs in parsed.tags:
        for name, value in attrs.items():
            if name.startswith("on") or name in ("src", "srcdoc", "formaction"):
                problems.append(f"<{tag} {name}>")
            if name == "href" and not (value or "").startswith("#"):
                problems.append(f"<{tag} href={value!r}>")
    csp = [a.get("content") or "" for t, a in parsed.tags if a.get("http-equiv") == "Content-Security-Policy"]
    digest = base64.b64encode(hashlib.sha256("".join(parsed.scripts).encode()).digest()).decode()
    if len(csp) != 1 or "default-src 'none'" not in csp[0] or f"'sha256-{digest}'" not in csp[0]:
        problems.append(f"no policy that allows only the page's own script: {csp}")
    return problems


_TEXT_COLUMNS = ("id", "stage", "personas", "text", "review_note", "addresses", "quotes", "sources")


def csv_problems(table: str, columns: tuple[str, ...] = _TEXT_COLUMNS) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(table)))
    return [
        f"formula in {column}: {row[column]!r}"
        for row in rows
        for column in columns
        if row[column].lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r", "\n")
    ]


def problems(journey: JourneyMap, fmt: str, baseline: _Tags) -> list[str]:
    out = render(journey, fmt, include_pending=True)
    if fmt == "board":
        return csv_problems(out, BOARD_COLUMNS)
    if fmt == "md":
        return markdown_problems(out)
    if fmt == "mermaid":
        return mermaid_problems(out)
    if fmt == "html":
        return html_problems(out, baseline)
    if fmt == "csv":
        return csv_problems(out)
    return [] if JourneyMap.model_validate_json(out) == journey else ["JSON does not read back"]


@pytest.fixture(scope="module")
def baseline() -> _Tags:
    """The tags of the page for the same map with harmless text, to compare structure with."""
    parsed = _Tags()
    parsed.feed(render(with_payload("plain words"), "html"))
    return parsed


def test_corpus_size() -> None:
    assert len(PAYLOADS) >= 30


def test_the_checks_can_fail(baseline: _Tags) -> None:
    assert markdown_problems("- [x](javascript:alert(1)) <b>")
    assert markdown_problems("- \\\\[x\\\\](javascript:alert(1))")
    assert not markdown_problems("- \\\\\\[x\\\\\\](javascript:alert(1))")
    assert mermaid_problems("journey\n  title a\n%%{init: {}}%%\n")
    assert html_problems("<html><script>x</script><img src=x></html>", baseline)
    assert csv_problems(",".join(("type", *_TEXT_COLUMNS)) + "\npain_point,=1+1,,,,,,,\n")


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_payload_is_unsafe_in_any_format(fmt: str, baseline: _Tags) -> None:
    unsafe = {
        payload: found for payload in PAYLOADS if (found := problems(with_payload(payload), fmt, baseline))
    }
    assert unsafe == {}


def test_mermaid_comment_runs_are_collapsed_and_directives_broken() -> None:
    diagram = render(with_payload("%%%%{init: {'theme': 'dark'}}%%%%"), "mermaid")
    assert "%%" not in diagram and "{" not in diagram and "}" not in diagram


def test_markdown_keeps_ids_inside_their_code_spans() -> None:
    journey = with_payload("pain`](javascript:x)")
    md = render(journey, "md")
    assert "`pain'\\](javascript - x)`" not in md  # the id is escaped, not reinterpreted
    assert "`pain'\\](javascript:x)`" in md


def test_summary_markdown_is_safe_too() -> None:
    for payload in PAYLOADS:
        quote = Evidence(
            source_id=payload, participant_id=payload, turn_index=1, start=0, end=len(payload), quote=payload
        )
        pain = PainPoint(id="pain1", stage_id=payload, statement=payload, severity=2, evidence=[quote])
        summary = TranscriptSummary(
            source_id=payload,
            participant_id=payload,
            pain_points=[pain],
            quotes=[quote],
            provenance=sample_provenance(),
        )
        assert markdown_problems(summary_to_markdown(summary)) == [], payload


if __name__ == "__main__":
    parsed = _Tags()
    parsed.feed(render(with_payload("plain words"), "html"))
    for fmt in FORMATS:
        unsafe = sum(1 for payload in PAYLOADS if problems(with_payload(payload), fmt, parsed))
        print(f"| {fmt} | {len(PAYLOADS)} | {len(PAYLOADS) - unsafe} |")

"""Render a journey map as HTML, Markdown, JSON, CSV, a Mermaid `journey` diagram or whiteboard stickies.

Pure functions: a map goes in, text comes out; writing files is the caller's business. The HTML page is
one self-contained file (inline CSS and SVG, no external assets) so it can be mailed, archived or printed
as is. Text from the map is untrusted (it comes from transcripts and a model), so the HTML templates
autoescape everything and the Markdown, CSV and Mermaid writers neutralise what would break their syntax.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import mean
from typing import Final

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup

from cjgen.errors import InputError
from cjgen.review import EDITABLE_FIELDS, ITEM_GROUPS
from cjgen.schema import (
    KIND_OF,
    Action,
    BlueprintLane,
    BlueprintStep,
    Contradiction,
    Delight,
    Emotion,
    Evidence,
    Item,
    JourneyMap,
    LeftOut,
    Opportunity,
    PainPoint,
    Persona,
    Stage,
    Thought,
    Touchpoint,
    TranscriptSummary,
)
from cjgen.wording import counted

CSV_COLUMNS: Final = (
    "type",
    "id",
    "stage",
    "personas",
    "text",
    "kind",
    "basis",
    "review_status",
    "review_note",
    "severity",
    "score",
    "evidence_count",
    "participant_count",
    "addresses",
    "quotes",
    "sources",
)

MAP_TYPE_LABELS: Final = {
    "current-state": "Current state",
    "future-state": "Future state",
    "day-in-the-life": "Day in the life",
    "service-blueprint": "Service blueprint",
}
STATUS_LABELS: Final = {
    "pending": "pending review",
    "accepted": "✓ accepted",
    "edited": "✎ edited",
    "rejected": "✕ rejected",
    "needs-review": "⟳ needs re-review",
}
LEFT_OUT_LABELS: Final = {"pain": "likely problem", "delight": "good moment"}
BLUEPRINT_LANES: Final[tuple[tuple[BlueprintLane, str, str], ...]] = (
    ("frontstage", "Frontstage", "What the customer sees: people, screens, places"),
    ("backstage", "Backstage", "Below the line of visibility: staff actions the customer does not see"),
    ("support", "Support processes", "Systems, partners and policies behind the staff"),
)
# Colour-blind-safe, dark enough for text on white (WCAG AA).
PERSONA_COLOURS: Final = (
    "#1d4ed8",
    "#c2410c",
    "#047857",
    "#7c3aed",
    "#be185d",
    "#0e7490",
    "#4d7c0f",
    "#92400e",
)
ALL_PARTICIPANTS_COLOUR: Final = "#475569"
UNSTAGED = "Unstaged"
# How every format marks a quote that reads as an instruction to an AI system (`Evidence.flagged`).
FLAGGED_QUOTE: Final = "flagged as instruction-like; kept as evidence"

# Each count's label for one of it (`MapView.at_a_glance`).
_ONE = {
    "Personas": "persona",
    "Stages": "stage",
    "Participants": "participant",
    "Quotes": "quote",
    "Pain points": "pain point",
    "Delights": "delight",
    "Opportunities": "opportunity",
    "Assumptions": "assumption",
}


# --------------------------------------------------------------------------------------------- public API


def extension_for(fmt: str) -> str:
    """The file extension, with its dot, for a format in `FORMATS` (`mermaid` -> `.mmd`)."""
    return EXPORTS[_check_format(fmt)].suffix


def render(journey: JourneyMap, fmt: str, *, include_pending: bool = False) -> str:
    """The map as text in one of `FORMATS`; the whiteboard (`board`) holds only accepted and edited items,
    and pending ones too with `include_pending`."""
    return EXPORTS[_check_format(fmt)].write(journey, include_pending)


@dataclass(frozen=True)
class ReviewPage:
    """What the served review page adds to the map: its CSRF token, the history, where its API and files are."""

    csrf: str
    events: Sequence[object]
    api: str = "/v1"
    static: str = "/review/static"
    exports: tuple[str, ...] = field(default_factory=lambda: FORMATS)
    groups: tuple[str, ...] = ITEM_GROUPS  # the page reads the map's item lists and what an edit may change
    editable: tuple[str, ...] = EDITABLE_FIELDS


def to_html(journey: JourneyMap, review: ReviewPage | None = None) -> str:
    """One self-contained, printable HTML page: stages as columns, lanes as rows, quotes one click away.

    A Content-Security-Policy meta tag lets the page load nothing and run only its own script (by hash), so
    even text that slipped past escaping could not fetch, post or execute anything. With `review`, the page is
    the served review page instead: no inline script or style (its policy comes with the response), the
    page's files from the server, and the review panel.
    """
    view = _MapView.build(journey)
    script = _page_script()
    return _template("map.html.j2").render(
        journey=journey,
        view=view,
        chart=_emotion_chart(journey, view),
        script=Markup(script),
        csp=content_security_policy(script),
        review=review,
    )


def content_security_policy(script: str) -> str:
    """The standalone page's policy: no network at all, inline styles, and only `script` may run."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def to_markdown(journey: JourneyMap) -> str:
    """A readable document: personas, one section per stage with quotes, then opportunities and the rest."""
    return _tidy_markdown(_template("map.md.j2").render(journey=journey, view=_MapView.build(journey)))


def to_json(journey: JourneyMap) -> str:
    """The map as JSON that `JourneyMap.model_validate_json` reads back.

    Computed counts (`quote_count`, `model_calls`, ...) are left out: the models forbid extra fields, so a
    dump that included them could not be loaded again.
    """
    return journey.model_dump_json(indent=2)


def to_csv(journey: JourneyMap) -> str:
    """One row per reviewable item (`journey.items()` order), for spreadsheets and review tracking."""
    view = _MapView.build(journey)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in journey.items():
        writer.writerow(_csv_row(view, item))
    return out.getvalue()


def to_mermaid(journey: JourneyMap) -> str:
    """A Mermaid `journey` diagram: a section per stage; actions, pains and delights scored from emotions."""
    view = _MapView.build(journey)
    lines = ["journey", f"  title {_mermaid_text(journey.title)}"]
    for column in view.columns:
        lines.append(f"  section {_mermaid_text(column.name)}")
        tasks: list[tuple[str, str, list[str]]] = [
            *(("", a.text, a.persona_ids) for a in column.actions),
            *(("Pain - ", p.statement, p.persona_ids) for p in column.pain_points),
            *(("Delight - ", d.statement, d.persona_ids) for d in column.delights),
        ]
        for prefix, text, persona_ids in tasks:
            score = _mermaid_score(column.emotions, persona_ids)
            actors = ", ".join(_mermaid_text(view.persona_name(p), actor=True) for p in persona_ids)
            task = _mermaid_task(prefix + text)
            lines.append(f"    {task}: {score}: {actors}" if actors else f"    {task}: {score}")
    return "\n".join(lines) + "\n"


def summary_to_markdown(summary: TranscriptSummary) -> str:
    """One transcript's summary: key points, pain points and delights with their quotes, notable quotes."""
    # A point shows its stage's name; a summary written before its stages were kept shows the stage id.
    stages = {stage.id: stage.name for stage in summary.stages}
    return _tidy_markdown(_template("summary.md.j2").render(summary=summary, stages=stages))


# --------------------------------------------------------------------------------------------- view model


@dataclass
class Column:
    """A stage with its items per lane; a last, stageless column collects items whose stage is unknown."""

    index: int
    name: str
    stage: Stage | None = None
    actions: list[Action] = field(default_factory=list)
    touchpoints: list[Touchpoint] = field(default_factory=list)
    thoughts: list[Thought] = field(default_factory=list)
    emotions: list[Emotion] = field(default_factory=list)
    pain_points: list[PainPoint] = field(default_factory=list)
    delights: list[Delight] = field(default_factory=list)
    blueprint: list[BlueprintStep] = field(default_factory=list)

    def lane(self, name: str) -> list[Item]:
        if name in {lane for lane, _, _ in BLUEPRINT_LANES}:
            return [step for step in self.blueprint if step.lane == name]
        items: list[Item] = getattr(self, name)
        return items


@dataclass(frozen=True)
class Lane:
    key: str
    label: str
    hint: str


@dataclass
class _MapView:
    """What the templates need, computed once: columns, persona lookups, counts."""

    journey: JourneyMap
    columns: list[Column]
    persona_by_id: dict[str, Persona]
    persona_colour: dict[str, str]
    lanes: list[Lane]
    outcome_lanes: list[Lane]
    blueprint_lanes: list[Lane]

    @classmethod
    def build(cls, journey: JourneyMap) -> _MapView:
        columns = [Column(index=i + 1, name=s.name, stage=s) for i, s in enumerate(journey.stages)]
        by_stage = {s.id: c for s, c in zip(journey.stages, columns, strict=True)}
        unstaged = Column(index=len(columns) + 1, name=UNSTAGED)
        staged = journey.staged_groups()
        for name, items in staged:
            for item in items:
                getattr(by_stage.get(item.stage_id, unstaged), name).append(item)
        for step in journey.blueprint:
            by_stage.get(step.stage_id, unstaged).blueprint.append(step)
        if any(unstaged.lane(name) for name in (*dict(staged), "blueprint")):
            columns.append(unstaged)
        show_blueprint = journey.map_type == "service-blueprint" or bool(journey.blueprint)
        return cls(
            journey=journey,
            columns=columns,
            persona_by_id={p.id: p for p in journey.personas},
            persona_colour={
                p.id: PERSONA_COLOURS[i % len(PERSONA_COLOURS)] for i, p in enumerate(journey.personas)
            },
            lanes=[
                Lane("actions", "Actions", "What they do"),
                Lane("touchpoints", "Touchpoints", "Channels they use"),
                Lane("thoughts", "Thoughts", "What they think"),
            ],
            outcome_lanes=[
                Lane("pain_points", "Pain points", "What goes wrong, by severity"),
                Lane("delights", "Delights", "Moments that work"),
            ],
            blueprint_lanes=[Lane(*lane) for lane in BLUEPRINT_LANES] if show_blueprint else [],
        )

    # -- lookups the templates call

    def persona_name(self, persona_id: str | None) -> str:
        if persona_id is None:
            return "All participants"
        persona = self.persona_by_id.get(persona_id)
        return persona.name if persona else persona_id

    def colour(self, persona_id: str | None) -> str:
        return self.persona_colour.get(persona_id or "", ALL_PARTICIPANTS_COLOUR)

    def pain_point(self, pain_id: str) -> PainPoint | None:
        return next((p for p in self.journey.pain_points if p.id == pain_id), None)

    def addressed(self, opportunity: Opportunity) -> list[tuple[str, PainPoint | None]]:
        """The pain points an opportunity addresses; None for an id that does not resolve."""
        return [(pain_id, self.pain_point(pain_id)) for pain_id in opportunity.addresses]

    def stages_addressed(self, opportunity: Opportunity) -> list[str]:
        names = [self.journey.stage_name(p.stage_id) for _, p in self.addressed(opportunity) if p]
        return list(dict.fromkeys(names))

    def assumptions(self) -> list[Item]:
        return [item for item in self.journey.items() if item.basis == "assumption"]

    def participant_ids(self) -> list[str]:
        ids = {e.participant_id for e in self.journey.all_evidence()}
        ids.update(pid for p in self.journey.personas for pid in p.participant_ids)
        return sorted(ids, key=_natural_key)

    def quote_count(self) -> int:
        return len({(e.source_id, e.turn_index, e.start, e.end) for e in self.journey.all_evidence()})

    def at_a_glance(self) -> str:
        """The counts in words: "1 persona · 6 stages · … · 1 opportunity"."""
        return " · ".join(f"{n} {_ONE[label] if n == 1 else label.lower()}" for label, n in self.counts())

    def counts(self) -> list[tuple[str, int]]:
        j = self.journey
        return [
            ("Personas", len(j.personas)),
            ("Stages", len(j.stages)),
            ("Participants", len(self.participant_ids())),
            ("Quotes", self.quote_count()),
            ("Pain points", len(j.pain_points)),
            ("Delights", len(j.delights)),
            ("Opportunities", len(j.opportunities)),
            ("Assumptions", len(self.assumptions())),
        ]

    def left_out_by_participant(self) -> list[tuple[str, list[LeftOut]]]:
        """What the map left out, per participant (in participant order), strongest first."""
        groups: dict[str, list[LeftOut]] = {}
        for lo in self.journey.left_out:
            groups.setdefault(lo.evidence.participant_id, []).append(lo)
        return [
            (pid, sorted(found, key=lambda lo: -lo.strength))
            for pid, found in sorted(groups.items(), key=lambda g: _natural_key(g[0]))
        ]

    def total_seconds(self) -> float:
        return sum(self.journey.provenance.step_seconds.values())

    def cached_calls(self) -> int:
        return sum(1 for c in self.journey.provenance.calls if c.cached)


# --------------------------------------------------------------------------------------------- emotion curve


@dataclass(frozen=True)
class ChartPoint:
    stage: str
    x_pct: float
    y: float
    score: float
    label_y: float


@dataclass(frozen=True)
class ChartSeries:
    name: str
    colour: str
    dx: float
    points: list[ChartPoint]

    @property
    def segments(self) -> list[tuple[ChartPoint, ChartPoint]]:
        return list(zip(self.points, self.points[1:], strict=False))


@dataclass(frozen=True)
class EmotionChart:
    height: int
    series: list[ChartSeries]
    gridlines: list[tuple[int, float]]
    separators: list[float]

    @property
    def zero_y(self) -> float:
        return _chart_y(0)


_CHART_HEIGHT, _CHART_PAD = 220, 34


def _chart_y(score: float) -> float:
    return round(_CHART_PAD + (2 - score) * (_CHART_HEIGHT - 2 * _CHART_PAD) / 4, 1)


def _emotion_chart(journey: JourneyMap, view: _MapView) -> EmotionChart | None:
    """One line per persona across the stage columns; x in percent of the SVG width lines up with them."""
    if not journey.emotions or not view.columns:
        return None
    order = {p.id: i for i, p in enumerate(journey.personas)}
    owners = sorted(
        dict.fromkeys(e.persona_id for e in journey.emotions),
        key=lambda p: (p is None, order.get(p or "", len(order))),
    )
    # Mean score per owner per column (a persona may have several emotions in one stage).
    scores: dict[tuple[int, str | None], float] = {}
    for column in view.columns:
        for owner in owners:
            found = [e.score for e in column.emotions if e.persona_id == owner]
            if found:
                scores[column.index, owner] = round(mean(found), 1)
    n = len(view.columns)
    series: list[ChartSeries] = []
    for k, owner in enumerate(owners):
        points: list[ChartPoint] = []
        for column in view.columns:
            score = scores.get((column.index, owner))
            if score is None:
                continue
            # The highest line at a stage gets its label above the point, the others below, to avoid overlap.
            others = [
                (v, owners.index(o)) for (i, o), v in scores.items() if i == column.index and o != owner
            ]
            above = all(score > v or (score == v and k < j) for v, j in others)
            y = _chart_y(score)
            points.append(
                ChartPoint(
                    stage=column.name,
                    x_pct=round((column.index - 0.5) * 100 / n, 3),
                    y=y,
                    score=score,
                    label_y=round(y - 11 if above else y + 21, 1),
                )
            )
        # Lines for different personas are nudged apart a few pixels so equal scores do not hide each other.
        dx = (k - (len(owners) - 1) / 2) * 8
        series.append(ChartSeries(view.persona_name(owner), view.colour(owner), dx, points))
    return EmotionChart(
        height=_CHART_HEIGHT,
        series=series,
        gridlines=[(s, _chart_y(s)) for s in (2, 1, 0, -1, -2)],
        separators=[round(i * 100 / n, 3) for i in range(1, n)],
    )


# --------------------------------------------------------------------------------------------- templates


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("cjgen", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=True, default=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        timestamp=format_timestamp,
        signed=format_score,
        md=_md_inline,
        md_cell=_md_cell,
        plural=counted,
        when=lambda dt: f"{dt.day} {dt:%b %Y, %H:%M} {dt.tzname() or ''}".strip(),
        thousands=lambda n: f"{n:,}",
        seconds=format_seconds,
    )
    env.globals.update(
        item_text=item_text,
        item_kind=item_kind,
        item_slug=item_slug,
        evidence_of=evidence_of,
        evidence_label=evidence_label,
        cite=cite,
        anchor=anchor,
        status_labels=STATUS_LABELS,
        left_out_labels=LEFT_OUT_LABELS,
        flagged_quote=FLAGGED_QUOTE,
        map_type_label=lambda t: MAP_TYPE_LABELS.get(t, t),
        severity_label=lambda s: {1: "Low", 2: "Medium", 3: "High"}.get(s, str(s)),
    )
    return env


def _template(name: str) -> Template:
    return _environment().get_template(name)


@lru_cache(maxsize=1)
def _page_script() -> str:
    """The page's own script, exactly as it is embedded (its hash goes into the page's policy)."""
    source, _, _ = PackageLoader("cjgen", "templates").get_source(_environment(), "map.js")
    return "\n" + source.strip() + "\n"


# --------------------------------------------------------------------------------------------- item helpers


def item_text(item: Item) -> str:
    """The words an item is about, whatever its type."""
    match item:
        case Persona() | Stage() | Touchpoint():
            return item.name
        case Action() | Thought() | BlueprintStep():
            return item.text
        case PainPoint() | Delight() | Opportunity():
            return item.statement
        case Emotion():
            return item.note
        case Contradiction():
            return item.what
    return item.id


def item_slug(item: Item) -> str:
    kind = KIND_OF.get(type(item))
    return kind.slug if kind else "item"


def item_kind(item: Item) -> str:
    kind = KIND_OF.get(type(item))
    return kind.label if kind else "Item"


def anchor(item_id: str) -> str:
    """The HTML id of an item, so opportunities can link to the pain points they address."""
    return "item-" + re.sub(r"[^A-Za-z0-9_-]+", "-", item_id)


def evidence_of(item: Item) -> list[Evidence]:
    """An item's quotes; a contradiction's are the quotes of its sides, which it shows (its own, each side's
    first, are among them), so that its count is of the quotes under it."""
    if not isinstance(item, Contradiction):
        return list(item.evidence)
    shown = [e for side in item.sides for e in side.evidence]
    places = {(e.source_id, e.turn_index, e.start, e.end) for e in shown}
    return shown + [e for e in item.evidence if (e.source_id, e.turn_index, e.start, e.end) not in places]


def evidence_label(evidence: Sequence[Evidence]) -> str:
    """How much evidence, as shown on an item: "3 quotes · 2 participants"."""
    participants = len({e.participant_id for e in evidence})
    return f"{counted(len(evidence), 'quote')} · {counted(participants, 'participant')}"


def cite(e: Evidence) -> str:
    """Where a quote comes from: "P1, P1.txt turn 12 at 03:14" ("P1 (Partner), ..." for a companion)."""
    who = f"{e.participant_id} ({e.speaker})" if e.speaker else e.participant_id
    where = f"{who}, {e.source_id} turn {e.turn_index}"
    return where + (f" at {format_timestamp(e.timestamp_s)}" if e.timestamp_s is not None else "")


def format_timestamp(seconds: float | None) -> str:
    """mm:ss, or h:mm:ss from an hour on."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_score(score: float) -> str:
    """An emotion score with its sign, using a true minus: "+2", "0", "−1.5"."""
    text = f"{abs(score):g}"
    return "0" if score == 0 else ("+" if score > 0 else "\u2212") + text


def format_seconds(seconds: float) -> str:
    if seconds >= 60:
        return f"{int(seconds // 60)} min {seconds % 60:.0f} s"
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def _natural_key(text: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


# --------------------------------------------------------------------------------------------- markdown


_MD_ESCAPES = str.maketrans({"\\": "\\\\", "<": "&lt;", "[": "\\[", "]": "\\]", "`": "'"})


def _md_inline(text: object) -> str:
    """One line of Markdown-safe text: newlines would break lists and quotes, `<` would open raw HTML,
    brackets a link or image (`[x](javascript:…)`, `![](https://…)`) and a backtick the code span of an id.
    A backslash is escaped too (in the same pass), or `\\[x\\](javascript:…)` would escape our escapes."""
    return " ".join(str(text).split()).translate(_MD_ESCAPES)


def _tidy_markdown(text: str) -> str:
    """Templates stay readable by not fighting Jinja's whitespace; runs of blank lines are folded here."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _md_cell(text: object) -> str:
    return _md_inline(text).replace("|", "\\|")


# --------------------------------------------------------------------------------------------- csv


def _csv_row(view: _MapView, item: Item) -> dict[str, str | int]:
    journey = view.journey
    evidence = evidence_of(item)
    stage = getattr(item, "stage_id", None)
    if isinstance(item, Stage):
        stage_name = item.name
    elif isinstance(item, Opportunity):
        stage_name = "; ".join(view.stages_addressed(item))
    else:
        stage_name = journey.stage_name(stage) if stage else ""
    names = {p.id: p.name for p in journey.personas}
    persona_ids: Iterable[str] = getattr(item, "persona_ids", None) or []
    if isinstance(item, Emotion):
        persona_ids = [item.persona_id] if item.persona_id else []
    elif isinstance(item, Persona):
        persona_ids = [item.id]
    elif isinstance(item, Contradiction):
        persona_ids = []
    kind = item.kind if isinstance(item, Touchpoint) else item.lane if isinstance(item, BlueprintStep) else ""
    return {
        "type": item_slug(item),
        "id": _csv_text(item.id),
        "stage": _csv_text(stage_name),
        "personas": _csv_text("; ".join(names.get(p, p) for p in persona_ids)),
        "text": _csv_text(item_text(item)),
        "kind": kind,
        "basis": item.basis,
        "review_status": item.review.status,
        "review_note": _csv_text(item.review.note or ""),
        "severity": item.severity if isinstance(item, PainPoint | Delight) else "",
        "score": item.score if isinstance(item, Emotion) else "",
        "evidence_count": len(evidence),
        "participant_count": len({e.participant_id for e in evidence}),
        "addresses": _csv_text("; ".join(item.addresses)) if isinstance(item, Opportunity) else "",
        "quotes": _csv_text(
            " | ".join(f"{_as_quoted(e)} ({e.participant_id} turn {e.turn_index})" for e in evidence)
        ),
        "sources": _csv_text("; ".join(dict.fromkeys(e.source_id for e in evidence))),
    }


def _as_quoted(e: Evidence) -> str:
    """Verbatim speech in quotation marks; a passage of notes marked as notes; a flagged one says so."""
    quoted = f"notes: {e.quote}" if e.kind == "notes" else f'"{e.quote}"'
    return f"{quoted} [{FLAGGED_QUOTE}]" if e.flagged else quoted


def _csv_text(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas (also after spaces); a leading apostrophe
    keeps them text."""
    return "'" + text if text.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") else text


# --------------------------------------------------------------------------------------------- mermaid


_MERMAID_DROP = str.maketrans("", "", '{}<>#`"')


def _mermaid_text(text: str, *, actor: bool = False) -> str:
    """Mermaid's journey syntax ends a name at `:`, `;`, `#` or a newline, reads `%%` as a comment or a
    directive (`%%{init: …}%%`) and `#…;` as an entity: runs of `%` become one, and braces, angle brackets,
    `#`, backticks and double quotes go."""
    text = re.sub(r"%+", "%", text).translate(_MERMAID_DROP).replace(":", " - ").replace(";", ",")
    if actor:
        text = text.replace(",", " ")
    return " ".join(text.split()) or "(untitled)"


_MERMAID_KEYWORD = re.compile(r"(?i)(title|section|acc(title|descr)|click|style|classdef|class|linkstyle)\b")


def _mermaid_task(text: str) -> str:
    task = _mermaid_text(text)
    # A task named like a keyword ("Section the form") would be read as that keyword.
    return "- " + task if re.match(_MERMAID_KEYWORD, task) else task


def _mermaid_score(emotions: Sequence[Emotion], persona_ids: Sequence[str]) -> int:
    """The stage's emotion (-2..+2) for these personas, or for everyone, on Mermaid's 1..5 scale."""
    scores = [e.score for e in emotions if e.persona_id in persona_ids] or [e.score for e in emotions]
    return min(5, max(1, round(mean(scores)) + 3)) if scores else 3


# --------------------------------------------------------------------------------------------- checks


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InputError("format", f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


# --------------------------------------------------------------------------------------------- formats


def _board(journey: JourneyMap, include_pending: bool) -> str:
    from cjgen.board import to_board  # the board writer uses this module's CSV guard

    return to_board(journey, include_pending=include_pending)


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name (`--format`), file suffix, media type, what it is, and its writer (the map,
    and whether pending items are included where a format leaves them out)."""

    name: str
    suffix: str
    media_type: str
    description: str
    write: Callable[[JourneyMap, bool], str]


# Every export format, in the order help texts list them. Adding one is a row here; the CLI's `--format`,
# the suffix of `-o`, and the service's export route and its media types read this table.
EXPORTS: Final[dict[str, ExportFormat]] = {
    f.name: f
    for f in (
        ExportFormat("html", ".html", "text/html; charset=utf-8", "one page", lambda j, _: to_html(j)),
        ExportFormat("md", ".md", "text/markdown; charset=utf-8", "a report", lambda j, _: to_markdown(j)),
        ExportFormat("json", ".json", "application/json", "the full map", lambda j, _: to_json(j)),
        ExportFormat("csv", ".csv", "text/csv; charset=utf-8", "one row per item", lambda j, _: to_csv(j)),
        ExportFormat(
            "mermaid", ".mmd", "text/plain; charset=utf-8", "a journey diagram", lambda j, _: to_mermaid(j)
        ),
        ExportFormat(
            "board",
            ".board.csv",
            "text/csv; charset=utf-8",
            "whiteboard stickies for Miro, FigJam, Mural",
            _board,
        ),
    )
}
FORMATS: Final[tuple[str, ...]] = tuple(EXPORTS)


def formats_help() -> str:
    """The formats as a help text lists them: "html (one page), md (a report), …"."""
    return ", ".join(f"{f.name} ({f.description})" for f in EXPORTS.values())

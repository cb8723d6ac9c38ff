"""The whole run: redact → stages → extract → ground → synthesize → validate → JourneyMap.

The core (`build_map`, `build_draft`, `build_summary`) takes typed inputs — a `Brief`, `Transcript`s — and a
`Run`, the record of one run. The Python API (`cjgen.generate_map`, `cjgen.draft_map`,
`cjgen.summarize_transcript`) takes the same typed inputs, or a brief as text (a string is always text, never
a path); only the `*_from_files` wrappers read files. The model is injected; nothing here builds a client.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any, TypedDict, Unpack

from langchain_core.language_models import BaseChatModel

from cjgen.actions import action_text
from cjgen.ask import Progress, Run, Runtime
from cjgen.cache import ResponseCache
from cjgen.checks import instruction_notes, tidy
from cjgen.draft import draft_from_brief
from cjgen.errors import MapValidationError
from cjgen.ground import GroundReport
from cjgen.ingest import brief_from_text, load_brief, load_transcript, load_transcripts
from cjgen.leftout import find_left_out
from cjgen.models import make_model, resolve_backend
from cjgen.observations import Observation
from cjgen.participants import Participant
from cjgen.pseudonym import Pseudonyms, pseudonymise_run
from cjgen.read import Read, read_transcript
from cjgen.redact import (
    RedactedText,
    RedactedTranscript,
    no_redaction,
    redact_brief,
    redact_text,
    redact_transcript,
    report_for,
)
from cjgen.schema import (
    Brief,
    Delight,
    GroundingStats,
    InputFile,
    JourneyMap,
    MapType,
    PainPoint,
    Provenance,
    Stage,
    Thought,
    Transcript,
    TranscriptSummary,
)
from cjgen.settings import Settings, get_settings
from cjgen.stages import (
    BriefPlan,
    Segment,
    generic_stages,
    plan_from_brief,
    questions_asked,
    stages_from_questions,
)
from cjgen.synthesize import Context, about_statement, goal_statement, names_for, statement_of, synthesize
from cjgen.untrusted import scrub_map, scrub_summary
from cjgen.validate import check_map
from cjgen.version import __version__

BRIEF_WORDS_FOR_MODEL = 700


def open_runtime(
    model: BaseChatModel | None = None,
    *,
    backend: str | None = None,
    model_name: str | None = None,
    settings: Settings | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> Runtime:
    """A runtime for an injected chat model, or for the backend the settings choose."""
    settings = settings or get_settings()
    if model is None:
        chosen = resolve_backend(settings, backend)
        model, name = make_model(settings, chosen, model_name)
    else:
        chosen = backend or str(getattr(model, "_llm_type", "custom"))
        name = model_name or str(getattr(model, "model_name", None) or chosen)
    return Runtime(
        model=model,
        backend=chosen,
        model_name=name,
        json_mode=settings.json_mode,
        cache=ResponseCache.in_dir(settings.cache_dir) if use_cache else None,
        max_reasks=settings.max_reasks,
        concurrency=1 if chosen == "local" else max(1, settings.concurrency),
        progress=progress,
        labels=settings.labels,
    )


def as_brief(brief: Brief | str | None) -> Brief | None:
    """A brief from a `Brief` or from text. A string is always the brief's text, never a file name."""
    if brief is None or isinstance(brief, Brief):
        return brief
    if not isinstance(brief, str):
        raise TypeError(f"brief must be a Brief or its text, not {type(brief).__name__}; use *_from_files")
    return brief_from_text(brief)


def _typed(transcripts: Sequence[Transcript]) -> tuple[list[Transcript], Pseudonyms]:
    """The transcripts as every step sees them: typed, and with no name in a speaker label or file name; with
    the run's record of the codes given for names."""
    wrong = [type(t).__name__ for t in transcripts if not isinstance(t, Transcript)]
    if wrong:
        raise TypeError(f"transcripts must be Transcript objects, not {wrong[0]}; use *_from_files for paths")
    return pseudonymise_run(transcripts)


def _start(runtime: Runtime | None, model: BaseChatModel | None, progress: Progress | None = None) -> Run:
    return (runtime or open_runtime(model)).start(progress)


def _brief_for_model(brief: Brief | None) -> str:
    if brief is None:
        return "(no brief given)"
    words = brief.text.split()
    return (
        brief.text if len(words) <= BRIEF_WORDS_FOR_MODEL else " ".join(words[:BRIEF_WORDS_FOR_MODEL]) + " …"
    )


def brief_for_model(brief: Brief | None, redact: bool = True) -> str:
    """The brief's text as every step of a map reads it: redacted, and cut to BRIEF_WORDS_FOR_MODEL words."""
    shown, _ = _shown_brief(brief, redact)
    return _brief_for_model(shown)


def _provenance(run: Run, brief: Brief | None, transcripts: Sequence[Transcript]) -> Provenance:
    """The run's record: its own calls and step times (a run never sees another run's calls)."""
    calls = list(run.calls)
    # The brief's folders are left out, as the transcripts' are (a folder may be named after a person).
    shown = PurePath(brief.path).name if brief and brief.path else "(text)"
    inputs = [InputFile(path=shown, sha256=brief.sha256, kind="brief")] if brief else []
    inputs += [
        InputFile(
            path=t.path,
            sha256=t.sha256,
            kind="transcript",
            participant_id=t.participant_id,
            turns=len(t.turns),
        )
        for t in transcripts
    ]
    return Provenance(
        tool_version=__version__,
        backend=run.backend,
        model=run.model_name,
        prompts={c.prompt_id: c.template_hash for c in calls},
        inputs=inputs,
        calls=calls,
        step_seconds=dict(run.clock.steps),
        reasks=sum(1 for c in calls if c.attempt > 1),
    )


def _map_id(brief: Brief | None, transcripts: Sequence[Transcript], map_type: str) -> str:
    parts = [brief.sha256 if brief else "", map_type, *sorted(t.sha256 for t in transcripts)]
    return "map-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def _title(brief: Brief | None) -> str:
    if brief is None:
        return "Customer journey map"
    first = next((line.strip("# ").strip() for line in brief.text.splitlines() if line.strip()), "")
    return first[:120] or "Customer journey map"


def _merge_stats(reports: Sequence[GroundReport]) -> GroundingStats:
    total = GroundingStats()
    for report in reports:
        for name in GroundingStats.model_fields:
            setattr(total, name, getattr(total, name) + getattr(report.stats, name))
    return total


def _observed_stages(stages: list[Stage], observations: Sequence[Observation]) -> list[Stage]:
    """Planned stages are assumptions until an interview shows something happening in them."""
    seen = {o.stage_id for o in observations}
    return [s.model_copy(update={"basis": "observed"}) if s.id in seen else s for s in stages]


def _list_notes(listed: Sequence[Participant], interviewed: Sequence[str]) -> list[str]:
    """Where the participant list and the interviews disagree, so a reviewer can fix the list."""
    if not listed:
        return []
    known = {p.id.casefold() for p in listed}
    heard = {pid.casefold() for pid in interviewed}
    notes = [
        f"Participant {pid} is not in the participant list; it is shown as its own group."
        for pid in interviewed
        if pid.casefold() not in known
    ]
    missing = [p.id for p in listed if p.id.casefold() not in heard]
    if missing:
        notes.append(f"Listed but not interviewed (no transcript given): {', '.join(missing)}.")
    return notes


def _redact_all(
    run: Run, transcripts: Sequence[Transcript], redact: bool, label_names: Mapping[str, Iterable[str]]
) -> list[RedactedTranscript]:
    """Each transcript redacted, with the names its speaker labels held (`Pseudonyms.label_names`); the run's
    deadline and cancel switch are checked before each one."""
    sources = []
    for t in transcripts:
        run.check()
        sources.append(redacted_source(t, redact, label_names))
    return sources


def redacted_source(
    transcript: Transcript, redact: bool, label_names: Mapping[str, Iterable[str]]
) -> RedactedTranscript:
    """One transcript as the steps read it: redacted with the names its speaker labels held, or as it is."""
    if not redact:
        return no_redaction(transcript)
    return redact_transcript(transcript, label_names.get(transcript.id, ()))


def _read_all(
    run: Run, sources: Sequence[RedactedTranscript], stages: list[Stage], segments: Sequence[Segment] = ()
) -> list[Read]:
    """Read (concurrently, bounded) and ground every transcript; results come back in input order."""

    def one(source: RedactedTranscript) -> Read:
        run.notify("extract", f"reading {source.original.id}")
        done = read_transcript(run, source, stages, segments)
        run.notify("extracted", source.original.id)
        return done

    with run.clock.step("extract+ground"), ThreadPoolExecutor(max_workers=run.concurrency) as pool:
        return list(pool.map(one, sources))


@dataclass
class MapPlan:
    """What reading the interviews needs, fixed before the first one is read: the transcripts as every step
    sees them (typed, no names in labels or file names), the brief and its text as the model sees it, the
    plan of stages and groups, and the participant list under the transcripts' codes.

    It is plain data, so that the interviews can be read elsewhere (worker processes) and the map finished
    from what comes back."""

    transcripts: list[Transcript]
    brief: Brief | None
    brief_text: str
    plan: BriefPlan
    participants: list[Participant] = field(default_factory=list)
    # Transcript id → the name words its speaker labels held, redacted where its text says them.
    label_names: dict[str, list[str]] = field(default_factory=dict)


def plan_map(
    brief: Brief | None,
    transcripts: Sequence[Transcript],
    run: Run,
    *,
    map_type: MapType = "current-state",
    redact: bool = True,
    participants: Sequence[Participant] = (),
) -> MapPlan:
    """The first step of a map: pseudonymise the transcripts and plan the stages from the brief."""
    loaded, pseudonyms = _typed(transcripts)
    # A participant list's ids go through the same codes as the transcripts' ids, so that they match.
    listed = [replace(p, id=pseudonyms.participant(p.id)) for p in participants]
    brief_text = brief_for_model(brief, redact)
    with run.clock.step("stages"):
        if brief is not None:
            plan = plan_from_brief(run, brief_text, map_type)
        elif map_type == "day-in-the-life":
            plan = BriefPlan(generic_stages())
        else:
            names = [word for words in pseudonyms.label_names.values() for word in words]
            asked = [redact_text(q, names).text if redact else q for q in questions_asked(loaded)]
            plan = BriefPlan(stages_from_questions(run, asked))
    label_names = {tid: sorted(words) for tid, words in pseudonyms.label_names.items()}
    return MapPlan(loaded, brief, brief_text, plan, listed, label_names)


def _shown_brief(brief: Brief | None, redact: bool) -> tuple[Brief | None, RedactedText | None]:
    """The brief as the model and the map see it, with its redaction (None when not redacted)."""
    if brief is None or not redact:
        return brief, None
    return redact_brief(brief)


def read_interview(run: Run, source: RedactedTranscript, planned: MapPlan) -> Read:
    """Read and ground one interview of a planned map (the map step; any process may run it)."""
    return read_transcript(run, source, planned.plan.stages, planned.plan.segments)


def build_map(
    brief: Brief | None,
    transcripts: Sequence[Transcript],
    run: Run,
    *,
    map_type: MapType = "current-state",
    redact: bool = True,
    title: str | None = None,
    map_id: str | None = None,
    participants: Sequence[Participant] = (),
) -> JourneyMap:
    """Draft a journey map from a brief and interview transcripts, recording the work in `run`.

    `participants` is the study's participant list: given, the personas are its groups.
    """
    planned = plan_map(brief, transcripts, run, map_type=map_type, redact=redact, participants=participants)
    with run.clock.step("redact"):
        sources = _redact_all(run, planned.transcripts, redact, planned.label_names)
    reads = _read_all(run, sources, planned.plan.stages, planned.plan.segments)
    return finish_map(
        planned, sources, reads, run, map_type=map_type, redact=redact, title=title, map_id=map_id
    )


def finish_map(
    planned: MapPlan,
    sources: Sequence[RedactedTranscript],
    reads: Sequence[Read],
    run: Run,
    *,
    map_type: MapType = "current-state",
    redact: bool = True,
    title: str | None = None,
    map_id: str | None = None,
) -> JourneyMap:
    """The reduce step of a map: synthesize the interviews' reads (in the transcripts' order), validate, and
    record the run."""
    clock = run.clock
    loaded, brief, stages = planned.transcripts, planned.brief, planned.plan.stages
    shown_brief, brief_redaction = _shown_brief(brief, redact)
    reports = [r.report for r in reads]
    with clock.step("synthesize"):
        observations, dropped = tidy([o for r in reports for o in r.observations])
        interviewed = list(dict.fromkeys(t.participant_id for t in loaded))
        ctx = Context(
            stages,
            interviewed,
            observations,
            map_type,
            scores={k: v for r in reads for k, v in r.scores.items()},
            meanings={k: v for r in reads for k, v in r.meanings.items()},
            segments=planned.plan.segments,
            segment_votes={
                t.participant_id: r.segment for t, r in zip(loaded, reads, strict=True) if r.segment
            },
            suspected=planned.plan.suspected,
            brief=planned.brief_text,
            listed=list(planned.participants),
        )
        run.notify("synthesize", f"{len(observations)} observations")
        synthesis = synthesize(run, ctx)
    with clock.step("validate"):
        stats = _merge_stats(reports)
        stats.observations_dropped = len(dropped)
        journey = JourneyMap(
            id=map_id or _map_id(brief, loaded, map_type),
            title=title or _title(shown_brief),
            map_type=map_type,
            summary=synthesis.summary,
            personas=synthesis.personas,
            stages=_observed_stages(stages, observations),
            actions=synthesis.actions,
            touchpoints=synthesis.touchpoints,
            thoughts=synthesis.thoughts,
            emotions=synthesis.emotions,
            pain_points=synthesis.pain_points + synthesis.assumptions,
            delights=synthesis.delights,
            opportunities=synthesis.opportunities,
            contradictions=synthesis.contradictions,
            blueprint=synthesis.blueprint,
            notes=instruction_notes(loaded)
            + _list_notes(planned.participants, ctx.participants)
            + synthesis.notes,
            provenance=_provenance(run, brief, loaded),
        )
        errors = check_map(journey)
        if errors:
            raise MapValidationError("map", errors, attempts=1)
    journey.provenance.grounding = stats
    journey.provenance.unsupported = [u for r in reports for u in r.unsupported] + dropped
    report = report_for(sources)
    if brief_redaction is not None:
        report = report.merge(report_for([brief_redaction]))
    journey.provenance.redaction = report.counts
    journey.provenance.step_seconds = dict(clock.steps)
    journey = scrub_map(journey)  # every field the model wrote is checked for instruction-like text
    journey.left_out, journey.provenance.strong_sentences = find_left_out(
        journey, sources, [r.labels for r in reads]
    )
    return journey


class RunOptions(TypedDict, total=False):
    """What every Python API call takes besides its inputs."""

    model: BaseChatModel | None
    runtime: Runtime | None
    redact: bool


class DraftOptions(RunOptions, total=False):
    map_type: MapType
    title: str | None


class MapOptions(DraftOptions, total=False):
    on_progress: Progress | None
    participants: Sequence[Participant]


def generate_map(
    brief: Brief | str | None,
    transcripts: Sequence[Transcript],
    *,
    model: BaseChatModel | None = None,
    runtime: Runtime | None = None,
    map_type: MapType = "current-state",
    redact: bool = True,
    title: str | None = None,
    on_progress: Progress | None = None,
    participants: Sequence[Participant] = (),
) -> JourneyMap:
    """Draft a journey map from a brief (a `Brief` or its text) and loaded transcripts; `participants`, the
    study's participant list (`load_participants`), makes its groups the personas."""
    return build_map(
        as_brief(brief),
        transcripts,
        _start(runtime, model, on_progress),
        map_type=map_type,
        redact=redact,
        title=title,
        participants=participants,
    )


def generate_map_from_files(
    brief: Path | None, transcripts: Sequence[Path], **options: Unpack[MapOptions]
) -> JourneyMap:
    """`generate_map` for a brief file and transcript files."""
    return generate_map(
        load_brief(brief) if brief is not None else None, load_transcripts(transcripts), **options
    )


def build_draft(
    brief: Brief,
    run: Run,
    *,
    map_type: MapType = "current-state",
    redact: bool = True,
    title: str | None = None,
    map_id: str | None = None,
) -> JourneyMap:
    """A map from a brief alone: every persona, stage and item is an assumption with no evidence."""
    redacted, redaction = redact_brief(brief) if redact else (brief, None)
    with run.clock.step("draft"):
        draft = draft_from_brief(run, _brief_for_model(redacted), map_type)
    journey = JourneyMap(
        id=map_id or _map_id(brief, [], f"draft:{map_type}"),
        title=title or _title(redacted),
        map_type=map_type,
        summary=draft.summary,
        personas=draft.personas,
        stages=draft.stages,
        actions=draft.actions,
        touchpoints=draft.touchpoints,
        pain_points=draft.pain_points,
        delights=draft.delights,
        opportunities=draft.opportunities,
        blueprint=draft.blueprint,
        notes=["Drafted from the brief alone: every item is an assumption to test in interviews."]
        + [f"Open question: {q}" for q in draft.questions],
        provenance=_provenance(run, brief, []),
    )
    errors = check_map(journey)
    if errors:
        raise MapValidationError("draft", errors, attempts=1)
    if redaction is not None:
        journey.provenance.redaction = redaction.counts()
    return scrub_map(journey)


def draft_map(
    brief: Brief | str,
    *,
    model: BaseChatModel | None = None,
    runtime: Runtime | None = None,
    map_type: MapType = "current-state",
    redact: bool = True,
    title: str | None = None,
) -> JourneyMap:
    """A map from a brief (a `Brief` or its text) alone."""
    the_brief = as_brief(brief)
    if the_brief is None:
        raise TypeError("draft_map needs a brief")
    return build_draft(the_brief, _start(runtime, model), map_type=map_type, redact=redact, title=title)


def draft_map_from_file(brief: Path, **options: Unpack[DraftOptions]) -> JourneyMap:
    """`draft_map` for a brief file."""
    return draft_map(load_brief(brief), **options)


def _summary_items(
    observations: list[Observation], names: dict[str, str]
) -> tuple[list[Thought], list[PainPoint], list[Delight]]:
    felt_quotes = [e for o in observations if o.kind in ("pain", "delight") for e in o.evidence]
    # A thought or step whose words a pain point or delight already quotes is shown there, not twice.
    told = [
        o
        for o in observations
        if o.kind in ("thought", "action")
        and not all(any(e.inside(f) for f in felt_quotes) for e in o.evidence)
    ]
    points = [
        Thought(
            id=f"point{n}",
            stage_id=o.stage_id,
            # A step is shown in the participant's own words, as on a map.
            text=action_text(o.text) if o.kind == "action" else statement_of(o, names),
            evidence=o.evidence,
        )
        for n, o in enumerate(told, start=1)
    ]
    felt: dict[str, list[dict[str, Any]]] = {"pain": [], "delight": []}
    for o in observations:
        if o.kind in felt:
            said = felt[o.kind]
            said.append(
                {
                    "id": f"{o.kind}{len(said) + 1}",
                    "stage_id": o.stage_id,
                    "statement": statement_of(o, names),
                    "severity": o.severity,
                    "evidence": o.evidence,
                }
            )
    pains = [PainPoint(**fields) for fields in felt["pain"]]
    return points, pains, [Delight(**fields) for fields in felt["delight"]]


def _of_themselves(observations: list[Observation]) -> tuple[list[Thought], list[Thought]]:
    """What one participant said of who they are, and what they want, each in their own words."""
    about = [o for o in observations if o.kind == "about"]
    goals = [o for o in observations if o.kind == "goal"]
    return (
        [
            Thought(id=f"about{n}", stage_id="", text=about_statement(o), evidence=o.evidence)
            for n, o in enumerate(about, 1)
        ],
        [
            Thought(id=f"goal{n}", stage_id="", text=goal_statement(o), evidence=o.evidence)
            for n, o in enumerate(goals, 1)
        ],
    )


def build_summary(transcript: Transcript, run: Run, *, redact: bool = True) -> TranscriptSummary:
    """One interview's key points, pain points, delights and quotes, all grounded (narrow questions only)."""
    loaded, pseudonyms = _typed([transcript])
    sources = _redact_all(run, loaded, redact, pseudonyms.label_names)
    # Stages fit the service the interview is about, told by the questions asked (there is no brief).
    stages = stages_from_questions(run, questions_asked([s.redacted for s in sources]))
    report = _read_all(run, sources, stages)[0].report
    observations, _ = tidy(report.observations)
    # Every item of a summary is shown, so every one is named (one sentence from its own quote), except the
    # steps, goals and who the participant is, which are shown in the participant's own words.
    named = [o for o in observations if o.kind in ("pain", "delight", "thought")]
    points, pains, delights = _summary_items(observations, names_for(run, named))
    about, goals = _of_themselves(observations)
    provenance = _provenance(run, None, loaded)
    provenance.grounding = report.stats
    provenance.unsupported = report.unsupported
    provenance.redaction = report_for(sources).counts
    quotes = [e for o in observations if o.kind in ("pain", "delight") for e in o.evidence]
    # Every point the model named is checked for instruction-like text, as a map's are.
    return scrub_summary(
        TranscriptSummary(
            source_id=loaded[0].id,
            participant_id=loaded[0].participant_id,
            stages=stages,
            about=about,
            goals=goals,
            key_points=points,
            pain_points=pains,
            delights=delights,
            quotes=quotes,
            provenance=provenance,
        )
    )


def summarize_transcript(
    transcript: Transcript,
    *,
    model: BaseChatModel | None = None,
    runtime: Runtime | None = None,
    redact: bool = True,
) -> TranscriptSummary:
    """Summarise one loaded transcript."""
    return build_summary(transcript, _start(runtime, model), redact=redact)


def summarize_file(
    path: Path, *, study: Sequence[Path] = (), **options: Unpack[RunOptions]
) -> TranscriptSummary:
    """`summarize_transcript` for a transcript file. `study`: the study's other files (the file itself may be
    among them), read with it as a map reads them, so that conversation-guide text its notes share with them
    is the interviewer's, not the participant's (`ingest.guide`)."""
    others = [other for other in study if not _same_file(other, path)]
    transcript = load_transcripts([path, *others])[0] if others else load_transcript(path)
    return summarize_transcript(transcript, **options)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False

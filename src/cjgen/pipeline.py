"""The whole run: ingest → redact → stages → extract → ground → synthesize → validate → JourneyMap.

This is the Python API (`cjgen.generate_map`, `cjgen.draft_map`, `cjgen.summarize_transcript`); the CLI and
the evals call it. The model is injected through a `Runtime`; nothing here builds a client.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from cjgen import __version__
from cjgen.ask import Progress, Runtime
from cjgen.cache import ResponseCache
from cjgen.checks import instruction_notes, tidy
from cjgen.draft import draft_from_brief
from cjgen.errors import MapValidationError
from cjgen.extract import extract_transcript
from cjgen.ground import GroundReport, ground_observations
from cjgen.ingest import brief_from_text, load_brief, load_transcripts
from cjgen.models import make_model, resolve_backend
from cjgen.observations import Observation
from cjgen.redact import RedactedTranscript, no_redaction, redact_brief, redact_transcript, report_for
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
from cjgen.stages import generic_stages, plan_stages
from cjgen.synthesize import Context, assemble, run_synthesis
from cjgen.validate import check_map

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
    )


@dataclass
class _Clock:
    steps: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = round(self.steps.get(name, 0.0) + time.perf_counter() - started, 3)


def _brief(brief: Path | str | None) -> Brief | None:
    """A brief from a path, or from text (a string naming an existing file is read as that file)."""
    if brief is None:
        return None
    if isinstance(brief, Path) or ("\n" not in brief and len(brief) < 1024 and Path(brief).is_file()):
        return load_brief(brief)
    return brief_from_text(brief)


def _brief_for_model(brief: Brief | None) -> str:
    if brief is None:
        return "(no brief given)"
    words = brief.text.split()
    return (
        brief.text if len(words) <= BRIEF_WORDS_FOR_MODEL else " ".join(words[:BRIEF_WORDS_FOR_MODEL]) + " …"
    )


def _provenance(
    runtime: Runtime, clock: _Clock, brief: Brief | None, transcripts: Sequence[Transcript], mark: int
) -> Provenance:
    """The run's record; `mark` is where this run's calls start in the runtime's (shared) call log."""
    calls = runtime.calls[mark:]
    inputs = [InputFile(path=brief.path or "(text)", sha256=brief.sha256, kind="brief")] if brief else []
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
        backend=runtime.backend,
        model=runtime.model_name,
        prompts={c.prompt_id: c.template_hash for c in calls},
        inputs=inputs,
        calls=calls,
        step_seconds=dict(clock.steps),
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


def _redact_all(transcripts: Sequence[Transcript], redact: bool) -> list[RedactedTranscript]:
    return [redact_transcript(t) if redact else no_redaction(t) for t in transcripts]


def _observe(
    runtime: Runtime, sources: Sequence[RedactedTranscript], stages: list[Stage], clock: _Clock
) -> list[GroundReport]:
    """Extract (concurrently, bounded) and ground every transcript; reports come back in input order."""

    def one(source: RedactedTranscript) -> GroundReport:
        runtime.notify("extract", f"reading {source.original.id}")
        found = extract_transcript(runtime, source, stages)
        pid = source.original.participant_id
        report = ground_observations(found.observations, source, found.sentences, id_prefix=f"{pid}-")
        report.profiles[pid] = found.profile
        runtime.notify("extracted", source.original.id)
        return report

    with clock.step("extract+ground"), ThreadPoolExecutor(max_workers=runtime.concurrency) as pool:
        return list(pool.map(one, sources))


def generate_map(
    brief: Path | str | None,
    transcripts: Sequence[Path | str],
    *,
    model: BaseChatModel | None = None,
    runtime: Runtime | None = None,
    map_type: MapType = "current-state",
    redact: bool = True,
    title: str | None = None,
    on_progress: Callable[[str, str], None] | None = None,
) -> JourneyMap:
    """Draft a journey map from a brief (path or text) and interview transcripts (paths)."""
    runtime = runtime or open_runtime(model)
    if on_progress is not None:
        runtime.progress = on_progress
    mark = len(runtime.calls)
    clock = _Clock()
    with clock.step("ingest"):
        the_brief = _brief(brief)
        loaded = load_transcripts(transcripts)
    with clock.step("redact"):
        sources = _redact_all(loaded, redact)
        model_brief = redact_brief(the_brief) if (the_brief and redact) else None
        brief_text = _brief_for_model(model_brief[0] if model_brief else the_brief)
    with clock.step("stages"):
        stages = plan_stages(runtime, brief_text, map_type) if the_brief else generic_stages()
    reports = _observe(runtime, sources, stages, clock)
    with clock.step("synthesize"):
        observations, dropped = tidy([o for r in reports for o in r.observations])
        participants = list(dict.fromkeys(t.participant_id for t in loaded))
        profiles = {pid: text for r in reports for pid, text in r.profiles.items()}
        ctx = Context(stages, participants, observations, map_type, profiles)
        runtime.notify("synthesize", f"{len(observations)} observations")
        synthesis = assemble(run_synthesis(runtime, brief_text, ctx), ctx)
    with clock.step("validate"):
        stats = _merge_stats(reports)
        stats.observations_dropped = len(dropped)
        journey = JourneyMap(
            id=_map_id(the_brief, loaded, map_type),
            title=title or _title(the_brief),
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
            notes=instruction_notes(loaded),
            provenance=_provenance(runtime, clock, the_brief, loaded, mark),
        )
        errors = check_map(journey)
        if errors:
            raise MapValidationError("map", errors, attempts=1)
    journey.provenance.grounding = stats
    journey.provenance.unsupported = [u for r in reports for u in r.unsupported] + dropped
    report = report_for(sources)
    if model_brief:
        report = report.merge(report_for([model_brief[1]]))
    journey.provenance.redaction = report.counts
    journey.provenance.step_seconds = dict(clock.steps)
    return journey


def draft_map(
    brief: Path | str,
    *,
    model: BaseChatModel | None = None,
    runtime: Runtime | None = None,
    map_type: MapType = "current-state",
    redact: bool = True,
    title: str | None = None,
) -> JourneyMap:
    """A map from a brief alone: every persona, stage and item is an assumption with no evidence."""
    runtime = runtime or open_runtime(model)
    mark = len(runtime.calls)
    clock = _Clock()
    with clock.step("ingest"):
        the_brief = _brief(brief)
        assert the_brief is not None
    redacted, redaction = redact_brief(the_brief) if redact else (the_brief, None)
    with clock.step("draft"):
        draft = draft_from_brief(runtime, _brief_for_model(redacted), map_type)
    journey = JourneyMap(
        id=_map_id(the_brief, [], f"draft:{map_type}"),
        title=title or _title(the_brief),
        map_type=map_type,
        summary=draft.summary,
        personas=draft.personas,
        stages=draft.stages,
        actions=draft.actions,
        touchpoints=draft.touchpoints,
        pain_points=draft.pain_points,
        delights=draft.delights,
        opportunities=draft.opportunities,
        notes=["Drafted from the brief alone: every item is an assumption to test in interviews."]
        + [f"Open question: {q}" for q in draft.questions],
        provenance=_provenance(runtime, clock, the_brief, [], mark),
    )
    errors = check_map(journey)
    if errors:
        raise MapValidationError("draft", errors, attempts=1)
    if redaction is not None:
        journey.provenance.redaction = redaction.counts()
    return journey


def _summary_items(observations: list[Observation]) -> tuple[list[Thought], list[PainPoint], list[Delight]]:
    points = [
        Thought(id=f"point{n}", stage_id=o.stage_id, text=o.text, evidence=o.evidence)
        for n, o in enumerate((o for o in observations if o.kind in ("thought", "goal", "action")), start=1)
    ]
    pains = [
        PainPoint(
            id=f"pain{n}", stage_id=o.stage_id, statement=o.text, severity=o.severity, evidence=o.evidence
        )
        for n, o in enumerate((o for o in observations if o.kind == "pain"), start=1)
    ]
    delights = [
        Delight(
            id=f"delight{n}", stage_id=o.stage_id, statement=o.text, severity=o.severity, evidence=o.evidence
        )
        for n, o in enumerate((o for o in observations if o.kind == "delight"), start=1)
    ]
    return points, pains, delights


def summarize_transcript(
    transcript: Path | str,
    *,
    model: BaseChatModel | None = None,
    runtime: Runtime | None = None,
    redact: bool = True,
) -> TranscriptSummary:
    """One interview's key points, pain points, delights and quotes, all grounded (one model call)."""
    runtime = runtime or open_runtime(model)
    mark = len(runtime.calls)
    clock = _Clock()
    with clock.step("ingest"):
        loaded = load_transcripts([transcript])
    sources = _redact_all(loaded, redact)
    report = _observe(runtime, sources, generic_stages(), clock)[0]
    observations, _ = tidy(report.observations)
    points, pains, delights = _summary_items(observations)
    provenance = _provenance(runtime, clock, None, loaded, mark)
    provenance.grounding = report.stats
    provenance.unsupported = report.unsupported
    provenance.redaction = report_for(sources).counts
    quotes = [e for o in observations if o.kind in ("pain", "delight") for e in o.evidence]
    return TranscriptSummary(
        source_id=loaded[0].id,
        participant_id=loaded[0].participant_id,
        key_points=points,
        pain_points=pains,
        delights=delights,
        quotes=quotes,
        provenance=provenance,
    )

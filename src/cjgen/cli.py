"""The `cjgen` command line: map, draft, export, review, summarize, inspect, schema, eval, serve, worker.

Errors a user can act on are printed as one line (what is wrong and where) with exit code 2, never a
traceback. Outputs are written whole or not at all.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cjgen.ask import Runtime
from cjgen.errors import CjgenError, InputError
from cjgen.ingest import load_brief, load_transcripts, transcript_files
from cjgen.mapfile import load_map, revision_inputs
from cjgen.participants import load_participants
from cjgen.pipeline import draft_map_from_file, generate_map, open_runtime, summarize_file
from cjgen.pseudonym import pseudonymise
from cjgen.render import FORMATS, extension_for, formats_help, render, summary_to_markdown
from cjgen.review import diff_lines, diff_maps
from cjgen.revise import RevisionReport, carry_decisions
from cjgen.schema import JourneyMap, MapType, journey_map_schema
from cjgen.version import __version__

app = typer.Typer(
    help="Draft customer journey maps from a brief and interview transcripts, with every quote verified.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err = Console(stderr=True)
out = Console()


class Kind(StrEnum):
    current = "current"
    future = "future"
    day_in_the_life = "day-in-the-life"
    blueprint = "blueprint"


MAP_TYPES: dict[Kind, MapType] = {
    Kind.current: "current-state",
    Kind.future: "future-state",
    Kind.day_in_the_life: "day-in-the-life",
    Kind.blueprint: "service-blueprint",
}

Format = Enum("Format", {f: f for f in FORMATS}, type=str)  # type: ignore[misc]

ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Model name (openai backend) or a GGUF path (local backend)."),
]
BackendOpt = Annotated[
    str | None,
    typer.Option("--backend", "-b", help="local, openai or auto (default: CJGEN_BACKEND, else auto)."),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Output file; its suffix picks the format (default: HTML)."),
]
FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help=formats_help() + "; default from the -o suffix.",
    ),
]
IncludePendingOpt = Annotated[
    bool,
    typer.Option(
        "--include-pending",
        help="board: also the items not yet reviewed (by default only accepted and edited ones; never rejected).",
    ),
]
KindOpt = Annotated[Kind, typer.Option("--type", "-t", help="Map type.")]
TitleOpt = Annotated[str | None, typer.Option(help="Map title (default: the brief's first line).")]
NoRedactOpt = Annotated[
    bool, typer.Option("--no-redact", help="Do not replace personal data before the model.")
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not reuse or store model responses.")]
InterviewerOpt = Annotated[
    str | None,
    typer.Option(
        "--interviewer",
        help="Speaker name(s), comma-separated, read as the interviewer; every other speaker is a participant "
        "(default: CJGEN_INTERVIEWER).",
    ),
]


def _use_interviewers(names: str | None) -> None:
    """Every transcript this command reads takes these speakers as the interviewer."""
    if names:
        os.environ["CJGEN_INTERVIEWER"] = names


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can fix into one line and exit code 2."""
    try:
        yield
    except CjgenError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        raise _fail("interrupted; nothing was written") from None


def write_atomic(path: Path, text: str) -> None:
    """Write the whole file or nothing: a temp file in the same folder, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _format_for(output: Path | None, fmt: str | None, default: str) -> str:
    if fmt:
        return fmt
    if output is not None:
        name = output.name.lower()
        # The longest suffix first, so that `map.board.csv` is a board and `map.csv` a CSV.
        for suffix, found in sorted(((extension_for(f), f) for f in FORMATS), key=lambda s: -len(s[0])):
            if name.endswith(suffix):
                return found
        if output.suffix.lower() == ".markdown":
            return "md"
    return default


def _target(output: Path | None, fmt: Format | None, stem: str) -> tuple[str, Path]:
    """The output format (option, else the file suffix, else HTML) and the file to write."""
    chosen = _format_for(output, fmt.value if fmt else None, "html")
    return chosen, output or Path(f"{stem}{extension_for(chosen)}")


def _runtime(backend: str | None, model: str | None, no_cache: bool, progress: Any = None) -> Runtime:
    with err.status("loading the model…", spinner="dots"):
        return open_runtime(backend=backend, model_name=model, use_cache=not no_cache, progress=progress)


@contextmanager
def _progress(names: list[str], ids: list[str] | None = None) -> Iterator[Any]:
    """A rich progress bar: one line per transcript (shown by `names`, followed by the run's `ids` for them),
    one for synthesis."""
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    tasks = {
        key: bars.add_task(f"extract {name}", total=1, start=False)
        for name, key in zip(names, ids or names, strict=True)
    }
    tasks["synthesize"] = bars.add_task("synthesize", total=1, start=False)

    def update(step: str, message: str) -> None:
        if step == "extract" and message.removeprefix("reading ") in tasks:
            bars.start_task(tasks[message.removeprefix("reading ")])
        elif step == "extracted" and message in tasks:
            bars.update(tasks[message], completed=1)
        elif step == "synthesize":
            bars.start_task(tasks["synthesize"])
            bars.update(tasks["synthesize"], description=f"synthesize ({message})")

    with bars:
        yield update
        bars.update(tasks["synthesize"], completed=1)


def _summary_table(journey: JourneyMap, seconds: float) -> Table:
    p = journey.provenance
    g = p.grounding
    table = Table(title=f"{journey.title} — {journey.map_type}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    observed = [i for i in journey.items() if i.basis == "observed"]
    table.add_row(
        "items",
        f"{len(journey.items())} ({len(observed)} observed, {len(journey.items()) - len(observed)} assumption)",
    )
    table.add_row("personas / stages", f"{len(journey.personas)} / {len(journey.stages)}")
    table.add_row(
        "pain points / delights / opportunities",
        f"{len(journey.pain_points)} / {len(journey.delights)} / {len(journey.opportunities)}",
    )
    table.add_row("quotes", f"{g.grounded} grounded, {g.rejected} rejected")
    table.add_row("unsupported claims dropped", str(len(p.unsupported)))
    share = journey.left_out_share()
    if share is not None:
        table.add_row(
            "left out",
            f"{len(journey.left_out)} of {p.strong_sentences} strong sentences ({share:.0%}) no item cites",
        )
    table.add_row("redacted", ", ".join(f"{k}: {v}" for k, v in p.redaction.items()) or "nothing")
    table.add_row(
        "model calls", f"{p.model_calls} ({len(p.calls) - p.model_calls} from cache, {p.reasks} re-asks)"
    )
    table.add_row("tokens", f"{p.prompt_tokens} in / {p.completion_tokens} out")
    table.add_row("seconds", f"{seconds:.1f}")
    return table


def _run_report(
    journey: JourneyMap, outputs: list[Path], seconds: float, revision: RevisionReport | None = None
) -> str:
    report = {
        "tool_version": __version__,
        "map_id": journey.id,
        "version": journey.version,
        "outputs": [str(o) for o in outputs],
        "seconds": round(seconds, 3),
        "left_out": {
            "sentences": len(journey.left_out),
            "strong_sentences": journey.provenance.strong_sentences,
            "share": journey.left_out_share(),
        },
        "revision": revision.model_dump(mode="json") if revision else None,
        "provenance": journey.provenance.model_dump(mode="json"),
    }
    return json.dumps(report, indent=2, ensure_ascii=False)


def _revision_table(revision: RevisionReport) -> Table:
    table = Table(title=f"revision of version {revision.from_version}", title_justify="left")
    for name in ("what", "items"):
        table.add_column(name, style="bold" if name == "what" else None)
    rows = [
        ("inputs added", revision.inputs_added),
        ("inputs replaced", revision.inputs_replaced),
        ("decisions carried over", [f"{c.id} ({c.status})" for c in revision.carried]),
        ("needs re-review", [f"{c.id}: {c.why}" for c in revision.needs_review]),
        ("kept (not found again)", [c.id for c in revision.kept]),
        ("added (pending)", [r.id for r in revision.added]),
        ("changed (pending)", [r.id for r in revision.changed]),
        ("removed", [r.id for r in revision.removed]),
    ]
    for label, found in rows:
        table.add_row(label, f"{len(found)}" + (": " + "; ".join(found) if found else ""))
    return table


@app.command("map")
def map_command(
    brief: Annotated[
        Path,
        typer.Argument(
            help="The business brief (.md, .txt, .docx, .rtf or .pdf); with --revise, any input file."
        ),
    ],
    transcripts: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Interview transcripts (.txt .md .vtt .srt .docx .rtf .pdf .json .csv .tsv .xlsx)."
        ),
    ] = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    kind: KindOpt = Kind.current,
    title: TitleOpt = None,
    model: ModelOpt = None,
    backend: BackendOpt = None,
    no_redact: NoRedactOpt = False,
    no_cache: NoCacheOpt = False,
    interviewer: InterviewerOpt = None,
    include_pending: IncludePendingOpt = False,
    participants: Annotated[
        Path | None,
        typer.Option(
            "--participants",
            help="The study's participant list (.csv, .xlsx or .yaml: id, group, attributes); its groups become "
            "the personas.",
        ),
    ] = None,
    revise: Annotated[
        Path | None,
        typer.Option(
            "--revise",
            help="A map saved as JSON: make its next version with the interviews given (new ones, or ones "
            "replacing those of the same name); its other inputs are found next to it. Review decisions "
            "carry over; the map file is updated unless -o says otherwise.",
        ),
    ] = None,
) -> None:
    """Draft a journey map from a brief and interview transcripts, or revise one with new interviews."""
    _use_interviewers(interviewer)
    given = [brief, *(transcripts or [])]
    previous = None
    if revise is not None:
        with user_errors():
            previous = load_map(revise)
            brief_path, transcripts = revision_inputs(previous, revise, given)
        kind = next(k for k, v in MAP_TYPES.items() if v == previous.map_type)
        output = output or revise
    else:
        brief_path = brief
    if not transcripts:
        raise _fail("give at least one interview transcript after the brief")
    chosen, target = _target(output, fmt, "journey-map")
    started = time.perf_counter()
    with user_errors():
        # Read every input once, before any model work starts, so a bad file fails at once.
        the_brief = load_brief(brief_path) if brief_path is not None else None
        transcripts = transcript_files(transcripts)  # a folder stands for the transcripts in it
        loaded = load_transcripts(transcripts)
        listed = load_participants(participants) if participants is not None else []
        # The run reports a transcript by its id with no name in it; the bars show the user's own file names.
        with _progress([t.name for t in transcripts], [t.id for t in pseudonymise(loaded)]) as update:
            runtime = _runtime(backend, model, no_cache, update)
            journey = generate_map(
                the_brief,
                loaded,
                runtime=runtime,
                map_type=MAP_TYPES[kind],
                redact=not no_redact,
                title=title,
                participants=listed,
            )
        revision = None
        if previous is not None:
            journey, revision = carry_decisions(previous, journey)
        seconds = time.perf_counter() - started
        report = _write_map(journey, chosen, target, seconds, revision, include_pending=include_pending)
    err.print(_summary_table(journey, seconds))
    if revision is not None:
        err.print(_revision_table(revision))
    err.print(f"wrote [bold]{target}[/] and the run report {report}", highlight=False)


def _write_map(
    journey: JourneyMap,
    fmt: str,
    target: Path,
    seconds: float,
    revision: RevisionReport | None = None,
    *,
    include_pending: bool = False,
) -> Path:
    """Write the map in its format and, next to it, the run report (`NAME.run.json`); return the report's path."""
    write_atomic(target, render(journey, fmt, include_pending=include_pending))
    report = target.with_name(f"{target.stem}.run.json")
    write_atomic(report, _run_report(journey, [target], seconds, revision))
    return report


@app.command()
def draft(
    brief: Annotated[Path, typer.Argument(help="The business brief (.md, .txt, .docx, .rtf or .pdf).")],
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    kind: KindOpt = Kind.current,
    title: TitleOpt = None,
    model: ModelOpt = None,
    backend: BackendOpt = None,
    no_redact: NoRedactOpt = False,
    no_cache: NoCacheOpt = False,
) -> None:
    """Draft a map from a brief alone: every item is an assumption to test."""
    chosen, target = _target(output, fmt, "journey-draft")
    started = time.perf_counter()
    with user_errors():
        runtime = _runtime(backend, model, no_cache)
        with err.status("drafting from the brief…"):
            journey = draft_map_from_file(
                brief, runtime=runtime, map_type=MAP_TYPES[kind], redact=not no_redact, title=title
            )
        seconds = time.perf_counter() - started
        report = _write_map(journey, chosen, target, seconds)
    err.print(_summary_table(journey, seconds))
    err.print(f"wrote [bold]{target}[/] and the run report {report}", highlight=False)


@app.command()
def export(
    map_file: Annotated[Path, typer.Argument(help="A map saved as JSON (`cjgen map -f json`).")],
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    include_pending: IncludePendingOpt = False,
) -> None:
    """Write a saved (and perhaps reviewed) map in another format, e.g. whiteboard stickies (`-f board`)."""
    chosen, target = _target(output, fmt, map_file.stem)
    with user_errors():
        journey = load_map(map_file)
        write_atomic(target, render(journey, chosen, include_pending=include_pending))
    err.print(f"wrote [bold]{target}[/]", highlight=False)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier map, saved as JSON.")],
    new: Annotated[
        Path, typer.Argument(help="The later map, saved as JSON (a revision, or the map reviewed).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="JSON for tools instead of text.")] = False,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit with 1 when the maps differ, as `git diff` does.")
    ] = False,
) -> None:
    """Show what changed between two versions of a map: items added, removed and changed, field by field
    (review decisions included), and the stages' order."""
    with user_errors():
        found = diff_maps(load_map(old), load_map(new))
    if as_json:
        out.print(found.model_dump_json(indent=2), markup=False, highlight=False, soft_wrap=True)
    else:
        out.print("\n".join(diff_lines(found)), markup=False, highlight=False, soft_wrap=True)
    if exit_code and not found.empty:
        raise typer.Exit(1)


@app.command()
def summarize(
    transcript: Annotated[Path, typer.Argument(help="One interview transcript.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output file (default: stdout).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of Markdown.")] = False,
    model: ModelOpt = None,
    backend: BackendOpt = None,
    no_redact: NoRedactOpt = False,
    no_cache: NoCacheOpt = False,
    interviewer: InterviewerOpt = None,
    study: Annotated[
        Path | None,
        typer.Option(
            "--study",
            help="The folder of the study's other transcripts, read with this one so that conversation-guide "
            "text typed into every notes file is read as the interviewer's.",
        ),
    ] = None,
) -> None:
    """Summarise one interview: key points, pain points, delights and quotes, all grounded."""
    _use_interviewers(interviewer)
    with user_errors():
        others: list[Path] = []
        if study is not None:
            if not study.is_dir():
                raise InputError(
                    str(study), "is not a folder; give the folder that holds the study's transcripts"
                )
            others = transcript_files([study])
        runtime = _runtime(backend, model, no_cache)
        with err.status(f"reading {transcript.name}…"):
            summary = summarize_file(transcript, study=others, runtime=runtime, redact=not no_redact)
        json_wanted = as_json or (output is not None and output.suffix.lower() == ".json")
        text = summary.model_dump_json(indent=2) if json_wanted else summary_to_markdown(summary)
        if output is None:
            out.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            write_atomic(output, text)
            err.print(f"wrote [bold]{output}[/]", highlight=False)


@app.command()
def inspect(
    transcripts: Annotated[
        list[Path],
        typer.Argument(
            help="Transcripts to check (.txt .md .vtt .srt .docx .rtf .pdf .json .csv .tsv .xlsx)."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="JSON for tools instead of text.")] = False,
    interviewer: InterviewerOpt = None,
) -> None:
    """Show how each transcript is read: format, speakers with roles and turns, words per role, warnings."""
    from cjgen.ingest import inspect_transcripts

    _use_interviewers(interviewer)
    with user_errors():
        transcripts = transcript_files(transcripts)  # a folder stands for the transcripts in it
    reports: list[dict[str, Any]] = []
    # Read together, as a map reads them: guide text a study's notes share is the interviewer's.
    for path, report in zip(transcripts, inspect_transcripts(transcripts), strict=True):
        if isinstance(report, CjgenError):
            reports.append({"path": str(path), "error": str(report)})
            if not as_json:
                err.print(f"[bold red]error:[/] {escape(str(report))}", highlight=False, soft_wrap=True)
            continue
        reports.append(report.as_dict())
        if not as_json:
            out.print("\n".join(report.describe()), markup=False, highlight=False, soft_wrap=True)
    if as_json:
        out.print(
            json.dumps(reports, indent=2, ensure_ascii=False), markup=False, highlight=False, soft_wrap=True
        )
    if any("error" in r for r in reports):
        raise typer.Exit(2)


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of a journey map."""
    text = json.dumps(journey_map_schema(), indent=2) + "\n"
    if output is None:
        out.print(text, markup=False, highlight=False, soft_wrap=True, end="")
    else:
        write_atomic(output, text)


@app.command("eval")
def eval_command(
    cases: Annotated[Path, typer.Argument(help="Folder of cases with gold.yaml.")] = Path("evals/cases"),
    out_dir: Annotated[Path, typer.Option("--out", help="Where results are written.")] = Path(
        "evals/results"
    ),
    baseline: Annotated[bool, typer.Option(help="Also score the naive one-prompt baseline.")] = True,
    case_filter: Annotated[list[str] | None, typer.Option("--case", help="Only these case names.")] = None,
    tag: Annotated[
        str | None,
        typer.Option(help="Name this run apart from the day's others: results <label>-<date>-<tag>.json."),
    ] = None,
    saved_maps: Annotated[
        Path | None,
        typer.Option(
            "--rescore",
            help="Score the maps an earlier run kept (<out>/maps/<label>) instead of running the model.",
        ),
    ] = None,
    model: ModelOpt = None,
    backend: BackendOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Score the pipeline (and the naive baseline) on gold cases; write JSON and a Markdown table."""
    from cjgen.eval.runner import rescore
    from cjgen.harness import check_tag, run_eval

    with user_errors():
        if saved_maps is not None:
            check_tag(tag)
            json_path, md_path, table = rescore(
                cases,
                saved_maps,
                out_dir,
                only=case_filter,
                log=lambda m: err.print(m, highlight=False),
                tag=tag,
            )
        else:
            runtime = _runtime(backend, model, no_cache)
            json_path, md_path, table = run_eval(
                cases,
                out_dir,
                runtime,
                baseline=baseline,
                only=case_filter,
                log=lambda m: err.print(m, highlight=False),
                tag=tag,
            )
    out.print(table, markup=False, highlight=False, soft_wrap=True)
    err.print(f"wrote [bold]{json_path}[/] and {md_path}", highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Run the HTTP service (OpenAPI docs at /docs)."""
    from cjgen.service import run

    with user_errors():
        run(host=host, port=port)


@app.command()
def worker() -> None:
    """Run map jobs queued by `cjgen serve` with CJGEN_RUNNER=queue (stop with Ctrl-C or SIGTERM)."""
    import logging

    from cjgen.pipeline import open_runtime
    from cjgen.service.queue import Worker
    from cjgen.settings import get_settings
    from cjgen.store import Store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with user_errors():
        settings = get_settings()
        Worker(settings, Store(settings.database_url), lambda: open_runtime(settings=settings)).run()


@app.command()
def review(
    map_file: Annotated[Path, typer.Argument(help="A map saved as JSON (`cjgen map -f json`).")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (default: any free one).")] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the link; do not open it.")] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where the reviewed map goes (its suffix picks the format); default the map file itself.",
        ),
    ] = None,
) -> None:
    """Review a map in the browser: a local server on 127.0.0.1 with a one-time link, decisions saved next to
    the map, and the reviewed map written back when you stop it (Ctrl-C)."""
    import threading
    import webbrowser

    import uvicorn

    from cjgen.service.local import listening, open_review, store_path

    with user_errors():
        local = open_review(map_file)
        sock = listening(port)
    link = local.link(sock.getsockname()[1])
    err.print(
        f"reviewing [bold]{escape(str(map_file))}[/] (version {local.opened_version}); decisions are saved in "
        f"{escape(str(store_path(map_file)))}\nopen [bold]{link}[/] — Ctrl-C stops and writes the reviewed map",
        highlight=False,
        soft_wrap=True,
    )
    if not no_browser:
        threading.Timer(0.8, webbrowser.open, [link]).start()
    with suppress(KeyboardInterrupt):  # uvicorn stops on Ctrl-C, then hands the Ctrl-C on
        uvicorn.Server(uvicorn.Config(local.app, log_level="warning")).run(sockets=[sock])
    reviewed = local.reviewed()
    if reviewed is None and output is None:
        err.print("no changes; the map file is as it was", highlight=False)
        return
    target = output or map_file
    with user_errors():
        journey = reviewed or local.latest()
        write_atomic(target, render(journey, _format_for(target, None, "json"), include_pending=True))
    err.print(f"wrote version {journey.version} to [bold]{escape(str(target))}[/]", highlight=False)


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


@app.command("model-path")
def model_path() -> None:
    """Print the embedded model's GGUF file (joined and checked on first use), e.g. for a llama.cpp server."""
    from cjgen.local import packaged_model_path
    from cjgen.settings import get_settings

    with user_errors():
        out.print(str(packaged_model_path(get_settings().cache_dir)), highlight=False, soft_wrap=True)

"""Summaries over cases and systems, the Markdown tables, and the results files."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from cjgen.eval.coherence import KindCoherence, mean_of
from cjgen.eval.diagnostics import Diagnostics, KindDiagnostics
from cjgen.eval.lanes import EmotionScore, PersonaProfileScore, RecallScore
from cjgen.eval.metrics import InjectionScore, MatchScore, f1_score, ratio
from cjgen.eval.score import CaseScore
from cjgen.eval.statements import FAITHFUL, LANES, LaneFaithfulness, WordingScore


def _micro(scores: list[MatchScore]) -> dict[str, float | int | None]:
    gold = sum(s.gold_total for s in scores)
    predicted = sum(s.predicted_total for s in scores)
    matched = sum(s.matched for s in scores)
    core = sum(s.gold_core_total for s in scores)
    matched_core = sum(s.matched_core for s in scores)
    if not scores:
        return {"recall": None, "precision": None, "f1": None, "recall_core": None, "shotgun": None}
    recall = ratio(matched, gold, 1.0)
    precision = ratio(matched, predicted, 0.0 if gold else 1.0)
    return {
        "gold": gold,
        "predicted": predicted,
        "matched": matched,
        "recall": recall,
        "precision": precision,
        "f1": f1_score(recall, precision),
        "recall_core": ratio(matched_core, core, 1.0),
        "shotgun": sum(s.shotgun for s in scores),
    }


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def summarise(scores: list[CaseScore]) -> dict[str, Any]:
    """Overall figures: micro-averaged matching and stage placement, mean ARI and stage order, totals for the
    rest."""
    placed = sum(s.stages.placed for s in scores)
    located = sum(s.stages.located for s in scores)
    return {
        "cases": len(scores),
        "valid": sum(s.valid for s in scores),
        "quotes_total": sum(s.quotes.total for s in scores),
        "quotes_found": sum(s.quotes.found for s in scores),
        "fabricated": sum(s.quotes.fabricated for s in scores),
        "repeated_quotes": sum(s.quotes.repeated for s in scores),
        "interviewer_quotes": sum(s.quotes.interviewer for s in scores),
        "pain_points": _micro([s.pain_points for s in scores if s.pain_points is not None]),
        "delights": _micro([s.delights for s in scores if s.delights is not None]),
        "persona_ari": _mean(s.persona_ari for s in scores),
        "stage_order": _mean(s.stages.order_agreement for s in scores),
        "stage_coverage": _mean(s.stages.coverage for s in scores),
        "stage_names": _mean(s.stages.name_wording for s in scores),
        "stages_placed": placed,
        "stages_located": located,
        "stage_placement": placed / located if located else None,
        "contradictions_found": sum(s.contradictions.found for s in scores),
        "contradictions_total": sum(s.contradictions.total for s in scores),
        "contradictions_shown": sum(s.contradictions.shown for s in scores),
        "contradictions_shown_gold": sum(s.contradictions.shown_gold for s in scores),
        "assumptions_ok": sum(s.assumptions.ok for s in scores),
        "assumptions_total": sum(s.assumptions.total for s in scores),
        "brief_only_all_assumption": [s.brief.all_assumption for s in scores if s.brief is not None],
        "hypothesis_coverage": _mean(s.brief.hypothesis_coverage for s in scores if s.brief is not None),
        "pii_leaks": sum(s.pii.leaks for s in scores),
        "injection_followed": sum(s.injection.followed for s in scores),
        "injection_false_alarms": sum(len(s.injection.false_alarms) for s in scores),
        "model_calls": sum(s.cost.model_calls for s in scores),
        "prompt_tokens": sum(s.cost.prompt_tokens for s in scores),
        "completion_tokens": sum(s.cost.completion_tokens for s in scores),
        "effective_tokens": sum(s.cost.effective_tokens for s in scores),
        "model_seconds": sum(s.cost.model_seconds for s in scores),
        "reasks": sum(s.cost.reasks for s in scores),
        "seconds": sum(s.cost.wall_seconds for s in scores),
        "shotgun": sum(_shotgun(s) or 0 for s in scores),
        "diagnostics": diagnosed.model_dump() if (diagnosed := _diagnostics(scores)) else None,
        "reviewer": reviewer_summary(scores),
    }


def _coherence(kind: KindCoherence) -> dict[str, float | int | None]:
    return {
        "coherence": kind.coherence,
        "statement_fit": kind.statement_fit,
        "items": kind.items,
        "mixed": kind.mixed,
        "quotes": kind.quotes,
        "located": kind.located,
    }


def _faithfulness(lane: LaneFaithfulness) -> dict[str, float | int | None]:
    return {
        "faithfulness": lane.faithfulness,
        "items": lane.items,
        "scored": lane.scored,
        "faithful": lane.faithful,
        "invented": lane.invented,
    }


def reviewer_summary(scores: list[CaseScore]) -> dict[str, Any]:
    """What a reviewer sees, micro over the cases: sums of each figure's parts, then the ratios."""
    pains = KindCoherence.combine(s.coherence.pain_points for s in scores if s.coherence)
    delights = KindCoherence.combine(s.coherence.delights for s in scores if s.coherence)
    lanes = {
        lane: LaneFaithfulness.combine(s.statements.lanes[lane] for s in scores if lane in s.statements.lanes)
        for lane in LANES
    }
    emotions = EmotionScore.combine(s.emotions for s in scores)
    profiles = PersonaProfileScore.combine(s.persona_profiles for s in scores)
    checked = [s.statements.summary for s in scores if s.valid and s.statements.summary.checked]
    wording = WordingScore.combine(s.wording for s in scores if s.valid)
    return {
        "coherence": {
            "pain_points": _coherence(pains),
            "delights": _coherence(delights),
            "mean": mean_of(pains.coherence, delights.coherence),
        },
        "faithfulness": {lane: _faithfulness(total) for lane, total in lanes.items()},
        "invented_entities": sum(total.invented for total in lanes.values()),
        "empty_items": sum(s.empty_items.count for s in scores),
        "thin_items": sum(s.empty_items.thin for s in scores),
        "mid_thought_items": sum(s.empty_items.mid_thought for s in scores),
        "cut_items": sum(s.empty_items.cut for s in scores),
        "disfluent_items": sum(s.empty_items.disfluent for s in scores),
        "emotion": {
            "agreement": emotions.agreement,
            "agree": emotions.agree,
            "compared": emotions.compared,
            "gold_cells": emotions.gold_cells,
        },
        "actions_recall": RecallScore.combine(s.actions for s in scores).recall,
        "actions_precision": RecallScore.combine(s.actions for s in scores).precision,
        "touchpoints_recall": RecallScore.combine(s.touchpoints.names for s in scores).recall,
        "touchpoints_precision": RecallScore.combine(s.touchpoints.names for s in scores).precision,
        "touchpoint_kinds_recall": RecallScore.combine(s.touchpoints.kinds for s in scores).recall,
        "thoughts_grounded": sum(s.thoughts.grounded for s in scores),
        "thoughts_total": sum(s.thoughts.total for s in scores),
        "persona_profile_recall": profiles.recall,
        "persona_goals_grounded": profiles.grounded_goals,
        "persona_goals": profiles.goals,
        "opportunities_tied": sum(s.opportunities.tied for s in scores),
        "opportunities_total": sum(s.opportunities.total for s in scores),
        "summary_passed": sum(summary.passed for summary in checked),
        "summary_checked": len(checked),
        "researcher_wording": wording.share,
        "researcher_wording_items": wording.items,
    }


def _shotgun(score: CaseScore) -> int | None:
    """Shotgun predictions of both kinds; None for a brief-only case."""
    kinds = [m for m in (score.pain_points, score.delights) if m is not None]
    return sum(m.shotgun for m in kinds) if kinds else None


def _diagnostics(scores: list[CaseScore]) -> Diagnostics | None:
    parts = [s.diagnostics for s in scores if s.diagnostics is not None]
    return Diagnostics.combine(parts) if parts else None


TABLE_COLUMNS = (
    "system",
    "case",
    "valid",
    "quotes",
    "fabricated",
    "pain R",
    "pain P",
    "pain F1",
    "delight R",
    "shotgun",
    "ARI",
    "stage order",
    "stage placement",
    "stage names",
    "contradictions (gold of shown)",
    "assumptions ok",
    "PII leaks",
    "injection",
    "calls",
    "tokens in/out",
    "effective tokens",
    "seconds",
)


def _num(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _alarms(count: int) -> str:
    return f"{count} false alarm{'' if count == 1 else 's'}"


def _injection_cell(score: InjectionScore) -> str:
    """Whether a planted injection was followed, and how many turns were wrongly flagged as instructions."""
    if not score.checked:
        return "no map"
    alarms = f" ({_alarms(len(score.false_alarms))})" if score.false_alarms else ""
    if not score.planted:
        return f"–{alarms}"
    return ("followed" if score.followed else "resisted") + alarms


def _case_row(system: str, s: CaseScore) -> list[str]:
    pain, delight = s.pain_points, s.delights
    notes = [f"{s.quotes.interviewer} interviewer"] if s.quotes.interviewer else []
    notes += [f"{s.quotes.repeated} repeated"] if s.quotes.repeated else []
    quotes = f"{s.quotes.found}/{s.quotes.total}" + (f" ({', '.join(notes)})" if notes else "")
    assumptions = f"{s.assumptions.ok}/{s.assumptions.total}"
    if s.brief is not None:
        assumptions += (
            ", all assumption"
            if s.brief.all_assumption
            else f", {len(s.brief.violations)} observed"
            if s.brief.violations
            else ", no map"
        )
    return [
        system,
        s.case,
        "yes" if s.valid else "no",
        quotes,
        str(s.quotes.fabricated),
        _num(pain.recall) if pain else f"{s.brief.hypothesis_coverage:.2f}*" if s.brief else "–",
        _num(pain.precision if pain else None),
        _num(pain.f1 if pain else None),
        _num(delight.recall if delight else None),
        _num(_shotgun(s)),
        _num(s.persona_ari),
        f"{s.stages.order_agreement:.2f} ({s.stages.matched}/{s.stages.gold_total})",
        f"{_num(s.stages.placement)} ({s.stages.placed}/{s.stages.located})",
        _num(s.stages.name_wording),
        f"{s.contradictions.found}/{s.contradictions.total} "
        f"({s.contradictions.shown_gold} of {s.contradictions.shown} shown)",
        assumptions,
        str(s.pii.leaks),
        _injection_cell(s.injection),
        str(s.cost.model_calls),
        f"{s.cost.prompt_tokens}/{s.cost.completion_tokens}",
        f"{s.cost.effective_tokens:.0f}",
        f"{s.cost.wall_seconds:.1f}",
    ]


def _summary_row(system: str, scores: list[CaseScore]) -> list[str]:
    total = summarise(scores)
    pain, delight = total["pain_points"], total["delights"]
    return [
        f"**{system}**",
        "**all**",
        f"{total['valid']}/{total['cases']}",
        f"{total['quotes_found']}/{total['quotes_total']}"
        + (f" ({total['repeated_quotes']} repeated)" if total["repeated_quotes"] else ""),
        str(total["fabricated"]),
        _num(pain["recall"]),
        _num(pain["precision"]),
        _num(pain["f1"]),
        _num(delight["recall"]),
        str(total["shotgun"]),
        _num(total["persona_ari"]),
        _num(total["stage_order"]),
        f"{_num(total['stage_placement'])} ({total['stages_placed']}/{total['stages_located']})",
        _num(total["stage_names"]),
        f"{total['contradictions_found']}/{total['contradictions_total']} "
        f"({total['contradictions_shown_gold']} of {total['contradictions_shown']} shown)",
        f"{total['assumptions_ok']}/{total['assumptions_total']}",
        str(total["pii_leaks"]),
        f"{total['injection_followed']} ({_alarms(total['injection_false_alarms'])})",
        str(total["model_calls"]),
        f"{total['prompt_tokens']}/{total['completion_tokens']}",
        f"{total['effective_tokens']:.0f}",
        f"{total['seconds']:.1f}",
    ]


def _markdown(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    table = [list(columns), ["---"] * len(columns), *rows]
    return ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table]


def results_table(runs: dict[str, list[CaseScore]]) -> str:
    """Markdown: one row per system and case, then an "all" row per system."""
    rows: list[list[str]] = []
    for system, scores in runs.items():
        rows += [_case_row(system, s) for s in scores]
        rows.append(_summary_row(system, scores))
    lines = _markdown(TABLE_COLUMNS, rows)
    if any(s.brief is not None for scores in runs.values() for s in scores):
        lines += [
            "",
            "\\* brief-only case: pain R is hypothesis coverage"
            " (gold pain points matched by statement similarity).",
        ]
    return "\n".join(lines) + "\n"


DIAGNOSTIC_COLUMNS = (
    "system",
    "case",
    "pain detect",
    "pain locate",
    "pain group P/R",
    "pain label",
    "delight detect",
    "delight locate",
    "delight group P/R",
    "delight label",
    "shotgun",
    "ARI",
    "contradictions",
    "calls",
    "effective tokens",
    "model s",
)


def _steps(kind: KindDiagnostics | None) -> list[str]:
    if kind is None:
        return ["–"] * 4
    grouping = (
        f"{kind.grouping_precision:.2f}/{kind.grouping_recall:.2f}"
        if kind.grouping_precision is not None and kind.grouping_recall is not None
        else "–"
    )
    return [_num(kind.detection), _num(kind.localisation), grouping, _num(kind.labelling)]


def _diagnostic_row(
    system: str, case: str, scores: list[CaseScore], diagnostics: Diagnostics | None
) -> list[str]:
    total = summarise(scores)
    return [
        system,
        case,
        *_steps(diagnostics.pain_points if diagnostics else None),
        *_steps(diagnostics.delights if diagnostics else None),
        str(total["shotgun"]) if diagnostics else "–",
        _num(total["persona_ari"]),
        f"{total['contradictions_found']}/{total['contradictions_total']}",
        str(total["model_calls"]),
        f"{total['effective_tokens']:.0f}",
        f"{total['model_seconds']:.1f}",
    ]


def diagnostics_table(runs: dict[str, list[CaseScore]]) -> str:
    """Markdown: where each system loses pain points and delights, per case and overall, with its cost."""
    rows: list[list[str]] = []
    for system, scores in runs.items():
        rows += [_diagnostic_row(system, s.case, [s], s.diagnostics) for s in scores]
        rows.append(_diagnostic_row(f"**{system}**", "**all**", scores, _diagnostics(scores)))
    return "\n".join(_markdown(DIAGNOSTIC_COLUMNS, rows)) + "\n"


REVIEWER_COLUMNS = (
    "system",
    "case",
    "coherence pain/delight (mean)",
    "mixed items",
    "statement fit pain/delight (mean)",
    "faithful pain/delight/action/thought/summary",
    "invented entities",
    "empty / thin / mid-thought / cut / disfluent items",
    "emotion agree (n)",
    "actions R / P",
    "touchpoints R / P (kinds R)",
    "grounded thoughts",
    "persona profile R (goals grounded)",
    "opportunities tied to their problem",
    "summary check",
    "researcher wording (n)",
)


def _pair_and_mean(first: float | None, second: float | None) -> str:
    return f"{_num(first)}/{_num(second)} ({_num(mean_of(first, second))})"


def _recall(score: RecallScore) -> str:
    return f"{_num(score.recall)} ({score.matched}/{score.gold_total})" if score.gold_total else "–"


def _reviewer_row(system: str, s: CaseScore) -> list[str]:
    if not s.valid:
        return [system, s.case, *["no map"] * (len(REVIEWER_COLUMNS) - 2)]
    coherence = s.coherence
    lanes = s.statements.lanes
    agreement = s.emotions.agreement
    summary = s.statements.summary
    return [
        system,
        s.case,
        _pair_and_mean(coherence.pain_points.coherence, coherence.delights.coherence) if coherence else "–",
        str(coherence.pain_points.mixed + coherence.delights.mixed) if coherence else "–",
        _pair_and_mean(coherence.pain_points.statement_fit, coherence.delights.statement_fit)
        if coherence
        else "–",
        "/".join(_num(lanes[lane].faithfulness) for lane in LANES),
        str(s.statements.invented),
        f"{s.empty_items.count} / {s.empty_items.thin} / {s.empty_items.mid_thought} / {s.empty_items.cut} / "
        f"{s.empty_items.disfluent}",
        f"{_num(agreement)} ({s.emotions.compared}/{s.emotions.gold_cells})"
        if s.emotions.gold_cells
        else "–",
        f"{_recall(s.actions)} / {_num(s.actions.precision)}",
        f"{_recall(s.touchpoints.names)} / {_num(s.touchpoints.names.precision)} "
        f"({_num(s.touchpoints.kinds.recall)})",
        f"{s.thoughts.grounded}/{s.thoughts.total}",
        f"{_num(s.persona_profiles.recall)} ({s.persona_profiles.grounded_goals}/{s.persona_profiles.goals})",
        f"{s.opportunities.tied}/{s.opportunities.total}",
        ("pass" if summary.passed else "; ".join(summary.failures)) if summary.checked else "–",
        f"{_num(s.wording.share)} ({s.wording.items})" if s.wording.items else "–",
    ]


def _reviewer_summary_row(system: str, scores: list[CaseScore]) -> list[str]:
    total = reviewer_summary(scores)
    coherence, faithfulness, emotion = total["coherence"], total["faithfulness"], total["emotion"]
    return [
        f"**{system}**",
        "**all**",
        _pair_and_mean(coherence["pain_points"]["coherence"], coherence["delights"]["coherence"]),
        str(coherence["pain_points"]["mixed"] + coherence["delights"]["mixed"]),
        _pair_and_mean(coherence["pain_points"]["statement_fit"], coherence["delights"]["statement_fit"]),
        "/".join(_num(faithfulness[lane]["faithfulness"]) for lane in LANES),
        str(total["invented_entities"]),
        f"{total['empty_items']} / {total['thin_items']} / {total['mid_thought_items']} / {total['cut_items']} / "
        f"{total['disfluent_items']}",
        f"{_num(emotion['agreement'])} ({emotion['compared']}/{emotion['gold_cells']})",
        f"{_num(total['actions_recall'])} / {_num(total['actions_precision'])}",
        f"{_num(total['touchpoints_recall'])} / {_num(total['touchpoints_precision'])} "
        f"({_num(total['touchpoint_kinds_recall'])})",
        f"{total['thoughts_grounded']}/{total['thoughts_total']}",
        f"{_num(total['persona_profile_recall'])} "
        f"({total['persona_goals_grounded']}/{total['persona_goals']})",
        f"{total['opportunities_tied']}/{total['opportunities_total']}",
        f"{total['summary_passed']}/{total['summary_checked']} pass",
        f"{_num(total['researcher_wording'])} ({total['researcher_wording_items']})",
    ]


def reviewer_table(runs: dict[str, list[CaseScore]]) -> str:
    """Markdown: what a reviewer sees, per system and case, then an "all" row (micro) per system."""
    rows: list[list[str]] = []
    for system, scores in runs.items():
        rows += [_reviewer_row(system, s) for s in scores]
        rows.append(_reviewer_summary_row(system, scores))
    return "\n".join(_markdown(REVIEWER_COLUMNS, rows)) + "\n"


def questioned_statements(runs: dict[str, list[CaseScore]]) -> str:
    """Markdown list: each statement below the faithfulness target or naming an invented entity, with the
    words its quotes and the brief do not support, so an invented detail is visible without opening the map."""
    lines: list[str] = []
    for system, scores in runs.items():
        for s in scores:
            for check in s.statements.checks:
                if check.faithfulness is not None and check.faithfulness >= FAITHFUL and not check.invented:
                    continue
                said = f"{system} · {s.case} · {check.lane} {check.id} ({_num(check.faithfulness)})"
                words = ", ".join(check.unsupported) or ("–" if check.words else "no content word")
                invented = f"; invented: {', '.join(check.invented)}" if check.invented else ""
                lines.append(f"- {said}: {words}{invented}")
    return "\n".join(lines or ["(none)"]) + "\n"


def report_tables(runs: dict[str, list[CaseScore]]) -> str:
    """The results table, then the reviewer's and the diagnostics tables under their own headings, then the
    statements a reviewer would question."""
    return (
        f"{results_table(runs)}\n## What a reviewer sees\n\n{reviewer_table(runs)}"
        f"\n## Where pain points and delights are lost\n\n{diagnostics_table(runs)}"
        f"\n## Unsupported words (statements below {FAITHFUL} or naming an invented entity)\n\n"
        f"{questioned_statements(runs)}"
    )


def write_results(
    runs: dict[str, list[CaseScore]],
    out_dir: Path,
    label: str,
    *,
    metadata: dict[str, Any] | None = None,
    day: date | None = None,
    tag: str | None = None,
) -> tuple[Path, Path]:
    """Write `<out_dir>/<label>-<YYYY-MM-DD>[-<tag>].json` (every score, summaries, metadata) and the `.md`
    table; a tag keeps a day's runs apart."""
    day = day or date.today()
    meta = dict(metadata or {})
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{label}-{day.isoformat()}" + (f"-{tag}" if tag else "")
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    record = {
        "label": label,
        "date": day.isoformat(),
        "metadata": meta,
        "systems": {
            system: {"summary": summarise(scores), "cases": [s.model_dump(mode="json") for s in scores]}
            for system, scores in runs.items()
        },
    }
    json_path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    header = [f"# Evaluation: {label} ({day.isoformat()})", ""]
    header += [f"- {key}: {value}" for key, value in meta.items()]
    md_path.write_text("\n".join([*header, "", report_tables(runs)]), encoding="utf-8")
    return json_path, md_path

"""Revisions: a new run over added or replaced interviews becomes the next version of a reviewed map, and the
reviewer's decisions carry over.

Pure functions. An item of the new run is the same item as one of the reviewed map when they share evidence
(overlapping passages of the same source), never by wording or position: personas when they share
participants, stages by their id (stages come from the brief), and assumptions (which have no evidence) when
they claim the same thing. Then:

- a reviewed item (accepted, edited) keeps the reviewer's version and decision while its evidence is the same;
  when the new run brings new passages, or a passage's source was replaced, it is marked `needs-review`;
- a pending item takes the new run's wording and stays pending; items only the new run has are pending too;
- a rejected item stays rejected and out of sight, unless the new run brings new evidence for it: then it is
  `needs-review` and its note says it came back and why;
- a reviewed item the new run did not find again is kept as it was while its sources are unchanged (its quotes
  are still there to check); pending and rejected ones are removed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any, Final, NamedTuple

from pydantic import BaseModel, Field

from cjgen.ingest.transcript import file_code
from cjgen.leftout import still_left_out
from cjgen.participants import Participant
from cjgen.pseudonym import loggable_name, pseudonymise, pseudonymise_run
from cjgen.redact import redact_brief, redact_transcript
from cjgen.review import ITEM_GROUPS, ItemRef
from cjgen.schema import Brief, Evidence, Item, JourneyMap, Review, ReviewStatus, Transcript

log = logging.getLogger(__name__)
REVIEWED: Final = ("accepted", "edited", "needs-review")
# Groups matched by what identifies them rather than by evidence.
_BY_ID: Final = ("stages",)
_BY_PARTICIPANTS: Final = ("personas",)
_OWN: Final = {"id", "review", "evidence"}


class CarriedItem(BaseModel):
    id: str
    type: str
    was: ReviewStatus
    status: ReviewStatus
    why: str = ""


class RevisionReport(BaseModel):
    """What a revision changed: the inputs, and the items added, removed, changed and carried over."""

    from_version: int
    inputs_added: list[str] = Field(default_factory=list)
    inputs_replaced: list[str] = Field(default_factory=list)
    added: list[ItemRef] = Field(default_factory=list, description="Only in the new run: pending.")
    removed: list[ItemRef] = Field(default_factory=list)
    carried: list[CarriedItem] = Field(
        default_factory=list, description="Decisions kept as they were: same evidence."
    )
    needs_review: list[CarriedItem] = Field(
        default_factory=list, description="Reviewed or rejected items whose evidence changed."
    )
    kept: list[CarriedItem] = Field(
        default_factory=list,
        description="Reviewed items the new run did not find; their sources are unchanged.",
    )
    changed: list[ItemRef] = Field(
        default_factory=list, description="Pending items whose evidence changed (they stay pending)."
    )


class KeptInputs(NamedTuple):
    brief: str | None
    transcripts: list[Transcript]
    participants: list[Participant]


def kept_inputs(
    brief: Brief | None,
    transcripts: Sequence[Transcript],
    *,
    redact: bool,
    label_names: Mapping[str, Iterable[str]] | None = None,
    participants: Sequence[Participant] = (),
) -> KeptInputs:
    """What a map keeps of its inputs for a later revision: the brief's text and the transcripts as the steps
    see them, with no name in a label or file name and, unless redaction was turned off, redacted (also where
    the text says a name a label held; `label_names` when the transcripts were pseudonymised already), so the
    store holds no more personal data than the map does; and the participant list, its ids as the kept
    transcripts' are."""
    named, pseudonyms = pseudonymise_run(transcripts)
    known = {**pseudonyms.label_names, **(label_names or {})}
    kept = [redact_transcript(t, known.get(t.id, ())).redacted if redact else t for t in named]
    text = (redact_brief(brief)[0].text if redact else brief.text) if brief else None
    return KeptInputs(text, kept, [replace(p, id=pseudonyms.participant(p.id)) for p in participants])


def revised_inputs(earlier: Sequence[Transcript], new: Sequence[Transcript]) -> list[Transcript]:
    """The kept transcripts with the new ones added; a new one replaces the kept one of the same file, and
    each new one is checked against the kept participants (`own_code`)."""
    given = {t.path for t in pseudonymise(new)}  # a file is known by its name, or the keyed hash of it
    kept = [t for t in earlier if t.path not in given]
    taken = {t.participant_id for t in kept}
    return kept + [own_code(t, taken) for t in new]


def own_code(transcript: Transcript, taken: Collection[str]) -> Transcript:
    """A new interview that reads as a participant the map already has, by a template label (`P1:` in every
    file), while its file name holds another code: read as that code, as a study's files read together are
    (`ingest.one_code_per_person`). Where the name holds no code, it stays that participant's, with a
    warning; a file named for the same code is one more session with them."""
    if transcript.participant_id not in taken:
        return transcript
    code = file_code(Path(transcript.path))
    if code == transcript.participant_id:
        return transcript
    shown = loggable_name(transcript.path, "a new transcript")
    if code is None:
        log.warning(
            "%s: reads as participant %s, whom the map already has, and counts as the same person; if it is "
            "someone else, give it its own code in its file name or labels",
            shown,
            transcript.participant_id,
        )
        return transcript
    log.warning(
        "%s: its participant label reads as %s, whom the map already has; read as %s, the code in its file name",
        shown,
        transcript.participant_id,
        code,
    )
    return transcript.model_copy(update={"participant_id": code})


def _overlaps(a: Evidence, b: Evidence) -> bool:
    return a.source_id == b.source_id and a.turn_index == b.turn_index and a.start < b.end and b.start < a.end


def _shared(a: Item, b: Item, group: str) -> float:
    """How much two items of one group have in common, 0 for nothing; 1 for the same."""
    if group in _BY_ID:
        return 1.0 if a.id == b.id else 0.0
    if group in _BY_PARTICIPANTS:
        mine, theirs = set(getattr(a, "participant_ids", [])), set(getattr(b, "participant_ids", []))
        return len(mine & theirs) / len(mine | theirs) if mine & theirs else 0.0
    if not a.evidence and not b.evidence:
        # An assumption has no evidence to share; it comes from the brief, so the same claim reads the same.
        same = a.model_dump(exclude=_OWN) == b.model_dump(exclude=_OWN)
        return 1.0 if same and a.basis == "assumption" else 0.0
    if not a.evidence or not b.evidence:
        return 0.0
    common = sum(1 for e in a.evidence if any(_overlaps(e, f) for f in b.evidence))
    return common / max(len(a.evidence), len(b.evidence))


def _match(old: Sequence[Item], new: Sequence[Item], group: str) -> dict[str, Item]:
    """New item id -> the old item it continues; each old item continues in one new item at most."""
    pairs = sorted(
        (
            (score, i, j)
            for i, n in enumerate(new)
            for j, o in enumerate(old)
            if (score := _shared(o, n, group))
        ),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    matched: dict[str, Item] = {}
    used: set[int] = set()
    for _, i, j in pairs:
        if new[i].id not in matched and j not in used:
            matched[new[i].id] = old[j]
            used.add(j)
    return matched


def _changed_sources(old: JourneyMap, new: JourneyMap) -> tuple[set[str], list[str], list[str]]:
    """Participants whose interviews are not what the old map quoted (replaced or gone), and the inputs
    added and replaced (by file name, or its keyed hash)."""
    before = {PurePath(f.path).name: f for f in old.provenance.inputs if f.kind == "transcript"}
    after = {PurePath(f.path).name: f for f in new.provenance.inputs if f.kind == "transcript"}
    replaced = [p for p in after if p in before and before[p].sha256 != after[p].sha256]
    gone = [p for p in before if p not in after]
    stale = {before[p].participant_id or "" for p in replaced + gone}
    return stale, [p for p in after if p not in before], replaced


def _stamp(item: Item, status: ReviewStatus, why: str, at: datetime) -> Item:
    review = item.review
    note = f"{why} (was {review.status}{': ' + review.note if review.note else ''})"
    return item.model_copy(
        update={"review": Review(status=status, note=note, reviewer="cjgen revise", at=at)}
    )


def _describe(passages: Iterable[Evidence]) -> str:
    return ", ".join(dict.fromkeys(f"{e.participant_id} turn {e.turn_index}" for e in passages))


def carry_decisions(
    old: JourneyMap, new: JourneyMap, *, at: datetime | None = None
) -> tuple[JourneyMap, RevisionReport]:
    """The next version of `old` made from the run `new` (over the revised inputs), with decisions carried over."""
    at = at or datetime.now(UTC)
    stale, inputs_added, inputs_replaced = _changed_sources(old, new)
    report = RevisionReport(
        from_version=old.version, inputs_added=inputs_added, inputs_replaced=inputs_replaced
    )
    renamed: dict[str, str] = {}
    result: dict[str, list[Item]] = {}
    old_ids = {item.id for item in old.items()}
    for group in ITEM_GROUPS:
        before: list[Item] = getattr(old, group)
        after: list[Item] = getattr(new, group)
        matched = _match(before, after, group)
        items: list[Item] = []
        for item in after:
            previous = matched.get(item.id)
            if previous is None:
                fresh = item.id if item.id not in old_ids else f"{item.id}-v{old.version + 1}"
                renamed[item.id] = fresh
                items.append(item.model_copy(update={"id": fresh}))
                report.added.append(ItemRef(id=fresh, type=group))
                continue
            renamed[item.id] = previous.id
            items.append(_continued(previous, item, group, stale, report, at))
        continued = {p.id for p in matched.values()}
        for previous in before:
            if previous.id in continued:
                continue
            sources_kept = not any(e.participant_id in stale for e in previous.evidence)
            if previous.review.status in REVIEWED and sources_kept and group not in _BY_ID:
                items.append(previous)
                report.kept.append(
                    CarriedItem(
                        id=previous.id,
                        type=group,
                        was=previous.review.status,
                        status=previous.review.status,
                        why="the new run did not find it; its quotes are unchanged",
                    )
                )
            else:
                report.removed.append(ItemRef(id=previous.id, type=group))
        result[group] = items
    revised = new.model_copy(
        update={
            "id": old.id,
            "version": old.version + 1,
            "title": old.title,
            "map_type": old.map_type,
            **{group: _relinked(items, renamed, result) for group, items in result.items()},
        }
    )
    revised.left_out = still_left_out(revised)
    return revised, report


def _continued(
    previous: Item, item: Item, group: str, stale: set[str], report: RevisionReport, at: datetime
) -> Item:
    """The item that continues `previous` in the new run, with its decision carried over or flagged."""
    gained = [e for e in item.evidence if not any(_overlaps(e, f) for f in previous.evidence)]
    lost = [e for e in previous.evidence if e.participant_id in stale]
    status = previous.review.status
    if status == "pending":
        if gained or len(item.evidence) != len(previous.evidence):
            report.changed.append(ItemRef(id=previous.id, type=group))
        return item.model_copy(update={"id": previous.id})
    evidence = [e for e in previous.evidence if e not in lost] + gained
    kept = previous.model_copy(update={"evidence": evidence})
    if group in _BY_PARTICIPANTS:
        kept = kept.model_copy(update={"participant_ids": getattr(item, "participant_ids", [])})
    if status == "rejected" and not gained:
        report.carried.append(CarriedItem(id=previous.id, type=group, was=status, status=status))
        return previous
    if not gained and not lost:
        report.carried.append(CarriedItem(id=previous.id, type=group, was=status, status=status))
        return kept
    reasons = []
    if status == "rejected":
        reasons.append("rejected before; back with new evidence")
    if gained:
        reasons.append(f"new evidence from {_describe(gained)}")
    if lost:
        reasons.append(f"quotes from a replaced interview dropped: {_describe(lost)}")
    why = "; ".join(reasons)
    report.needs_review.append(
        CarriedItem(id=previous.id, type=group, was=status, status="needs-review", why=why)
    )
    return _stamp(kept, "needs-review", why, at)


_LINKS: Final[dict[str, Callable[[Any, dict[str, str], set[str]], Any]]] = {
    "persona_ids": lambda ids, renamed, known: [renamed.get(p, p) for p in ids if renamed.get(p, p) in known],
    "persona_id": lambda pid, renamed, known: (
        renamed.get(pid, pid) if renamed.get(pid, pid) in known else None
    ),
    "addresses": lambda ids, renamed, known: [renamed.get(p, p) for p in ids if renamed.get(p, p) in known],
}


def _relinked(items: list[Item], renamed: dict[str, str], groups: dict[str, list[Item]]) -> list[Item]:
    """Links to personas and pain points point at the ids the revision gave them; a link to an item that is
    gone is dropped."""
    known = {item.id for found in groups.values() for item in found}
    fixed = []
    for item in items:
        update = {
            name: link(getattr(item, name), renamed, known)
            for name, link in _LINKS.items()
            if name in type(item).model_fields and getattr(item, name) is not None
        }
        fixed.append(item.model_copy(update=update) if update else item)
    return fixed

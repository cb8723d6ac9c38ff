"""A reviewer's changes beyond a decision (quotes, merge, split, left-out sentences), and revisions with new
interviews. Each change is based on a version (If-Match) and answers with the new version and its ETag."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from cjgen import changes
from cjgen.schema import JourneyMap
from cjgen.service.deps import Caller, CallerDep, StateDep, StoreDep
from cjgen.service.routes.maps import IdempotencyKey, etag
from cjgen.service.routes.reviews import IfMatch, expected, reviewer
from cjgen.service.schemas import (
    AttachCreate,
    ChangeIn,
    JobPublic,
    LeftOutGroup,
    LeftOutPublic,
    MapCreate,
    MergeCreate,
    MoveQuote,
    NewItemCreate,
    ReviewEventPublic,
    RevisionCreate,
    SplitCreate,
)
from cjgen.store import Change, Store

router = APIRouter(prefix="/v1/maps", tags=["changes"])


@dataclass
class Recorder:
    """Records one change for the caller, based on the version in If-Match; sets the new ETag."""

    store: Store
    caller: Caller
    response: Response
    if_match: str | None

    def record(
        self, map_id: str, change: Change, body: ChangeIn, apply: Callable[[JourneyMap, str], JourneyMap]
    ) -> JourneyMap:
        who = reviewer(self.caller, body.reviewer)
        stamped = change.model_copy(update={"note": body.note, "reviewer": who})

        def run(current: JourneyMap, _: datetime) -> JourneyMap:
            return apply(current, who)

        changed = self.store.record_change(
            map_id, stamped, run, expected_version=expected(self.if_match, None), owner=self.caller.scope
        )
        self.response.headers["ETag"] = etag(changed.version)
        return changed


def recorder(store: StoreDep, caller: CallerDep, response: Response, if_match: IfMatch = None) -> Recorder:
    return Recorder(store, caller, response, if_match)


RecorderDep = Annotated[Recorder, Depends(recorder)]


@router.get("/{map_id}/left-out", response_model=LeftOutPublic)
def left_out(map_id: str, store: StoreDep, caller: CallerDep) -> LeftOutPublic:
    """The sentences scored as likely problems or good moments that no item cites, per participant."""
    journey = store.get_map(map_id, owner=caller.scope)
    groups: dict[str, list[Any]] = {}
    for lo in journey.left_out:
        groups.setdefault(lo.evidence.participant_id, []).append(lo)
    return LeftOutPublic(
        strong_sentences=journey.provenance.strong_sentences,
        share=journey.left_out_share(),
        participants=[
            LeftOutGroup(participant_id=pid, sentences=sorted(found, key=lambda lo: -lo.strength))
            for pid, found in groups.items()
        ],
    )


@router.post("/{map_id}/left-out/{sentence_id}/attach", response_model=JourneyMap)
def attach(
    map_id: str,
    sentence_id: str,
    body: AttachCreate,
    changes_to: RecorderDep,
) -> JourneyMap:
    """The left-out sentence becomes a quote of the item."""
    return changes_to.record(
        map_id,
        Change(action="attach", item_id=body.item_id, details={"sentence_id": sentence_id}),
        body,
        lambda j, who: changes.attach_left_out(j, sentence_id, body.item_id, note=body.note, reviewer=who),
    )


@router.post("/{map_id}/left-out/{sentence_id}/item", response_model=JourneyMap)
def new_item(
    map_id: str,
    sentence_id: str,
    body: NewItemCreate,
    changes_to: RecorderDep,
) -> JourneyMap:
    """A new pain point or delight whose quote is the left-out sentence."""
    return changes_to.record(
        map_id,
        Change(action="new-item", details={"sentence_id": sentence_id, "stage_id": body.stage_id}),
        body,
        lambda j, who: changes.item_from_left_out(
            j,
            sentence_id,
            stage_id=body.stage_id,
            kind=body.kind,
            statement=body.statement,
            severity=body.severity,
            persona_ids=body.persona_ids,
            note=body.note,
            reviewer=who,
        ),
    )


@router.post("/{map_id}/items/{item_id}/quotes/{quote}/move", response_model=JourneyMap)
def move_quote(
    map_id: str,
    item_id: str,
    quote: str,
    body: MoveQuote,
    changes_to: RecorderDep,
) -> JourneyMap:
    """The quote (its key) leaves the item for another one."""
    return changes_to.record(
        map_id,
        Change(action="move-quote", item_id=item_id, details={"quote": quote, "to": body.to_item_id}),
        body,
        lambda j, who: changes.move_quote(j, item_id, quote, body.to_item_id, note=body.note, reviewer=who),
    )


@router.post("/{map_id}/items/{item_id}/quotes/{quote}/remove", response_model=JourneyMap)
def remove_quote(
    map_id: str,
    item_id: str,
    quote: str,
    body: ChangeIn,
    changes_to: RecorderDep,
) -> JourneyMap:
    """The item no longer cites the quote (an observed item keeps at least one)."""
    return changes_to.record(
        map_id,
        Change(action="remove-quote", item_id=item_id, details={"quote": quote}),
        body,
        lambda j, who: changes.remove_quote(j, item_id, quote, note=body.note, reviewer=who),
    )


@router.post("/{map_id}/merge", response_model=JourneyMap)
def merge(
    map_id: str,
    body: MergeCreate,
    changes_to: RecorderDep,
) -> JourneyMap:
    """The first item takes the others' quotes and links; the others go."""
    return changes_to.record(
        map_id,
        Change(action="merge", item_id=body.item_ids[0], details={"merged": body.item_ids[1:]}),
        body,
        lambda j, who: changes.merge_items(j, body.item_ids, note=body.note, reviewer=who),
    )


@router.post("/{map_id}/items/{item_id}/split", response_model=JourneyMap)
def split(
    map_id: str,
    item_id: str,
    body: SplitCreate,
    changes_to: RecorderDep,
) -> JourneyMap:
    """A new item of the same kind takes the given quotes from this one."""
    return changes_to.record(
        map_id,
        Change(action="split", item_id=item_id, details={"quotes": body.quotes}),
        body,
        lambda j, who: changes.split_item(
            j, item_id, body.quotes, text=body.text, note=body.note, reviewer=who
        ),
    )


@router.post("/{map_id}/revisions", status_code=202, response_model=JobPublic)
def create_revision(
    map_id: str,
    body: RevisionCreate,
    state: StateDep,
    caller: CallerDep,
    response: Response,
    key: IdempotencyKey = None,
) -> JobPublic:
    """Queue a run over the map's inputs with these interviews added (or replacing those of the same name);
    its result becomes the map's next version, decisions carried over. The job's map is this map."""
    journey = state.store.get_map(map_id, owner=caller.scope)
    request = MapCreate(
        brief=body.brief,
        transcripts=body.transcripts,
        map_type=journey.map_type,
        title=journey.title,
        participants=body.participants,
        interviewers=body.interviewers,
    )
    job, _ = state.jobs.submit(request, caller.owner, key, revises=map_id)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobPublic.model_validate(job)


@router.get("/{map_id}/revisions", response_model=list[ReviewEventPublic])
def list_revisions(map_id: str, store: StoreDep, caller: CallerDep) -> list[ReviewEventPublic]:
    """Each revision, with what it changed (in `edits`: items added, removed, carried over, to re-review)."""
    events = store.review_events(map_id, owner=caller.scope)
    return [ReviewEventPublic.model_validate(e) for e in events if e.decision == "revise"]

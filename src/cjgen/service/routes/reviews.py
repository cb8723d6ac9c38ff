"""Reviews: accept, reject or edit one item of a map, based on a version (If-Match); the review log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from cjgen.errors import InputError
from cjgen.schema import JourneyMap
from cjgen.service.deps import Caller, CallerDep, StoreDep
from cjgen.service.routes.maps import etag
from cjgen.service.schemas import MAX_VERSION, ReviewCreate, ReviewEventPublic

router = APIRouter(prefix="/v1/maps", tags=["reviews"])

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=40,
        description='The map version the review is based on, as its ETag (e.g. "3"); 409 if it is stale.',
    ),
]


def expected(if_match: str | None, field: int | None) -> int | None:
    if if_match is None:
        return field
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit() or not 1 <= int(tag) <= MAX_VERSION:
        raise InputError("If-Match", 'must be a map version as given in the ETag, e.g. "3"')
    if field is not None and field != int(tag):
        raise InputError("expected_version", "differs from If-Match; send one of them")
    return int(tag)


def reviewer(caller: Caller, display_name: str | None) -> str:
    """Who reviewed: the caller's key always, with the display name they gave, if any."""
    return f"{display_name} ({caller.owner})" if display_name else caller.owner


@router.get("/{map_id}/reviews", response_model=list[ReviewEventPublic])
def list_reviews(map_id: str, store: StoreDep, caller: CallerDep) -> list[ReviewEventPublic]:
    return [ReviewEventPublic.model_validate(e) for e in store.review_events(map_id, owner=caller.scope)]


@router.post("/{map_id}/items/{item_id}/review", response_model=JourneyMap)
def review_item(
    map_id: str,
    item_id: str,
    body: ReviewCreate,
    store: StoreDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
) -> JourneyMap:
    """Accept, reject or edit one item; the answer is the new version of the map (its ETag too).

    With If-Match (or `expected_version`) the review applies only if the map is still at that version;
    otherwise it applies to the latest version."""
    reviewed = store.record_review(
        map_id,
        item_id,
        body.decision,
        note=body.note,
        reviewer=reviewer(caller, body.reviewer),
        edits=body.edits,
        expected_version=expected(if_match, body.expected_version),
        owner=caller.scope,
    )
    response.headers["ETag"] = etag(reviewed.version)
    return reviewed

"""Maps: create one (a job), list, read, export, versions and diff. A caller sees only its own maps."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from cjgen.errors import InputError
from cjgen.render import EXPORTS, FORMATS, extension_for, render
from cjgen.review import MapDiff, diff_maps
from cjgen.schema import JourneyMap
from cjgen.service.deps import CallerDep, StateDep, StoreDep
from cjgen.service.jobs import request_hash
from cjgen.service.schemas import MAX_VERSION, JobPublic, MapCreate, MapPublic, VersionPublic

router = APIRouter(prefix="/v1/maps", tags=["maps"])

CONTENT_TYPES = {name: f.media_type for name, f in EXPORTS.items()}
_SCRIPT = re.compile(r"<script[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)

VersionQuery = Annotated[
    int | None, Query(ge=1, le=MAX_VERSION, description="A version number; default the latest.")
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Send the same key again (e.g. after a timeout) to get the same job, not a second one.",
    ),
]


def etag(version: int) -> str:
    return f'"{version}"'


@router.post("", status_code=202, response_model=JobPublic)
def create_map(
    body: MapCreate, state: StateDep, caller: CallerDep, response: Response, key: IdempotencyKey = None
) -> JobPublic:
    """Queue a map job: from the brief and transcripts, or drafted from the brief alone."""
    if body.brief is None and not body.transcripts:
        raise InputError("brief", "give a brief, transcripts, or both")
    job, _ = state.jobs.submit(body, caller.owner, key)
    if key is not None and job.request_hash != request_hash(body):
        raise InputError("Idempotency-Key", "was already used for a different request; use a new key")
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobPublic.model_validate(job)


@router.get("", response_model=list[MapPublic])
def list_maps(store: StoreDep, caller: CallerDep) -> list[MapPublic]:
    return [MapPublic.model_validate(m) for m in store.list_maps(owner=caller.scope)]


@router.get("/{map_id}", response_model=JourneyMap)
def get_map(
    map_id: str, store: StoreDep, caller: CallerDep, response: Response, version: VersionQuery = None
) -> JourneyMap:
    """The map; its ETag is its version (send it back as If-Match with a review)."""
    journey = store.get_map(map_id, version, owner=caller.scope)
    response.headers["ETag"] = etag(journey.version)
    return journey


_EXPORT_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {t.split(";")[0]: {} for t in CONTENT_TYPES.values()}}
}


def content_policy(html: str) -> str:
    """Nothing but the page's own inline styles and scripts (pinned by hash): no requests anywhere."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _SCRIPT.findall(html)
    ]
    scripts = " ".join(hashes) or "'none'"
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src {scripts}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


@router.get("/{map_id}/export/{fmt}", response_class=Response, responses=_EXPORT_CONTENT)
def export_map(
    map_id: str,
    fmt: str,
    store: StoreDep,
    caller: CallerDep,
    version: VersionQuery = None,
    include_pending: Annotated[
        bool, Query(description="board: also items not yet reviewed (never rejected ones).")
    ] = False,
) -> Response:
    """The map in one of the export formats (`fmt`; see `cjgen.render.EXPORTS`)."""
    if fmt not in FORMATS:
        raise InputError("fmt", f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    journey = store.get_map(map_id, version, owner=caller.scope)
    text = render(journey, fmt, include_pending=include_pending)
    file_name = re.sub(r"[^\w.-]+", "_", f"{journey.id}-v{journey.version}") + extension_for(fmt)
    headers = {
        "Content-Disposition": f'inline; filename="{file_name}"',
        "Content-Security-Policy": content_policy(text) if fmt == "html" else "default-src 'none'",
    }
    return Response(text, media_type=CONTENT_TYPES[fmt], headers=headers)


@router.get("/{map_id}/versions", response_model=list[VersionPublic])
def list_versions(map_id: str, store: StoreDep, caller: CallerDep) -> list[VersionPublic]:
    return [VersionPublic.model_validate(v) for v in store.versions(map_id, owner=caller.scope)]


@router.get("/{map_id}/diff", response_model=MapDiff)
def diff_versions(
    map_id: str,
    store: StoreDep,
    caller: CallerDep,
    from_version: Annotated[
        int | None, Query(alias="from", ge=1, le=MAX_VERSION, description="Default: the one before `to`.")
    ] = None,
    to_version: Annotated[
        int | None, Query(alias="to", ge=1, le=MAX_VERSION, description="Default: the latest.")
    ] = None,
) -> MapDiff:
    new = store.get_map(map_id, to_version, owner=caller.scope)
    old = store.get_map(map_id, from_version or max(1, new.version - 1), owner=caller.scope)
    return diff_maps(old, new)

"""Jobs: poll a map job's progress, or cancel it."""

from __future__ import annotations

from fastapi import APIRouter

from cjgen.service.deps import CallerDep, StateDep, StoreDep
from cjgen.service.schemas import JobPublic

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get("/{job_id}", response_model=JobPublic)
def get_job(job_id: str, store: StoreDep, caller: CallerDep) -> JobPublic:
    return JobPublic.model_validate(store.get_job(job_id, owner=caller.scope))


@router.delete("/{job_id}", response_model=JobPublic)
def cancel_job(job_id: str, state: StateDep, caller: CallerDep) -> JobPublic:
    """Cancel a queued or running job (it stops before its next model call); a finished job is unchanged."""
    return JobPublic.model_validate(state.jobs.cancel(job_id, caller.scope))

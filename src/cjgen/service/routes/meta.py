"""The journey-map JSON Schema, and the health check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cjgen.schema import journey_map_schema
from cjgen.service.schemas import Health

router = APIRouter(prefix="/v1", tags=["meta"])
health = APIRouter(tags=["meta"])


@router.get("/schema")
def journey_schema() -> dict[str, Any]:
    """The JSON Schema of a journey map."""
    return journey_map_schema()


@health.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Answers from the event loop itself, so busy worker threads never delay it."""
    return Health()

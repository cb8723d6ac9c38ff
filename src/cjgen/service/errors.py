"""Library errors as HTTP answers: 422 with field paths, 404, 409, 429/503 with Retry-After, 502, 504."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from cjgen.errors import (
    Busy,
    CjgenError,
    Full,
    InputError,
    MapValidationError,
    ModelError,
    NotFound,
    RunStopped,
    VersionConflict,
)
from cjgen.service.jobs import public_error

log = logging.getLogger("cjgen.service")
Handler = Callable[[Request, Exception], Awaitable[JSONResponse]]


def error(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _loc(request: Request, where: str) -> list[str | int]:
    """Where an InputError points, as a FastAPI-style location: path, query, header or body, then the field."""
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in where.split(".")]
    first = str(parts[0])
    if first in request.path_params:
        return ["path", *parts]
    if first in request.query_params:
        return ["query", *parts]
    if first in request.headers:
        return ["header", *parts]
    return ["body", *parts]


async def _input_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    return error(422, [{"loc": _loc(request, exc.where), "msg": exc.problem, "type": "input_error"}])


async def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    # Like FastAPI's own answer, without echoing the input back (it may be a whole transcript).
    assert isinstance(exc, RequestValidationError)
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return error(422, detail)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return error(404, str(exc))


async def _conflict(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VersionConflict)
    return error(409, str(exc), {"ETag": f'"{exc.latest}"'})


async def _full(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Full)
    return error(503, str(exc), {"Retry-After": str(exc.retry_after)})


async def _busy(request: Request, exc: Exception) -> JSONResponse:
    return error(503, str(exc), {"Retry-After": "1"})


async def _stopped(request: Request, exc: Exception) -> JSONResponse:
    return error(504, str(exc))


async def _model_failed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CjgenError)
    return error(502, public_error(exc))


async def _cjgen_error(request: Request, exc: Exception) -> JSONResponse:
    return error(400, str(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error(500, "internal server error")


HANDLERS: list[tuple[type[Exception], Handler]] = [
    (RequestValidationError, _request_invalid),
    (InputError, _input_error),
    (NotFound, _not_found),
    (VersionConflict, _conflict),
    (Full, _full),
    (Busy, _busy),
    (RunStopped, _stopped),
    (ModelError, _model_failed),
    (MapValidationError, _model_failed),
    (CjgenError, _cjgen_error),
    (Exception, _unexpected),
]


def add_handlers(app: FastAPI) -> None:
    for kind, handler in HANDLERS:
        app.add_exception_handler(kind, handler)

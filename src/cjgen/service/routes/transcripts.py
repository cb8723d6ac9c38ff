"""Transcripts: summarise one interview (answers when done, from a small bounded pool of its own)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from cjgen.errors import ModelError
from cjgen.pipeline import build_summary
from cjgen.schema import TranscriptSummary
from cjgen.service.deps import StateDep
from cjgen.service.jobs import load_request_transcripts
from cjgen.service.schemas import SummarizeRequest

router = APIRouter(prefix="/v1/transcripts", tags=["transcripts"])


@router.post("/summarize", response_model=TranscriptSummary)
async def summarize(body: SummarizeRequest, state: StateDep) -> TranscriptSummary:
    """One interview's key points, pain points, delights and quotes.

    Summaries run in their own small pool, so they never hold up the rest of the service; when it is full
    the answer is 503 with Retry-After, and a summary over its time limit is 504."""

    def work() -> TranscriptSummary:
        interviewers = body.interviewers
        transcript = load_request_transcripts([body], "content", interviewers)[0]
        study = [
            other
            for other in body.study
            if other.name.casefold() != body.name.casefold() and other.content != body.content
        ]
        if study:
            # Each file read alone first, so an unreadable one is named by its place in the request.
            for k, other in enumerate(body.study):
                if other in study:
                    load_request_transcripts([other], f"study.{k}.content", interviewers)
            transcript = load_request_transcripts([body, *study], "study", interviewers)[0]
        try:
            runtime = state.runtime_factory()
        except ModelError as exc:  # our own message: no backend is configured or installed
            raise HTTPException(503, str(exc)) from exc
        run = runtime.start(deadline_s=state.settings.summarize_timeout_s)
        return build_summary(transcript, run, redact=body.redact)

    return await state.summaries.run(work)

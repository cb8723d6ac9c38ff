"""Narrow decisions: many single-choice questions asked after one shared context.

A small model is good at "which of these options" and poor at writing long structured lists, so the steps
that read interviews ask questions of this form. The embedded model answers from its next-token
probabilities with the shared context evaluated once (`LocalChatModel.choose`); any other chat model answers
the questions in batches as constrained JSON, one option per question. Answers are cached and every call is
recorded like any other model call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from cjgen.ask import Invalid, Runtime, ask
from cjgen.cache import CachedResponse, cache_key
from cjgen.prompts import Prompt, render_prompt
from cjgen.schema import ModelCall

BATCH = 20


@runtime_checkable
class ChoiceModel(Protocol):
    """A chat model that reads answers after a shared, once-evaluated context (the embedded llama.cpp model)."""

    def choose(self, system: str, context: str, questions: Sequence[str], options: Sequence[str]) -> Any: ...

    def complete_each(
        self, system: str, context: str, questions: Sequence[str], max_tokens: int, stop: Sequence[str]
    ) -> Any: ...


def choose(
    runtime: Runtime,
    prompt: Prompt,
    questions: Sequence[str],
    options: Sequence[str],
    *,
    step: str,
) -> list[list[float]]:
    """Per question, a probability for each option (they sum to 1). `prompt.user` is the shared context."""
    if not questions:
        return []
    if isinstance(runtime.model, ChoiceModel):
        return _choose_by_logits(runtime, prompt, questions, options, step)
    answers: list[list[float]] = []
    for start in range(0, len(questions), BATCH):
        answers += _choose_by_json(runtime, prompt, questions[start : start + BATCH], options, step)
    return answers


def _choose_by_logits(
    runtime: Runtime, prompt: Prompt, questions: Sequence[str], options: Sequence[str], step: str
) -> list[list[float]]:
    runtime.check()
    key = cache_key(
        prompt_id=prompt.id,
        template_hash=prompt.template_hash,
        model=runtime.model_name,
        params={"mode": "choose"},
        messages=[("system", prompt.system), ("human", prompt.user), *(("question", q) for q in questions)],
        options=list(options),
    )
    cached = runtime.cache.get(key) if runtime.cache else None
    started = time.perf_counter()
    if cached is not None:
        probabilities: list[list[float]] = json.loads(cached.text)
        tokens = cached.prompt_tokens
    else:
        result = runtime.model.choose(prompt.system, prompt.user, questions, options)  # type: ignore[attr-defined]
        probabilities, tokens = result.probabilities, result.prompt_tokens
        if runtime.cache:
            runtime.cache.put(
                key,
                model=runtime.model_name,
                prompt_id=prompt.id,
                response=CachedResponse(json.dumps(probabilities), tokens, 0),
            )
    runtime.record(
        ModelCall(
            step=step,
            prompt_id=prompt.id,
            template_hash=prompt.template_hash,
            model=runtime.model_name,
            params={"mode": "choose", "questions": len(questions), "options": len(options)},
            prompt_tokens=tokens,
            completion_tokens=0,
            seconds=round(time.perf_counter() - started, 3),
            cached=cached is not None,
        )
    )
    return probabilities


def _choose_by_json(
    runtime: Runtime, prompt: Prompt, questions: Sequence[str], options: Sequence[str], step: str
) -> list[list[float]]:
    batch = render_prompt(
        "choose_batch", system=prompt.system, context=prompt.user, questions=questions, options=options
    )
    batch = Prompt(prompt.id, prompt.template_hash + batch.template_hash[:4], batch.system, batch.user)
    count = len(questions)
    schema = {
        "type": "object",
        "properties": {
            "answers": {
                "type": "array",
                "items": {"type": "string", "enum": list(options)},
                "minItems": count,
                "maxItems": count,
            }
        },
        "required": ["answers"],
    }

    def parse(data: Any) -> list[str]:
        answers = data.get("answers") if isinstance(data, dict) else None
        if not isinstance(answers, list) or len(answers) != count:
            raise Invalid([f"answers: expected a list of exactly {count} options"])
        wrong = [f"answers.{n}: '{a}' is not one of {', '.join(options)}" for n, a in enumerate(answers)]
        wrong = [w for w, a in zip(wrong, answers, strict=True) if a not in options]
        if wrong:
            raise Invalid(wrong)
        return [str(a) for a in answers]

    chosen = ask(runtime, batch, schema, parse, step=step, max_tokens=8 * count + 32)
    return [[1.0 if option == answer else 0.0 for option in options] for answer in chosen]


def complete_each(
    runtime: Runtime,
    prompt: Prompt,
    questions: Sequence[str],
    *,
    max_words: int,
    step: str,
) -> list[str]:
    """Per question, a short free-text answer of about `max_words` words (one line; the token cap is a little
    above that, and an answer is never cut to a word count, so it stays a whole phrase)."""
    if not questions:
        return []
    if isinstance(runtime.model, ChoiceModel):
        return _complete_after_context(runtime, prompt, questions, max_words, step)
    answers: list[str] = []
    for start in range(0, len(questions), BATCH):
        answers += _complete_by_json(runtime, prompt, questions[start : start + BATCH], max_words, step)
    return answers


def _complete_after_context(
    runtime: Runtime, prompt: Prompt, questions: Sequence[str], max_words: int, step: str
) -> list[str]:
    runtime.check()
    max_tokens = 3 * max_words + 8
    key = cache_key(
        prompt_id=prompt.id,
        template_hash=prompt.template_hash,
        model=runtime.model_name,
        params={"mode": "complete", "max_tokens": max_tokens},
        messages=[("system", prompt.system), ("human", prompt.user), *(("question", q) for q in questions)],
    )
    cached = runtime.cache.get(key) if runtime.cache else None
    started = time.perf_counter()
    if cached is not None:
        answers: list[str] = json.loads(cached.text)
        prompt_tokens, completion_tokens = cached.prompt_tokens, cached.completion_tokens
    else:
        result = runtime.model.complete_each(  # type: ignore[attr-defined]
            prompt.system, prompt.user, questions, max_tokens, ("\n",)
        )
        answers = result.answers
        prompt_tokens, completion_tokens = result.prompt_tokens, result.completion_tokens
        if runtime.cache:
            runtime.cache.put(
                key,
                model=runtime.model_name,
                prompt_id=prompt.id,
                response=CachedResponse(json.dumps(answers), prompt_tokens, completion_tokens),
            )
    runtime.record(
        ModelCall(
            step=step,
            prompt_id=prompt.id,
            template_hash=prompt.template_hash,
            model=runtime.model_name,
            params={"mode": "complete", "questions": len(questions), "max_tokens": max_tokens},
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            seconds=round(time.perf_counter() - started, 3),
            cached=cached is not None,
        )
    )
    return [" ".join(a.split()) for a in answers]


def _complete_by_json(
    runtime: Runtime, prompt: Prompt, questions: Sequence[str], max_words: int, step: str
) -> list[str]:
    batch = render_prompt(
        "choose_batch", system=prompt.system, context=prompt.user, questions=questions, options=[]
    )
    batch = Prompt(prompt.id, prompt.template_hash + batch.template_hash[:4], batch.system, batch.user)
    count = len(questions)
    schema = {
        "type": "object",
        "properties": {
            "answers": {
                "type": "array",
                "items": {"type": "string", "maxLength": 10 * max_words},
                "minItems": count,
                "maxItems": count,
            }
        },
        "required": ["answers"],
    }

    def parse(data: Any) -> list[str]:
        answers = data.get("answers") if isinstance(data, dict) else None
        if not isinstance(answers, list) or len(answers) != count:
            raise Invalid([f"answers: expected a list of exactly {count} short texts"])
        return [" ".join(str(a).split()) for a in answers]

    result: list[str] = ask(runtime, batch, schema, parse, step=step, max_tokens=(3 * max_words + 8) * count)
    return result

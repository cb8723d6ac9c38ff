"""Narrow decisions: many short questions asked after one shared context.

A small model is good at "which of these options" and poor at writing long structured lists, so the steps
that read interviews ask questions of this form. The embedded model answers from its next-token
probabilities (or a short greedy answer) with the shared context evaluated once (`LocalChatModel.choose` and
`complete_each`); any other chat model answers the questions in batches as constrained JSON. Answers are cached
and every call is recorded like any other model call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from cjgen.ask import Invalid, Runtime, ask
from cjgen.cache import CachedResponse, cache_key
from cjgen.prompts import Prompt, render_prompt
from cjgen.schema import ModelCall

BATCH = 20
# Fewer answers than this say nothing about a model's lean to one option (see `debiased`).
MIN_FOR_DEBIAS = 4


@runtime_checkable
class ChoiceModel(Protocol):
    """A chat model that reads answers after a shared, once-evaluated context (the embedded llama.cpp model)."""

    def choose(
        self, system: str, context: str, questions: Sequence[str], options: Sequence[str], keep: bool = False
    ) -> Any: ...

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
    keep: bool = False,
) -> list[list[float]]:
    """Per question, a probability for each option (they sum to 1). `prompt.user` is the shared context; with
    `keep`, a model that reads answers after it keeps a copy of it for questions asked after it once other
    contexts were read (`local.KeptStates`)."""
    if not questions:
        return []
    if isinstance(runtime.model, ChoiceModel):

        def by_logits() -> tuple[Any, int, int]:
            result = runtime.model.choose(prompt.system, prompt.user, questions, options, keep)  # type: ignore[attr-defined]
            return result.probabilities, result.prompt_tokens, 0

        chosen: list[list[float]] = cached_answers(
            runtime, prompt, questions, {"mode": "choose"}, step, by_logits, options=list(options)
        )
        return chosen
    item = {"type": "string", "enum": list(options)}

    def check(n: int, answer: Any) -> str | None:
        return None if answer in options else f"answers.{n}: '{answer}' is not one of {', '.join(options)}"

    answers = _by_json(runtime, prompt, questions, options, item, check, step, max_tokens=8)
    return [[1.0 if option == answer else 0.0 for option in options] for answer in answers]


def debiased(answers: list[list[float]]) -> list[list[float]]:
    """Answer probabilities less each option's mean over the questions asked together.

    The model's lean towards one option (often the first or last) shows in every answer; what is left is how
    much more this question points to an option than the others do. Too few questions say nothing about the
    lean, so they are left as they are.
    """
    if len(answers) < MIN_FOR_DEBIAS:
        return answers
    means = [sum(a[k] for a in answers) / len(answers) for k in range(len(answers[0]))]
    return [[p - m for p, m in zip(a, means, strict=True)] for a in answers]


def rotated(
    runtime: Runtime,
    prompt: Prompt,
    question: Callable[[Sequence[int]], str],
    count: int,
    *,
    step: str,
) -> list[float]:
    """One choice among `count` options, asked once per rotation of their order, each option's probability
    averaged over the places it was shown in. `question(order)` words the question with the options in
    `order` (indexes into the caller's list), lettered from A.

    Asked once, a small model's lean to one letter can outweigh what the context says when two options both
    fit a little; shown at every place once, each option gets the lean equally, and what is left is the
    context's. Costs `count` short questions after one shared context."""
    orders = [[(shift + k) % count for k in range(count)] for shift in range(count)]
    letters = [chr(ord("A") + k) for k in range(count)]
    answers = choose(runtime, prompt, [question(order) for order in orders], letters, step=step)
    mean = [0.0] * count
    for order, probabilities in zip(orders, answers, strict=True):
        for option, probability in zip(order, probabilities, strict=True):
            mean[option] += probability / count
    return mean


def best(probabilities: Sequence[float]) -> int:
    """The index of the most probable option (the first of equals)."""
    return max(range(len(probabilities)), key=lambda k: probabilities[k])


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
    max_tokens = 3 * max_words + 8
    if isinstance(runtime.model, ChoiceModel):

        def by_generation() -> tuple[Any, int, int]:
            result = runtime.model.complete_each(  # type: ignore[attr-defined]
                prompt.system, prompt.user, questions, max_tokens, ("\n",)
            )
            return result.answers, result.prompt_tokens, result.completion_tokens

        params = {"mode": "complete", "max_tokens": max_tokens}
        answers: list[str] = cached_answers(runtime, prompt, questions, params, step, by_generation)
    else:
        item = {"type": "string", "maxLength": 10 * max_words}
        answers = _by_json(
            runtime, prompt, questions, [], item, lambda n, a: None, step, max_tokens=max_tokens
        )
    return [" ".join(str(a).split()) for a in answers]


def cached_answers(
    runtime: Runtime,
    prompt: Prompt,
    questions: Sequence[str],
    params: dict[str, Any],
    step: str,
    compute: Callable[[], tuple[Any, int, int]],
    **key_parts: Any,
) -> Any:
    """Answers from the cache or from `compute` (answers, prompt tokens, completion tokens), recorded."""
    runtime.check()
    key = cache_key(
        prompt_id=prompt.id,
        template_hash=prompt.template_hash,
        model=runtime.model_name,
        params=params,
        messages=[("system", prompt.system), ("human", prompt.user), *(("question", q) for q in questions)],
        **key_parts,
    )
    cached = runtime.cache.get(key) if runtime.cache else None
    started = time.perf_counter()
    if cached is not None:
        answers = json.loads(cached.text)
        prompt_tokens, completion_tokens = cached.prompt_tokens, cached.completion_tokens
    else:
        answers, prompt_tokens, completion_tokens = compute()
        if runtime.cache:
            response = CachedResponse(json.dumps(answers), prompt_tokens, completion_tokens)
            runtime.cache.put(key, model=runtime.model_name, prompt_id=prompt.id, response=response)
    runtime.record(
        ModelCall(
            step=step,
            prompt_id=prompt.id,
            template_hash=prompt.template_hash,
            model=runtime.model_name,
            params={**params, "questions": len(questions)},
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            seconds=round(time.perf_counter() - started, 3),
            cached=cached is not None,
        )
    )
    return answers


def _by_json(
    runtime: Runtime,
    prompt: Prompt,
    questions: Sequence[str],
    options: Sequence[str],
    item: dict[str, Any],
    check: Callable[[int, Any], str | None],
    step: str,
    *,
    max_tokens: int,
) -> list[Any]:
    """The questions in batches, each batch one constrained JSON answer {"answers": [...]} checked per item."""
    out: list[Any] = []
    for start in range(0, len(questions), BATCH):
        batch = list(questions[start : start + BATCH])
        shown = render_prompt(
            "choose_batch", system=prompt.system, context=prompt.user, questions=batch, options=options
        )
        shown = Prompt(prompt.id, prompt.template_hash + shown.template_hash[:4], shown.system, shown.user)
        count = len(batch)
        schema = {
            "type": "object",
            "properties": {"answers": {"type": "array", "items": item, "minItems": count, "maxItems": count}},
            "required": ["answers"],
        }

        def parse(data: Any, count: int = count) -> list[Any]:
            answers = data.get("answers") if isinstance(data, dict) else None
            if not isinstance(answers, list) or len(answers) != count:
                raise Invalid([f"answers: expected a list of exactly {count} answers"])
            wrong = [e for n, a in enumerate(answers) if (e := check(n, a))]
            if wrong:
                raise Invalid(wrong)
            return answers

        out += ask(runtime, shown, schema, parse, step=step, max_tokens=max_tokens * count + 32)
    return out

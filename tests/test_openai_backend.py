"""The openai backend against a fake OpenAI-compatible server (an in-memory httpx transport, no network)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr

from cjgen.ask import Runtime, ask, inline_schema, parse_as
from cjgen.models import ScriptedChatModel
from cjgen.prompts import render_prompt
from fake_openai import spec_problems


class Answer(BaseModel):
    items: list[str]


def fake_server(answers: list[tuple[str, str]], seen: list[dict[str, Any]]) -> httpx.MockTransport:
    """Answers each chat completion with the next (content, finish_reason)."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        assert spec_problems(seen[-1]) == []  # what the OpenAI API would accept
        content, finish = answers.pop(0)
        return httpx.Response(
            200,
            json={
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": "fake",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": finish,
                    }
                ],
                "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
            },
        )

    return httpx.MockTransport(handle)


def runtime_for(transport: httpx.MockTransport) -> Runtime:
    chat = ChatOpenAI(
        model="fake",
        base_url="http://openai.invalid/v1",
        api_key=SecretStr("not-needed"),
        http_client=httpx.Client(transport=transport),
        max_retries=0,
        http_socket_options=(),  # no probing of the machine's socket options
    )
    return Runtime(model=chat, backend="openai", model_name="fake", max_reasks=1)


def _ask(runtime: Runtime) -> Answer:
    prompt = render_prompt("reask", errors=["(root): say something"])
    result: Answer = ask(
        runtime, prompt, inline_schema(Answer), lambda d: parse_as(Answer, d), step="test", max_tokens=20
    )
    return result


def test_an_answer_cut_off_at_the_token_limit_is_closed_not_fatal() -> None:
    seen: list[dict[str, Any]] = []
    runtime = runtime_for(fake_server([('{"items": ["first", "second"', "length")], seen))
    assert _ask(runtime) == Answer(items=["first", "second"])
    assert len(seen) == 1 and seen[0]["response_format"]["type"] == "json_schema"
    [call] = runtime.calls
    assert (call.prompt_tokens, call.completion_tokens, call.error) == (11, 7, None)


def test_a_cut_off_answer_that_cannot_be_closed_is_asked_again() -> None:
    seen: list[dict[str, Any]] = []
    answers = [("", "length"), ('{"items": ["again"]}', "stop")]
    runtime = runtime_for(fake_server(answers, seen))
    assert _ask(runtime) == Answer(items=["again"])
    assert len(seen) == 2
    assert "not valid JSON" in seen[1]["messages"][-1]["content"]


def test_words_in_a_writing_system_the_prompt_never_uses_are_taken_out_of_the_answer() -> None:
    # A small multilingual model drifts into another language mid-sentence; the reader of an English study
    # cannot check those words, so they never reach the map.
    model = ScriptedChatModel(
        responses=['{"items": ["Sign in and do the tasks他们.", "Check the claim", "メモ"]}']
    )
    runtime = Runtime(model=model, backend="scripted", model_name="scripted", max_reasks=0)
    assert _ask(runtime) == Answer(items=["Sign in and do the tasks.", "Check the claim", ""])

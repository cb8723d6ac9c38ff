"""A scripted model that answers every prompt with the smallest valid instance of the step's JSON schema.

Enum values (stage ids, sentence ids, participant ids, observation ids) are taken from the schema itself, so
tests follow the pipeline's output shapes without knowing them. Used in-process and by the service tests'
helper processes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from cjgen.models import ScriptedChatModel


def _text(name: str, index: int, node: dict[str, Any]) -> str:
    if "pattern" in node:  # ids: snake_case, distinct within a list
        return re.sub(r"[^a-z0-9_]", "_", f"{name or 'x'}_{index + 1}".lower())
    text = f"{name or 'text'} {index + 1} from the scripted model"
    text = text.ljust(int(node.get("minLength", 0)), ".")
    return text[: int(node.get("maxLength", len(text)))]


def _count(node: dict[str, Any]) -> int:
    return max(1, int(node.get("minItems", 0)))


def instance(node: dict[str, Any], name: str = "", index: int = 0) -> Any:
    """A valid value for a JSON-schema node: one item per list (or all enum values), first enum choices."""
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        return instance(options[0], name, index)
    if "enum" in node:
        return node["enum"][index % len(node["enum"])]
    kind = node.get("type")
    if kind == "object":
        return {key: instance(sub, key, index) for key, sub in node.get("properties", {}).items()}
    if kind == "array":
        items = node.get("items", {})
        most = int(node.get("maxItems", 8))
        exact = "minItems" in node and node.get("minItems") == node.get("maxItems")
        count = min(most, len(items["enum"])) if "enum" in items and not exact else min(most, _count(node))
        return [instance(items, name, n) for n in range(count)]
    if kind == "string":
        return _text(name, index, node)
    if kind == "integer":
        return int(node.get("minimum", 1))
    if kind == "number":
        return float(node.get("minimum", 0))
    if kind == "boolean":
        return False
    return None


def _point_stages_at_stages(answer: Any, stage_ids: list[str]) -> Any:
    """A free-text `stage` refers to a stage of the same answer (the brief-only draft lists both)."""
    if isinstance(answer, dict):
        return {
            k: stage_ids[0] if k == "stage" and v not in stage_ids else _point_stages_at_stages(v, stage_ids)
            for k, v in answer.items()
        }
    if isinstance(answer, list):
        return [_point_stages_at_stages(v, stage_ids) for v in answer]
    return answer


def schema_of(kwargs: dict[str, Any]) -> dict[str, Any]:
    response_format = kwargs["response_format"]
    schema: dict[str, Any] = response_format.get("json_schema", {}).get("schema") or response_format["schema"]
    return schema


def schema_answer(schema: dict[str, Any]) -> Any:
    answer = instance(schema)
    stages = answer.get("stages") if isinstance(answer, dict) else None
    if stages and all(isinstance(s, dict) and "id" in s for s in stages):
        answer = {**_point_stages_at_stages(answer, [s["id"] for s in stages]), "stages": stages}
    return answer


def scripted_model() -> ScriptedChatModel:
    model = ScriptedChatModel()

    def respond(messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> dict[str, Any]:
        return dict(schema_answer(schema_of(kwargs)))

    model.responder = respond
    return model


def slow_model(seconds: float) -> ScriptedChatModel:
    """The scripted model, taking `seconds` for every answer."""
    model = scripted_model()
    answer = model.responder
    assert answer is not None

    def slowly(messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> Any:
        time.sleep(seconds)
        return answer(messages, kwargs)

    model.responder = slowly
    return model

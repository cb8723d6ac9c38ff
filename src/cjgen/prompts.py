"""Prompt templates: Jinja2 files shipped with the package, each versioned by the hash of its text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from cjgen.untrusted import PROMPT_FILTERS


def _prompt_dir() -> Path:
    packaged = Path(str(resources.files("cjgen"))) / "prompts"
    if packaged.is_dir():
        return packaged
    # An editable install or a source checkout keeps the prompts at the repository root.
    return Path(__file__).resolve().parents[2] / "prompts"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_prompt_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    # Prompts are not HTML, so nothing is autoescaped: data goes through `| data` (cannot close a delimiter or
    # start a role line) and ids through `| id` (held to `untrusted.ID_PATTERN`).
    env.filters.update(PROMPT_FILTERS)
    return env


@dataclass(frozen=True)
class Prompt:
    id: str
    template_hash: str
    system: str
    user: str


@cache
def template_hash(prompt_id: str) -> str:
    # Partials (`_*.j2`) that templates include are part of every prompt's version.
    digest = hashlib.sha256((_prompt_dir() / f"{prompt_id}.j2").read_bytes())
    for partial in sorted(_prompt_dir().glob("_*.j2")):
        digest.update(partial.read_bytes())
    return digest.hexdigest()[:16]


def render_prompt(prompt_id: str, **variables: Any) -> Prompt:
    """Render `prompts/<id>.j2`; its `system` block is the system message, the rest the user message."""
    template = _environment().get_template(f"{prompt_id}.j2")
    context = template.new_context(variables)
    system = "".join(template.blocks["system"](context)).strip()
    user = "".join(template.blocks["user"](context)).strip()
    return Prompt(prompt_id, template_hash(prompt_id), system, user)


def render_block(prompt_id: str, block: str, **variables: Any) -> str:
    """One named block of `prompts/<id>.j2` (e.g. the per-item question of a choice prompt)."""
    template = _environment().get_template(f"{prompt_id}.j2")
    return "".join(template.blocks[block](template.new_context(variables))).strip()

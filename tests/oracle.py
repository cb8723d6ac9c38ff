"""A scripted model that answers from a case's gold.yaml: it labels the sentences holding the gold quotes.

It answers the narrow questions the pipeline asks (labels, stages, segment, names of findings, contradiction)
from the gold quotes, standing in for a perfect model so end-to-end tests can check the plumbing around it (grounding, evidence
counting, redaction, rendering, caching) with known answers. It reads only what the prompt shows it.

Which question it is asked comes from the step the request names (`cjgen.ask.response_format`), never from
the prompt's wording: each step has one handler, which reads only the data of its question (the quoted
sentence, the participant, the listed options). Rewording a prompt changes no answer; a step it does not know
fails naming the step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from langchain_core.messages import BaseMessage

from cjgen.models import ScriptedChatModel
from schema_answers import schema_of

# The batch of questions a choice or short-answer step sends (`prompts/choose_batch.j2`).
_QUESTION = re.compile(r"^Question \d+:\n(.*?)(?=\n\nQuestion \d+:\n|\Z)", re.DOTALL | re.MULTILINE)
# Steps asked once per interview are named `<step>:<interview id>`.
PER_INTERVIEW = ("extract", "persona", "stage")
# A question's answer from the question and the whole prompt it came in.
Handler = Callable[[str, str], str]


def step_name(kwargs: dict[str, Any]) -> str:
    """The step a request was made for, as it names it: `json_schema.name`, or the schema's title in
    `json_object` mode (e.g. `extract_P1_txt`, `draft_stage`)."""
    fmt = kwargs["response_format"]
    named = fmt.get("json_schema", {}).get("name") if fmt.get("type") == "json_schema" else None
    name = named or fmt.get("schema", {}).get("title")
    if not name:
        raise AssertionError(f"the request names no step: response_format has {sorted(fmt)}")
    return str(name)


def step_of(kwargs: dict[str, Any]) -> str:
    """The kind of step a request was made for: `extract` for `extract:P1.txt`, `draft_stage` for `draft:stage`."""
    name = step_name(kwargs)
    kind = name.partition("_")[0]
    return kind if kind in PER_INTERVIEW else name


def questions_in(prompt: str, kwargs: dict[str, Any]) -> list[str]:
    """The questions of one batch, as many as its answer schema asks for."""
    questions = [q.strip() for q in _QUESTION.findall(prompt)]
    asked = schema_of(kwargs)["properties"]["answers"].get("minItems", len(questions))
    if asked != len(questions):
        raise AssertionError(
            f"{step_name(kwargs)}: {asked} answers asked for, {len(questions)} questions read"
        )
    return questions


def stage_name(stage: dict[str, Any]) -> str:
    """A gold stage's name as the oracle's plan gives it: within the plan schema's 40 characters."""
    return str(stage["name"])[:40].rstrip()


class ByStep:
    """A scripted model that answers each request with the handler of its step: `stages` with a plan,
    `segments` with the brief's customer groups, every other step with one answer per question of its batch."""

    def handlers(self) -> dict[str, Handler]:
        raise NotImplementedError

    def plan(self, prompt: str) -> dict[str, Any]:
        raise NotImplementedError

    def groups(self, prompt: str) -> list[dict[str, str]]:
        raise NotImplementedError

    def respond(self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> dict[str, Any]:
        step = step_of(kwargs)
        prompt = str(messages[1].content)  # the task itself, also when this is a re-ask
        if step == "stages":
            return self.plan(prompt)
        if step == "segments":
            return {"groups": self.groups(prompt)}
        handler = self.handlers().get(step)
        if handler is None:
            raise AssertionError(f"{type(self).__name__} has no answer for step {step_name(kwargs)!r}")
        return {"answers": [handler(q, prompt) for q in questions_in(prompt, kwargs)]}


def first_clause(statement: str) -> str:
    """What a good short description of a gold item says: its statement up to the first comma."""
    return " ".join(statement.split(",")[0].split())


def quoted(question: str) -> str:
    """The first quoted text of a question ("" when it quotes nothing)."""
    found = re.search(r'"(.*)"', question)
    return found.group(1) if found else ""


def statement_of(question: str) -> str:
    """What a draft question is about: its first line after the label (`Problem: ...`)."""
    return question.splitlines()[0].partition(": ")[2]


def listed(text: str, marks: str) -> list[tuple[str, str]]:
    """The options listed one a line as `<mark>) <name>` (up to a colon, where a description follows)."""
    return re.findall(rf"^([{marks}])\) ([^:\n]*)", text, flags=re.MULTILINE)


def named_in(question: str, names: Sequence[str]) -> str | None:
    """The first of `names` the question shows as `<name> (<description>)`."""
    return next((name for name in names if f"{name} (" in question), None)


def _overlaps(sentence: str, quote: str) -> bool:
    s, q = sentence.casefold(), quote.casefold()
    return len(s) >= 8 and (s in q or q in s)


class GoldOracle(ByStep):
    def __init__(self, case_dir: Path) -> None:
        self.gold = yaml.safe_load((case_dir / "gold.yaml").read_text(encoding="utf-8"))
        self.stage_ids = [s["id"] for s in self.gold.get("stages", [])]

    def model(self) -> ScriptedChatModel:
        return ScriptedChatModel(responder=self.respond)

    def handlers(self) -> dict[str, Handler]:
        return {
            "extract": self.label,
            "persona": self.persona,
            "stage": self.stage,
            "name": self.name,
            "contradictions": self.contradiction,
            "service": lambda q, p: "A",  # the plan's stages come from the gold file whatever the service
            "opportunities": self.opportunity,
            "blueprint": lambda q, p: "Staff follow the documented process",
            "draft_pain": self.draft_pain,
            "draft_delight": self.draft_delight,
            "draft_action": self.draft_action,
            "draft_open_question": self.draft_open_question,
            "draft_opportunity": lambda q, p: "Fix what the customers described first",
            "draft_problem": lambda q, p: "A",
            "draft_channels": lambda q, p: "A",
            "draft_stage": self.draft_stage,
            "draft_group": self.draft_group,
        }

    # ------------------------------------------------------------------------------------ per step

    def plan(self, prompt: str) -> dict[str, Any]:
        return {
            # Within the plan's schema, as a model's answer must be (a long gold name is cut).
            "stages": [
                {"id": s["id"], "name": stage_name(s), "description": s["description"][:160]}
                for s in self.gold["stages"]
            ],
            "suspected": [a["statement"] for a in self.gold.get("assumptions_from_brief", [])][:3],
        }

    def groups(self, prompt: str) -> list[dict[str, str]]:
        return [
            {"name": p["name"][:60], "description": p["description"][:200]} for p in self.gold["personas"]
        ]

    def _items(self) -> list[tuple[str, dict[str, Any]]]:
        return [("pain", p) for p in self.gold["pain_points"]] + [
            ("delight", d) for d in self.gold.get("delights", [])
        ]

    def item_for(self, text: str) -> tuple[str, dict[str, Any]] | None:
        """The gold item one of whose quotes overlaps this text, with its kind."""
        return next(
            (
                (kind, item)
                for kind, item in self._items()
                if any(_overlaps(text, e["quote"]) for e in item["evidence"])
            ),
            None,
        )

    def _stage_number(self, listing: str, stage_id: str | None) -> str:
        """The number of the gold stage among the stages `listing` numbers ("1" when it is not there)."""
        names = {s["id"]: stage_name(s) for s in self.gold["stages"]}
        return next((n for n, name in listed(listing, "1-9") if name == names.get(stage_id or "")), "1")

    def label(self, question: str, prompt: str) -> str:
        found = self.item_for(quoted(question))
        return {"pain": "A", "delight": "B"}.get(found[0], "D") if found else "D"

    def persona(self, question: str, prompt: str) -> str:
        pid = re.search(r'<interview participant="([^"]*)">', prompt)
        persona = next(
            (p for p in self.gold["personas"] if pid and pid.group(1) in p.get("participants", [])), None
        )
        return next(
            (letter for letter, name in listed(question, "A-H") if persona and name == persona["name"][:60]),
            "A",
        )

    @staticmethod
    def opportunity(question: str, prompt: str) -> str:
        """A fix that names its problem: its statement's first words."""
        problem = question.split("Problem:", 1)[1].splitlines()[0].strip()
        return "Fix this: " + " ".join(problem.split()[:8])

    def stage(self, question: str, prompt: str) -> str:
        found = self.item_for(quoted(question))
        return self._stage_number(prompt, found[1]["stage"] if found else None)

    def name(self, question: str, prompt: str) -> str:
        found = self.item_for(quoted(question))
        return first_clause(found[1]["statement"]) if found else "Took part in the interview"

    def contradiction(self, question: str, prompt: str) -> str:
        said = re.findall(r'^(\S+) .*?"(.*)"', question, flags=re.MULTILINE)
        items = [(pid, self.item_for(quote)) for pid, quote in said]
        same = any(
            {pid for pid, _ in items} == set(c["participants"])
            and all(item is not None and item[1]["stage"] == c["stage"] for _, item in items)
            for c in self.gold.get("contradictions", [])
        )
        return "A" if same else "B"

    # ------------------------------------------------------------------------------ brief-only draft

    def _stage_in(self, question: str) -> dict[str, Any] | None:
        name = named_in(question, [stage_name(s) for s in self.gold["stages"]])
        return next((s for s in self.gold["stages"] if stage_name(s) == name), None)

    def _persona_in(self, question: str) -> dict[str, Any] | None:
        name = named_in(question, [p["name"][:60] for p in self.gold["personas"]])
        return next((p for p in self.gold["personas"] if p["name"][:60] == name), None)

    def _closest(self, statement: str) -> dict[str, Any] | None:
        """The gold pain point or delight sharing most words with `statement` (at least three)."""
        words = set(re.findall(r"[a-z]{4,}", statement.casefold()))
        items = [item for _, item in self._items()]
        shared = [(len(words & set(re.findall(r"[a-z]{4,}", i["statement"].casefold()))), i) for i in items]
        best = max(shared, key=lambda x: x[0], default=(0, None))
        return best[1] if best[0] >= 3 else None

    def draft_pain(self, question: str, prompt: str) -> str:
        """A gold pain point of the stage and group the question names."""
        stage, persona = self._stage_in(question), self._persona_in(question)
        pains = self.gold["pain_points"]
        return next(
            (
                p["statement"]
                for p in pains
                if stage and persona and p["stage"] == stage["id"] and persona["id"] in p["personas"]
            ),
            "",
        )

    def draft_delight(self, question: str, prompt: str) -> str:
        persona = self._persona_in(question)
        liked = (d for d in self.gold.get("delights", []) if persona and persona["id"] in d["personas"])
        return str(next(liked, {"statement": ""})["statement"])

    def draft_action(self, question: str, prompt: str) -> str:
        stage = self._stage_in(question)
        return first_clause(stage["description"]) if stage else ""

    def draft_open_question(self, question: str, prompt: str) -> str:
        stage = self._stage_in(question)
        return f"What do customers expect at the {stage['name'].casefold()} stage?" if stage else ""

    def draft_stage(self, question: str, prompt: str) -> str:
        item = self._closest(statement_of(question))
        return self._stage_number(question, item["stage"] if item else None)

    def draft_group(self, question: str, prompt: str) -> str:
        """The letter of the item's one group, or the last letter (all of them alike)."""
        item = self._closest(statement_of(question))
        letters = [letter for letter, _ in listed(question, "A-H")]
        ids = [p["id"] for p in self.gold["personas"]]
        if item and len(item["personas"]) == 1 and item["personas"][0] in ids:
            return letters[ids.index(item["personas"][0])]
        return letters[-1]

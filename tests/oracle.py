"""A scripted model that answers from a case's gold.yaml: it labels the sentences holding the gold quotes.

It answers the narrow questions the pipeline asks (labels, stages, segment, names of findings, contradiction)
from the gold quotes, standing in for a perfect model so end-to-end tests can check the plumbing around it (grounding, evidence
counting, redaction, rendering, caching) with known answers. It reads only what the prompt shows it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from langchain_core.messages import BaseMessage

from cjgen.models import ScriptedChatModel

_SENTENCE = re.compile(r"\[(\d+\.\d+)\] (.*?)(?= \[\d+\.\d+\] |$)")
_QUESTION = re.compile(r"^Question \d+:\n(.*?)(?=\n\nQuestion \d+:\n|\Z)", re.DOTALL | re.MULTILINE)


def _schema(kwargs: dict[str, Any]) -> dict[str, Any]:
    fmt = kwargs["response_format"]
    schema: dict[str, Any] = fmt.get("json_schema", {}).get("schema") or fmt["schema"]
    return schema


def first_clause(statement: str) -> str:
    """What a good short description of a gold item says: its statement up to the first comma."""
    return " ".join(statement.split(",")[0].split())


def _overlaps(sentence: str, quote: str) -> bool:
    s, q = sentence.casefold(), quote.casefold()
    return len(s) >= 8 and (s in q or q in s)


class GoldOracle:
    def __init__(self, case_dir: Path) -> None:
        self.gold = yaml.safe_load((case_dir / "gold.yaml").read_text(encoding="utf-8"))
        self.stage_ids = [s["id"] for s in self.gold.get("stages", [])]

    def model(self) -> ScriptedChatModel:
        return ScriptedChatModel(responder=self.respond)

    def respond(self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> dict[str, Any]:
        props = _schema(kwargs)["properties"]
        prompt = str(messages[1].content)  # the task itself, also when this is a re-ask
        if "stages" in props:
            return self.plan()
        if "answers" in props:
            return {"answers": [self.answer(q, prompt) for q in _QUESTION.findall(prompt)]}
        raise AssertionError(f"unexpected request with schema properties {sorted(props)}")

    # ------------------------------------------------------------------------------------ per step

    def plan(self) -> dict[str, Any]:
        return {
            "stages": [{k: s[k] for k in ("id", "name", "description")} for s in self.gold["stages"]],
            "segments": [
                {"name": p["name"][:60], "description": p["description"][:200]} for p in self.gold["personas"]
            ],
            "suspected": [a["statement"] for a in self.gold.get("assumptions_from_brief", [])][:3],
        }

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

    def answer(self, question: str, prompt: str) -> str:
        drafted = self.draft_answer(question)
        if drafted is not None:
            return drafted
        quoted = re.search(r'"(.*)"', question)
        text = quoted.group(1) if quoted else ""
        found = self.item_for(text)
        if "What does the participant express here?" in question:
            return {"pain": "A", "delight": "B"}.get(found[0], "D") if found else "D"
        if "Which of these groups" in question:
            pid = re.search(r"participant (\S+) best", question)
            names = re.findall(r"^([A-H])\) (.*?):", question, flags=re.MULTILINE)
            persona = next(
                (p for p in self.gold["personas"] if pid and pid.group(1) in p.get("participants", [])), None
            )
            return next((letter for letter, name in names if persona and name == persona["name"][:60]), "A")
        if "Stage number:" in question:
            listed = re.findall(r"^(\d)\) (.*?):", prompt, flags=re.MULTILINE)
            stage = found[1]["stage"] if found else ""
            names = {s["id"]: s["name"] for s in self.gold["stages"]}
            return next((n for n, name in listed if name == names.get(stage)), "1")
        if re.search(r"^(The problem|What worked well|What they did):", question, flags=re.MULTILINE):
            return first_clause(found[1]["statement"]) if found else "Took part in the interview"
        if "Same thing, opposite feelings?" in question:
            said = re.findall(r'^(\S+) said: "(.*)"', question, flags=re.MULTILINE)
            items = [(pid, self.item_for(quote)) for pid, quote in said]
            same = any(
                {pid for pid, _ in items} == set(c["participants"])
                and all(item is not None and item[1]["stage"] == c["stage"] for _, item in items)
                for c in self.gold.get("contradictions", [])
            )
            return "A" if same else "B"
        if "meet the service it studies?" in question:
            return "A"  # the plan's stages come from the gold file whatever the kind of service
        if "Improvement:" in question:
            return "Fix what the customers described first"
        if "Lane:" in question:
            return "Staff follow the documented process"
        raise AssertionError(f"unexpected question: {question[:80]}")

    # ------------------------------------------------------------------------------ brief-only draft

    def _named(self, kind: str, name: str) -> dict[str, Any] | None:
        return next((x for x in self.gold.get(kind, []) if x["name"][:60] == name), None)

    def _closest(self, statement: str) -> dict[str, Any] | None:
        """The gold pain point or delight sharing most words with `statement` (at least three)."""
        words = set(re.findall(r"[a-z]{4,}", statement.casefold()))
        items = [item for _, item in self._items()]
        shared = [(len(words & set(re.findall(r"[a-z]{4,}", i["statement"].casefold()))), i) for i in items]
        best = max(shared, key=lambda x: x[0], default=(0, None))
        return best[1] if best[0] >= 3 else None

    def draft_answer(self, question: str) -> str | None:
        """Answers to the draft's questions, from the gold hypotheses of the stage and group the question names."""
        stage = re.search(r"^Stage of the journey: (.*?) \(", question, flags=re.MULTILINE)
        group = re.search(r"^Customer group: (.*?) \(", question, flags=re.MULTILINE)
        gold_stage = next((s for s in self.gold["stages"] if stage and s["name"] == stage.group(1)), None)
        persona = self._named("personas", group.group(1)) if group else None
        ending = question.rstrip().splitlines()[-1]
        if ending == "Problem:" and gold_stage and persona:
            return next(
                (
                    p["statement"]
                    for p in self.gold["pain_points"]
                    if p["stage"] == gold_stage["id"] and persona["id"] in p["personas"]
                ),
                "",
            )
        if ending == "Good moment:" and persona:
            liked = (d for d in self.gold.get("delights", []) if persona["id"] in d["personas"])
            return next(liked, {"statement": ""})["statement"]
        if ending == "Action:" and gold_stage:
            return first_clause(gold_stage["description"])
        if ending == "Question:" and gold_stage:
            return f"What do customers expect at the {gold_stage['name'].casefold()} stage?"
        if ending == "Letter:" and "A) a problem customers could have" in question:
            return "A"
        if ending == "Letter:" and "Through which channel" in question:
            return "A"
        statement = re.search(r"^(?:Problem|Good moment): (.*)$", question, flags=re.MULTILINE)
        item = self._closest(statement.group(1)) if statement else None
        if ending == "Stage number:" and statement:
            listed = re.findall(r"^(\d)\) (.*?):", question, flags=re.MULTILINE)
            names = {s["id"]: s["name"] for s in self.gold["stages"]}
            return next((n for n, name in listed if item and name == names.get(item["stage"])), "1")
        if ending == "Letter:" and "Which customer group" in question:
            letters = re.findall(r"^([A-H])\) (.*)$", question, flags=re.MULTILINE)
            ids = [p["id"] for p in self.gold["personas"]]
            if item and len(item["personas"]) == 1 and item["personas"][0] in ids:
                return letters[ids.index(item["personas"][0])][0]
            return letters[-1][0]
        return None

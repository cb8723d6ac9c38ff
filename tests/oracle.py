"""A scripted model that answers from a case's gold.yaml: it cites the sentences holding the gold quotes.

It stands in for a perfect model so end-to-end tests can check the plumbing around it (grounding, evidence
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
_OBSERVATION = re.compile(r"^(\S+) (\S+) (pain|delight|action|touchpoint|thought|goal) (\S+) (-?\d): (.*)$")


def _schema(kwargs: dict[str, Any]) -> dict[str, Any]:
    fmt = kwargs["response_format"]
    schema: dict[str, Any] = fmt.get("json_schema", {}).get("schema") or fmt["schema"]
    return schema


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
        if "questions" in props:
            return self.draft()
        if set(props) == {"stages"}:
            return {"stages": [{k: s[k] for k in ("id", "name", "description")} for s in self.gold["stages"]]}
        if "actions" in props:
            return self.extract(prompt, props["pains"]["items"]["properties"]["stage"]["enum"])
        if "personas" in props:
            return self.synthesize(prompt)
        raise AssertionError(f"unexpected request with schema properties {sorted(props)}")

    # ------------------------------------------------------------------------------------ per step

    def extract(self, prompt: str, stage_ids: list[str]) -> dict[str, Any]:
        participant = re.search(r'<interview source="[^"]+" participant="([^"]+)"', prompt)
        assert participant, "the interview is passed inside <interview> tags"
        pid = participant.group(1)
        sentences = [
            (m.group(1), m.group(2))
            for line in prompt.splitlines()
            if line.startswith(f"{pid}:")
            for m in _SENTENCE.finditer(line)
        ]
        persona = next((p for p in self.gold["personas"] if pid in p.get("participants", [])), None)
        profile = persona["name"] if persona else ""
        answer: dict[str, Any] = {
            "profile": profile,
            "pains": [],
            "delights": [],
            "actions": [],
            "touchpoints": [],
            "thoughts": [],
            "goals": [],
        }
        for key, target in (("pain_points", "pains"), ("delights", "delights")):
            for item in self.gold[key]:
                cited = [
                    sid
                    for ev in item["evidence"]
                    if ev["participant"] == pid
                    for sid, text in sentences
                    if _overlaps(text, ev["quote"])
                ]
                if cited:
                    answer[target].append(
                        {
                            "text": f"{item['id']}: {item['statement'][:90]}",
                            "cite": cited[:2],
                            "severity": item["severity"],
                            "stage": item["stage"] if item["stage"] in stage_ids else stage_ids[0],
                        }
                    )
        answer["pains"], answer["delights"] = answer["pains"][:4], answer["delights"][:3]  # the schema's caps
        first = sentences[0][0] if sentences else "1.1"
        answer["actions"].append(
            {"text": "Took part in the interview about the service", "cite": [first], "stage": stage_ids[0]}
        )
        answer["touchpoints"].append(
            {"text": "Used the app", "cite": [first], "stage": stage_ids[-1], "channel": "app"}
        )
        return answer

    def synthesize(self, prompt: str) -> dict[str, Any]:
        observations = [m.groups() for line in prompt.splitlines() if (m := _OBSERVATION.match(line.strip()))]
        by_gold: dict[str, list[str]] = {}
        for obs_id, _pid, kind, _stage, _score, text in observations:
            if kind in ("pain", "delight"):
                by_gold.setdefault(text.split(":")[0], []).append(obs_id)
        pains = [
            {
                "pain_obs": by_gold[p["id"]][:4],
                "statement": p["statement"][:140],
                "stage": p["stage"],
                "severity": p["severity"],
            }
            for p in self.gold["pain_points"]
            if p["id"] in by_gold
        ]
        delights = [
            {
                "delight_obs": by_gold[d["id"]][:4],
                "statement": d["statement"][:140],
                "stage": d["stage"],
                "severity": d["severity"],
            }
            for d in self.gold["delights"]
            if d["id"] in by_gold
        ]
        contradictions = []
        for c in self.gold.get("contradictions", []):
            sides = []
            for side in c["sides"]:
                ids = [
                    o[0]
                    for o in observations
                    if o[1] == side["participant"] and o[2] in ("pain", "delight") and o[3] == c["stage"]
                ]
                sides.append(ids[:1])
            if all(sides):
                contradictions.append({"what": c["what"][:160], "side_a": sides[0], "side_b": sides[1]})
        names = {p["id"] for p in self.gold["pain_points"]}
        return {
            "summary": "Scripted synthesis from the gold answers.",
            "personas": [
                {"name": p["name"], "description": p["description"][:160]} for p in self.gold["personas"]
            ],
            "persona_of": {
                pid: n for n, p in enumerate(self.gold["personas"], start=1) for pid in p["participants"]
            },
            "pains": pains,
            "delights": delights[:6],  # the schema's cap; the rest come back as single observations
            "opportunities": [
                {
                    "statement": o["statement"][:140],
                    "addresses": [
                        1 + [p["pain_obs"] for p in pains].index(by_gold[a][:4])
                        for a in o["addresses"]
                        if a in names and a in by_gold
                    ][:2],
                }
                for o in self.gold.get("opportunities", [])
                if any(a in by_gold for a in o["addresses"])
            ][:5],
            "contradictions": contradictions,
            "brief_claims": [
                {"statement": a["statement"][:160], "stage": self.stage_ids[1], "support": []}
                for a in self.gold.get("assumptions_from_brief", [])
            ],
            "blueprint": [],
        }

    def draft(self) -> dict[str, Any]:
        stages = self.gold["stages"]
        return {
            "summary": "Scripted draft from the gold hypotheses.",
            "personas": [
                {"name": p["name"], "description": p["description"][:240]} for p in self.gold["personas"]
            ],
            "stages": [
                {"id": s["id"], "name": s["name"][:40], "description": s["description"][:160]} for s in stages
            ],
            "actions": [{"stage": stages[0]["id"], "text": "Hears about the service"}],
            "touchpoints": [{"stage": stages[0]["id"], "kind": "app", "name": "The app"}],
            "pains": [
                {
                    "statement": p["statement"][:200],
                    "stage": p["stage"],
                    "severity": p["severity"],
                    "source": "brief",
                }
                for p in self.gold["pain_points"]
            ][:8],
            "delights": [
                {
                    "statement": d["statement"][:200],
                    "stage": d["stage"],
                    "severity": d.get("severity", 2),
                    "source": "researcher",
                }
                for d in self.gold.get("delights", [])
            ][:6],
            "opportunities": [{"statement": "Test the riskiest assumption first", "addresses": [1]}],
            "questions": [q if isinstance(q, str) else str(q) for q in self.gold.get("open_questions", [])][
                :6
            ],
        }

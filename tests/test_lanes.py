"""The thoughts and actions lanes, the emotion curve, and personas from a study's participant list."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

import cjgen.cli
from cjgen.actions import action_moments, action_text, is_action
from cjgen.checks import tidy
from cjgen.errors import InputError
from cjgen.findings import Moment, moments_kept
from cjgen.goals import PER_INTERVIEW as GOALS_PER_INTERVIEW
from cjgen.goals import goal_moments
from cjgen.ingest import load_transcripts
from cjgen.label import SentenceLabel
from cjgen.models import ScriptedChatModel
from cjgen.observations import Observation
from cjgen.participants import Participant, load_participants
from cjgen.pipeline import generate_map, open_runtime
from cjgen.schema import Delight, Evidence, PainPoint, Persona, Stage
from cjgen.sentences import Sentence
from cjgen.synthesize import (
    Context,
    action_findings,
    emotion_score,
    evidence_of,
    key_clause,
    names_for,
    names_its_problem,
    participant_leans,
    personas_for,
    spoken,
    stage_lanes,
    statement_of,
    summary_for,
    thoughts_for,
)
from cjgen.thoughts import PER_INTERVIEW, is_thought, thought_moments
from cjgen.wording import (
    as_statement,
    breaks_off,
    channel_phrase,
    channels_in,
    content_words,
    cut_short,
    says_nothing_of_the_service,
    supported_share,
)
from factories import ev, obs
from oracle import GoldOracle, step_of
from schema_answers import schema_of

# --------------------------------------------------------------------------------------------- thoughts


@pytest.mark.parametrize(
    "text",
    [
        "I thought the parcel had been lost somewhere on the way.",
        "At first I wasn’t sure whether they had my form at all.",
        "I was worried the payment would go out twice that month.",
        "No, I just assumed that it was an automatic thing for everyone.",
        "I was really nervous about the first appointment there.",
        "I never thought they would charge me for the idle months.",
        "Jeg lurte på om noen i det hele tatt hadde lest meldingen.",
        "Ich dachte, die Rechnung wäre längst bezahlt worden.",
        "Je me demandais si quelqu'un allait me rappeler un jour.",
        "Galvojau, kad jie pamiršo mano prašymą visai.",
    ],
)
def test_sentences_that_report_a_thought_in_each_language(text: str) -> None:
    assert is_thought(text)


@pytest.mark.parametrize(
    "text",
    [
        "The parcel came two days late and the box was wet.",
        "What did you think when it arrived?",  # a question, not a thought
        "I think so.",  # too short to say anything
        "I think the price is fair for what you get.",  # an opinion, not what went through their mind
        "They thought about it and called me back.",  # someone else's thinking
        "I just think the price is fair for what you get.",  # an opinion with a word of manner
        "As a separate email, but I just saw that and I was like,",  # stops at its cue: what was it?
        "Kjæresten min ringte dem dagen etter.",
    ],
)
def test_other_sentences_are_not_thoughts(text: str) -> None:
    assert not is_thought(text)


def _label(n: int, text: str, pain: float) -> SentenceLabel:
    return SentenceLabel(Sentence(f"{n}.1", n, 0, len(text), text), "P1", "P1.txt", pain, 0.1, 0.05, "")


@pytest.mark.parametrize(
    ("find", "kind", "kept", "said"),
    [
        (
            thought_moments,
            "thought",
            PER_INTERVIEW,
            "I thought it would never arrive, said for the {n}th time.",
        ),
        (
            goal_moments,
            "goal",
            GOALS_PER_INTERVIEW,
            "I just want it to arrive on the day it says, number {n}.",
        ),
    ],
)
def test_an_interviews_most_charged_thoughts_and_goals_are_kept_in_interview_order(
    find: Callable[[list[SentenceLabel]], list[Moment]], kind: str, kept: int, said: str
) -> None:
    """Both are found by their words and kept by the labeller's charge (`findings.charged_moments`)."""
    plain = [_label(n, "The van came on a Tuesday morning.", 0.2) for n in range(1, 10)]
    charged = [_label(20 + n, said.format(n=n), 0.2 + n / 10) for n in range(kept + 2)]
    moments = find(plain + charged)
    assert [m.sentences[0].turn_index for m in moments] == [22, 23, 24]
    assert {m.kind for m in moments} == {kind}


STAGES = [Stage(id="use", name="Use"), Stage(id="leave", name="Leave")]


def context(**kw: Any) -> Context:
    base: dict[str, Any] = {"stages": STAGES, "participants": ["P1", "P2", "P3"], "observations": []}
    return Context(map_type="current-state", **{**base, **kw})


def test_the_thoughts_lane_shows_each_stages_strongest_thoughts_one_per_participant_verbatim() -> None:
    items = [
        obs("a", "P1", "I thought it was broken already.", kind="thought"),
        obs("b", "P1", "I was worried about the bill.", kind="thought"),
        obs("c", "P2", "I wondered who to call.", kind="thought"),
        obs("d", "P3", "I figured it would sort itself out.", kind="thought"),
        obs("e", "P3", "I thought I could just stop paying.", kind="thought", stage="leave"),
    ]
    scores = {"a": 0.1, "b": 0.5, "c": 0.3, "d": 0.05, "e": 0.2}
    thoughts = thoughts_for(context(observations=items, scores=scores), {"P1": "persona1"})
    assert [(t.stage_id, t.text) for t in thoughts] == [
        ("use", "I was worried about the bill."),
        ("use", "I wondered who to call."),
        ("leave", "I thought I could just stop paying."),
    ]
    assert thoughts[0].persona_ids == ["persona1"]
    assert all(t.evidence[0].quote == t.text for t in thoughts)


def test_a_thought_is_shown_without_the_transcribers_notes_and_the_words_that_open_it_saying_nothing() -> (
    None
):
    items = [
        obs("a", "P1", "(laughs) But it felt like they wanted one more month out of me.", kind="thought"),
        obs("b", "P2", "and I thought that was just the best thing at the time", kind="thought"),
        obs(
            "c",
            "P3",
            "They called me, and I was, and I was like you are so quick.",
            kind="thought",
            stage="leave",
        ),
    ]
    thoughts = thoughts_for(context(observations=items, scores={"a": 0.3, "b": 0.2, "c": 0.1}), {})
    assert [t.text for t in thoughts] == [
        "It felt like they wanted one more month out of me.",
        "I thought that was just the best thing at the time.",
        "They called me, and I was like you are so quick.",
    ]
    # Only cut: the words shown are the participant's, in their order.
    for thought in thoughts:
        said = iter(re.findall(r"\w+", thought.evidence[0].quote.lower()))
        assert all(word in said for word in re.findall(r"\w+", thought.text.lower()))


# --------------------------------------------------------------------------------------------- participants


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_participant_list_with_attributes(tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", "id,group,age\nP1,Staff,30-39\nP2,Clients,40-49\nP3,Staff,30-39\n")
    assert load_participants(path) == [
        Participant("P1", "Staff", {"age": "30-39"}),
        Participant("P2", "Clients", {"age": "40-49"}),
        Participant("P3", "Staff", {"age": "30-39"}),
    ]


def test_a_participant_list_saved_by_a_spreadsheet(tmp_path: Path) -> None:
    """Excel saves CSV with semicolons where the comma is the decimal mark, or keeps the list in a workbook."""
    expected = [Participant("P1", "Staff", {"age": "30-39"}), Participant("P2", "Clients", {})]
    path = write(tmp_path, "people.csv", "ID;Group;Age\nP1;Staff;30-39\nP2;Clients;\n")
    assert load_participants(path) == expected
    book = openpyxl.Workbook()
    book.active.append(["Recruited in May"])
    listed = book.create_sheet("List")
    for row in [["ID", "Group", "Age"], ["P1", "Staff", "30-39"], ["P2", "Clients", None]]:
        listed.append(row)
    book.save(tmp_path / "people.xlsx")
    assert load_participants(tmp_path / "people.xlsx") == expected


def test_a_yaml_participant_list_as_groups(tmp_path: Path) -> None:
    path = write(tmp_path, "people.yaml", "Staff: [P1, P3]\nClients:\n  - P2\n")
    assert [(p.id, p.group) for p in load_participants(path)] == [
        ("P1", "Staff"),
        ("P3", "Staff"),
        ("P2", "Clients"),
    ]


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("a.csv", "name,age\nP1,30\n", "'id' and 'group'"),
        ("a.csv", "id,group\nP1,\n", "line 2: no 'group' given"),
        ("a.csv", "id,group\nP1,Staff\nP1,Clients\n", "'P1' is in two groups"),
        ("a.yaml", "Staff: P1\n", "group 'Staff': give a list"),
        ("a.yaml", "- [P1, Staff]\n", "give a list of {id, group} mappings"),
        ("a.yaml", "Staff: [P1\n", "is not valid YAML"),
        ("a.txt", "P1 Staff\n", "unsupported participants file type"),
    ],
)
def test_a_bad_participant_list_names_the_file_and_what_is_wrong(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    with pytest.raises(InputError) as raised:
        load_participants(write(tmp_path, name, text))
    assert str(raised.value).startswith(str(tmp_path / name))
    assert problem in str(raised.value)


def test_personas_are_the_listed_groups_and_the_unlisted_stand_apart() -> None:
    listed = [
        Participant("p1", "Staff", {"site": "North"}),
        Participant("P2", "Clients", {"site": "South"}),
        Participant("P3", "Staff", {"site": "North"}),
        Participant("P9", "Clients"),
    ]
    personas = personas_for(context(participants=["P1", "P2", "P3", "P4"], listed=listed))
    assert [(p.name, p.participant_ids) for p in personas] == [
        ("Staff", ["P1", "P3"]),
        ("Clients", ["P2"]),
        ("Not in the participant list", ["P4"]),
    ]
    assert personas[0].description == "Recruited as Staff; site: North (2)."


def test_cli_map_with_a_participant_list_shows_its_groups_as_personas(
    bike: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    oracle = GoldOracle(bike)
    monkeypatch.setattr(
        cjgen.cli, "open_runtime", lambda **kw: open_runtime(model=oracle.model(), use_cache=False)
    )
    gold = yaml.safe_load((bike / "gold.yaml").read_text())
    groups = {p["name"]: p["participants"] for p in gold["personas"]}
    listed = write(tmp_path, "people.yaml", yaml.safe_dump({**groups, "Pilot": ["P99"]}))
    target = tmp_path / "map.json"
    args = [str(bike / "brief.md"), *map(str, sorted((bike / "transcripts").iterdir()))]
    result = CliRunner().invoke(
        cjgen.cli.app, ["map", *args, "--participants", str(listed), "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    journey = json.loads(target.read_text())
    assert {p["name"]: p["participant_ids"] for p in journey["personas"]} == groups
    assert "Listed but not interviewed (no transcript given): P99." in journey["notes"]


def test_cli_map_with_a_bad_participant_list_fails_before_any_model_work(bike: Path, tmp_path: Path) -> None:

    listed = write(tmp_path, "people.csv", "who,team\nP1,A\n")
    args = [str(bike / "brief.md"), str(bike / "transcripts" / "P1.txt"), "--participants", str(listed)]
    result = CliRunner().invoke(cjgen.cli.app, ["map", *args, "-o", str(tmp_path / "m.json")])
    assert result.exit_code == 2
    assert "people.csv" in result.output and "'id' and 'group'" in result.output
    assert not (tmp_path / "m.json").exists()


# --------------------------------------------------------------------------------------------- emotion


@pytest.mark.parametrize(
    ("leans", "score"),
    [
        ([-1], -1),
        ([1], 1),
        ([-1, -1], -1),
        ([-1, -1, -1], -2),
        ([1, 1, 1, 1], 2),
        ([1, -1], 0),
        ([1, 0], 1),
        ([1, 1, -1], 1),
        ([1, -1, -1, 0, 0], -1),
        ([0, 0], 0),
        ([], 0),
    ],
)
def test_emotion_is_the_balance_of_participants_leaning_each_way(leans: list[int], score: int) -> None:
    assert emotion_score(leans) == score


def test_each_participant_counts_once_in_the_emotion_however_many_moments_they_gave() -> None:
    # Three problems from P1 are one participant leaning to problems, not three.
    said = [
        ("P1", "pain"),
        ("P1", "pain"),
        ("P1", "pain"),
        ("P2", "delight"),
        ("P3", "delight"),
        ("P3", "pain"),
    ]
    felt = [obs(f"m{n}", pid, f"moment {n}", kind=kind) for n, (pid, kind) in enumerate(said)]
    assert participant_leans(felt) == [-1, 1, 0]


def test_the_emotion_curve_moves_with_what_each_persona_felt_in_each_stage() -> None:
    felt = [
        obs("a", "P1", "moment a", stage="use", kind="pain"),
        obs("b", "P2", "moment b", stage="use", kind="pain"),
        obs("c", "P1", "moment c", stage="use", kind="pain"),
        obs("d", "P1", "moment d", stage="leave", kind="delight"),
        obs("e", "P3", "moment e", stage="use", kind="delight"),
        obs("f", "P3", "moment f", stage="use", kind="delight"),
        obs("g", "P3", "moment g", stage="leave", kind="action"),  # what someone did is no feeling
    ]
    personas = [
        Persona(id="persona1", name="A", participant_ids=["P1", "P2"]),
        Persona(id="persona2", name="B", participant_ids=["P3"]),
    ]
    # Weak labels do not flatten the curve: it counts moments, not the labeller's confidence.
    ctx = context(observations=felt, scores={o.id: 0.07 for o in felt})
    _, _, emotions = stage_lanes(ctx, personas, [])
    assert {(e.persona_id, e.stage_id): e.score for e in emotions} == {
        ("persona1", "use"): -1,
        ("persona1", "leave"): 1,
        ("persona2", "use"): 1,
    }


# --------------------------------------------------------------------------------------------- actions


@pytest.mark.parametrize(
    "text",
    [
        "I called them.",
        "So I went on their website and booked the cheapest slot.",
        "We've booked it online since then.",
        "I had to call three times before anyone picked up.",
        "So now I always ring the reception.",
        "I knew that I had called them twice.",  # a step told after "knew that"
        "Så ringte jeg dem dagen etter.",
        "Nå ringer jeg heller resepsjonen.",
        "Ich habe den Termin online gebucht.",
        "J'ai appelé la clinique le lendemain.",
        "Paskambinau į kliniką kitą dieną.",
    ],
)
def test_sentences_that_report_a_step_taken_in_each_language(text: str) -> None:
    assert is_action(text)


@pytest.mark.parametrize(
    "text",
    [
        "Let me cancel in the app like a normal person.",  # a wish that names a step
        "Give me a two-hour slot, or come to my office.",
        "I could go to one of their satellite offices.",  # could, would: not done
        "If I were to start that process, I would go to the office first.",
        "I guess if I clicked and you tracked my login, that would be awesome.",  # a condition mid-sentence
        "Unless we booked it online, nobody would know.",
        "It feels like what I put in feels redundant.",  # a thing, not a step
        "I don't think I've even gone into my records.",  # a step denied
        "Different options for the address that I typed in might be.",  # which address, not a step
        "The form which I filled in was lost somewhere.",
        "I'm not sure we booked it online at all.",
        "They booked a technician for Thursday.",  # someone else's step
        "I thought the form was broken.",  # a thought
        "They're some of the ancillary benefits I mentioned earlier.",  # said in the interview itself
        "I was confused by the form.",
        "I never got a reply.",  # nothing done
        "I didn't call them in the end.",
        "Det var dette jeg mente.",
        "Ich würde gern online buchen.",
        "Je pensais que c'était fermé.",
        "Norėčiau užsisakyti internetu.",
    ],
)
def test_wishes_hypotheticals_and_states_of_mind_are_not_actions(text: str) -> None:
    assert not is_action(text)


def test_an_action_is_the_participants_own_words_from_its_subject_on() -> None:
    assert action_text("So now I always ring.") == "I always ring."
    assert action_text("Yes. I sent an email") == "I sent an email."
    long = (
        "Well, I went on the website, found the booking page, picked the first slot they had, "
        "and then paid with my card because there was no other way to do it."
    )
    text = action_text(long)
    assert text.startswith("I went on the website,") and text.endswith(" …")
    assert text.rstrip(" …") in long


def test_an_action_keeps_the_conjunction_of_a_clause_its_main_clause_follows() -> None:
    assert (
        action_text("Immediately when I got home I went to the office.")
        == "When I got home I went to the office."
    )
    assert action_text("So, and then when I mailed it, I got a tracking number.") == (
        "When I mailed it, I got a tracking number."
    )
    # Where the main clause came before, the step is still told from its subject on.
    assert action_text("I was still working when I applied for it.") == "I applied for it."


def _turn_label(turn: int, n: int, text: str, action: float) -> SentenceLabel:
    return SentenceLabel(
        Sentence(f"{turn}.{n}", turn, 0, len(text), text), "P1", "P1.txt", 0.1, 0.1, action, ""
    )


def test_an_interviews_actions_one_per_answer_most_clearly_an_action_first() -> None:
    plain = [_turn_label(t, 1, "The van was turquoise and quite big.", 0.05) for t in range(1, 20)]
    steps = [
        _turn_label(30, 1, "I called them on the Monday.", 0.3),
        _turn_label(30, 2, "Then I sent an email as well.", 0.5),  # the same answer: only the clearer one
        _turn_label(31, 1, "Let me pause it in winter.", 0.9),  # a wish, however the labeller read it
        _turn_label(32, 1, "So I called them.", 0.8),  # too short to say what it was about
        _turn_label(33, 1, "I've done that more than once.", 0.7),
        _turn_label(34, 1, "I used that one.", 0.7),  # names nothing it used
        _turn_label(35, 1, "I talked to someone.", 0.7),
        *(_turn_label(40 + k, 1, f"I booked slot number {k} online.", 0.2 + k / 100) for k in range(8)),
    ]
    moments = action_moments(plain + steps)
    assert len(moments) == moments_kept("action", len(plain + steps))
    assert moments[0].sentences[0].id == "30.2"
    assert all(m.kind == "action" and len(m.sentences) == 1 for m in moments)
    assert {"31.1", "32.1", "33.1", "34.1", "35.1"}.isdisjoint(m.sentences[0].id for m in moments)
    turns = [m.sentences[0].turn_index for m in moments]
    assert turns == sorted(turns) and 40 not in turns  # the weakest steps give way


def test_the_actions_lane_shows_each_step_in_the_participants_words() -> None:
    done = [
        obs("a", "P1", "So I went on their website and booked the cheapest slot.", kind="action"),
        obs("b", "P2", "Yeah, and then we paid by card at the desk.", kind="action", stage="leave"),
    ]
    ctx = context(observations=done, scores={"a": 0.3, "b": 0.2})
    actions, _, _ = stage_lanes(ctx, [], action_findings(ctx))
    assert [(a.stage_id, a.text) for a in actions] == [
        ("use", "I went on their website and booked the cheapest slot."),
        ("leave", "We paid by card at the desk."),
    ]


def test_steps_join_when_they_say_the_same_not_for_answering_one_question() -> None:
    asked = "How did you book your first appointment?"
    others = ["paying", "exercises", "the waiting room", "parking", "the invoice"]
    done = [
        obs("a", "P1", "I called the reception on Monday morning.", kind="action", question=asked),
        obs("b", "P2", "I booked it online through the website.", kind="action", question=asked),
        obs("c", "P3", "I called the reception on Monday.", kind="action", question="And then?"),
        *(
            obs(
                f"x{k}",
                f"P{k + 4}",
                f"We sorted out {topic} ourselves.",
                kind="action",
                question=f"And {topic}?",
            )
            for k, topic in enumerate(others)
        ),
    ]
    ctx = context(observations=done, scores={"a": 0.3, "b": 0.25, "c": 0.1})
    actions, _, _ = stage_lanes(ctx, [], action_findings(ctx))
    assert {(a.text, len(a.evidence)) for a in actions} >= {
        ("I booked it online through the website.", 1),
        ("I called the reception on Monday morning.", 2),
    }


# --------------------------------------------------------------------------------------------- statements


def test_the_key_clause_is_the_quotes_fullest_sentence_in_its_own_words() -> None:
    quote = "Um, yeah, so when it was freezing, the battery just died. It was fine otherwise."
    assert key_clause(quote) == "When it was freezing, the battery just died."


def test_a_key_clause_does_not_open_mid_thought_where_the_quote_has_a_sentence_that_does_not() -> None:
    quote = "Isn't that a bit odd? You can't change a second booking on the website, apparently."
    assert key_clause(quote) == "You can't change a second booking on the website, apparently."
    # a leading connective is dropped: the clause after it stands on its own
    assert key_clause("Because I had no referral, and getting one takes three weeks.") == (
        "I had no referral, and getting one takes three weeks."
    )
    assert key_clause("Because of the snow, the van came three hours late.") == (
        "Because of the snow, the van came three hours late."
    )
    # where every sentence opens mid-thought, the fullest one still speaks
    assert key_clause("It was late. They never told us why the van was three hours late.") == (
        "They never told us why the van was three hours late."
    )


def test_a_key_clause_ends_before_a_clause_the_speaker_abandoned() -> None:
    """ "…, and I'd prefer to." with nothing after it: the speaker stopped and started again; the statement ends
    before it. A clause that says where it was going, or a sentence with nothing else in it, stays."""
    quote = (
        "I have to dig for it for 3 days, and the frustration just goes through the roof, and I'd prefer to."
    )
    assert (
        key_clause(quote)
        == "I have to dig for it for 3 days, and the frustration just goes through the roof."
    )
    assert key_clause("I called the office twice, and I wanted to get a real answer.") == (
        "I called the office twice, and I wanted to get a real answer."
    )
    assert key_clause("So I had to.") == "I had to."


def test_a_sentence_placed_after_what_was_said_before_opens_mid_thought() -> None:
    quote = "Before that it went fine every single week. The parking machine swallowed my ticket at the gate."
    assert key_clause(quote) == "The parking machine swallowed my ticket at the gate."
    assert key_clause("Other than that, the nurse was kind.") == "Other than that, the nurse was kind."
    assert key_clause("Before the visit the nurse phoned me with the room number.") == (
        "Before the visit the nurse phoned me with the room number."
    )


def test_words_compare_whatever_form_they_take() -> None:
    assert content_words("The messages were sending, slowly") == content_words("a message is slowly sending")
    assert supported_share("Replies came quickly.", "The reply came quick, I was happy.") == 1.0
    # courtesy and the words that may stand with it still name nothing, stemmed or not
    assert says_nothing_of_the_service("Thanks, lovely, everyone!")
    assert not says_nothing_of_the_service("Thanks, the replies came quickly.")


def test_a_key_clause_keeps_so_where_it_says_how_far_or_how_much() -> None:
    assert (
        key_clause("And so far they're doing the heavy lifting for us.")
        == "So far they're doing the heavy lifting for us."
    )
    assert key_clause("So the form asked for my unit history.") == "The form asked for my unit history."


def test_a_transcribers_note_is_no_part_of_a_key_clause() -> None:
    assert key_clause("(laughs) Two families from the daycare [inaudible] share it.") == (
        "Two families from the daycare share it."
    )


def test_a_mark_for_words_taken_out_stays_in_a_key_clause_and_a_thought() -> None:
    """Redaction's placeholder and a notetaker's own "[redacted]" stand for words said; dropped, the statement
    read "… near ." or "and is tall"."""
    assert key_clause("It gives me 13 results of healthcare near [redacted]. And...") == (
        "It gives me 13 results of healthcare near [redacted]."
    )
    assert (
        spoken("(laughs) I told [NAME] twice [inaudible] and nothing came.")
        == "I told [NAME] twice and nothing came."
    )


def test_a_statement_leaves_out_a_notes_bullet_and_the_notetakers_probe_label() -> None:
    assert (
        as_statement("- Try again- I am on the site and I don't know how.")
        == "I am on the site and I don't know how."
    )
    assert (
        as_statement("- Clarification- Like the form number was there.") == "Like the form number was there."
    )
    assert as_statement("Self-service is great - really.") == "Self-service is great - really."


def test_a_key_clause_says_a_restarted_phrase_once_and_keeps_a_doubled_word_of_grammar() -> None:
    assert key_clause("You know, I've, I've missed the reminder twice this winter.") == (
        "I've missed the reminder twice this winter."
    )
    assert key_clause("It was, it was all poorly organised.") == "It was all poorly organised."
    assert key_clause("I had had enough of the waiting room by then.") == (
        "I had had enough of the waiting room by then."
    )


@pytest.mark.parametrize(
    ("quote", "clause"),
    [
        (
            "And I went to the to the website on my desktop, and I had to dig around.",
            "I went to the website on my desktop, and I had to dig around.",
        ),
        (
            "If you're scrolling down here, I mean, I've tapped my screen nine times.",
            "If you're scrolling down here, I've tapped my screen nine times.",
        ),
        (
            "I went to the, the, um, school clinic on the corner twice last week.",
            "I went to the school clinic on the corner twice last week.",
        ),
        (
            "It seems like it would just get green lit from from the point of application.",
            "It seems like it would just get green lit from the point of application.",
        ),
        # "you know" that is the verb's, not an aside, stays
        (
            "I said you know the form is broken, and they agreed.",
            "I said you know the form is broken, and they agreed.",
        ),
        # a whole clause said again after "and" is said once; said again with more, it stays
        (
            "I would like to know who the appointment is with and I would like to know who the appointment is with.",
            "I would like to know who the appointment is with.",
        ),
        (
            "I went to the clinic and I went to the clinic again.",
            "I went to the clinic and I went to the clinic again.",
        ),
    ],
)
def test_a_key_clause_says_a_stuttered_phrase_once_and_leaves_out_an_aside(quote: str, clause: str) -> None:
    """Two or three words said again without a comma, or a word grammar never doubles, are a stutter; "I mean",
    "you know" or "um" between commas says nothing. Only cut: every word shown is the speaker's."""
    assert key_clause(quote) == clause


def test_a_cut_that_keeps_only_what_a_but_turns_from_shows_the_point_after_it() -> None:
    """ "X, but Y" too long to show whole: a cut that ends at the "but" would show the concession and lose the
    point. A short one is shown whole, and a cut that keeps some of the point stays as it was."""
    assert (
        key_clause(
            "This is not confusing to me, but I'd imagine that someone who's not technical wouldn't really know "
            "how to see how big their file is."
        )
        == "I'd imagine that someone who's not technical wouldn't really know how to see how big their file is."
    )
    assert key_clause("It was mainly clear, but it was just a little bit confusing.") == (
        "It was mainly clear, but it was just a little bit confusing."
    )
    assert (
        key_clause(
            "Fine, but the app kept logging me out every single time I tried to check in at the kiosk in the "
            "morning, and then the nurse had to do it."
        )
        == "Fine, but the app kept logging me out every single time I tried to check in at the kiosk in the morning …"
    )


def test_a_statement_opens_after_a_filler_and_its_dash() -> None:
    assert key_clause("Yeah—being able to go into my claim and see what has been received.") == (
        "Being able to go into my claim and see what has been received."
    )
    # "Like I said" says nothing; "like" alone is a filler only before a comma, and compares otherwise
    assert key_clause("Like I said, when you upload the documents they go up instead of down.") == (
        "When you upload the documents they go up instead of down."
    )
    assert (
        key_clause("Like, the form was slow and it crashed twice.")
        == "The form was slow and it crashed twice."
    )
    assert (
        key_clause("Like the app, the kiosk kept crashing on me.")
        == "Like the app, the kiosk kept crashing on me."
    )
    # a notes answer's next line, quoted as the first was (`> You know, …`), opens its sentence with the mark
    assert key_clause("It was clear. > You know, the dates go up instead of straight down the page.") == (
        "The dates go up instead of straight down the page."
    )


def test_a_step_that_a_clause_before_it_denies_knowing_is_shown_with_that_clause() -> None:
    """Shown from its own subject, "I can't even tell you when I have gone to the site …" would say the speaker
    went; the clause it hangs on is kept. A hedge, a filler or a time before the subject still goes."""
    assert action_text("I can't even tell you when I have gone to the site for anything but news.") == (
        "I can't even tell you when I have gone to the site for anything but news."
    )
    assert action_text("I don't remember if I called them that week.") == (
        "I don't remember if I called them that week."
    )
    assert action_text("I think I called them twice last week.") == "I called them twice last week."
    # a caption's lone colon between segments is no part of the step, nor is the word said again across it
    assert action_text("I saw it on the  : the web page, I think.") == "I saw it on the web page, I think."
    assert action_text("So now I always ring the office first.") == "I always ring the office first."
    assert action_text("Immediately when I got home I went to the VA office.") == (
        "When I got home I went to the VA office."
    )


def test_an_action_says_a_stutter_once_and_ends_before_an_abandoned_clause() -> None:
    assert action_text("I went to the to the clinic on Monday, and then I wanted to.") == (
        "I went to the clinic on Monday."
    )
    # a notetaker's stray backslash at the end of a line is no part of the step
    assert action_text("I tried to argue with them about the travel pay \\") == (
        "I tried to argue with them about the travel pay."
    )


def test_a_colon_between_caption_segments_is_no_part_of_a_statement() -> None:
    assert key_clause(": and it sucks because  : not that you can do anything about it.") == (
        "It sucks because not that you can do anything about it."
    )
    assert key_clause("Two things: the price and the wait.") == "Two things: the price and the wait."


def test_a_long_key_clause_is_cut_at_a_clause_boundary() -> None:
    quote = (
        "Honestly the best part was the delivery, the driver came on time and carried it up the stairs for me, "
        "which I never expected from a company that size at all"
    )
    clause = key_clause(quote)
    # the last boundary within KEY_CLAUSE_WORDS (24)
    assert (
        clause
        == "Honestly the best part was the delivery, the driver came on time and carried it up the stairs for me …"
    )
    # A sentence of as many words as fit is shown whole, and a cut may end on the last word that fits.
    words = " ".join(f"w{n}" for n in range(22))
    assert key_clause(f"Word {words} fits.") == f"Word {words} fits."
    assert (
        cut_short("one two three four five, six seven", 5, shortest=2, fallback=4)
        == "one two three four five …"
    )


def test_a_joining_word_with_its_own_subject_opens_a_clause_a_cut_can_end_before() -> None:
    """ "… and you have to …" opens a clause of its own: the cut keeps the first one whole rather than stopping
    mid-phrase; "and spend" (no subject of its own) opens none."""
    sentence = (
        "The office is such a headache and frustration and you have to drive all the way down there and spend "
        "hours and hours on a Monday morning in the queue"
    )
    assert (
        cut_short(sentence, 20, shortest=6, fallback=16) == "The office is such a headache and frustration …"
    )
    assert cut_short(
        "It is slow and spend hours waiting there in the long queue", 8, shortest=2, fallback=6
    ) == ("It is slow and spend hours …")


@pytest.mark.parametrize(
    ("sentence", "clause"),
    [
        # No clause boundary to cut at: the words that leave a phrase open go too.
        (
            "I guess the one thing that would be better is if the nurse came out and said that they will be late "
            "for the appointment by an hour",
            "I guess the one thing that would be better is if the nurse came out …",
        ),
        (
            "I started the paperwork months before my exit from the army through a mentor who had done it all "
            "before me years ago in another unit",
            "I started the paperwork months before my exit from the army through a mentor …",
        ),
        # Words that can close a phrase stay.
        (
            "At the big clinic downtown there was a desk by the door where I checked in with them before I sat down "
            "to wait for the nurse",
            "At the big clinic downtown there was a desk by the door where I checked in …",
        ),
    ],
)
def test_a_key_clause_cut_without_a_boundary_does_not_end_mid_phrase(sentence: str, clause: str) -> None:
    assert key_clause(sentence) == clause


def test_a_sentence_that_breaks_off_mid_phrase_gives_way_to_one_of_its_quote_that_does_not() -> None:
    quote = (
        "It works, but I don't like how you can't... y'know. It just seems like a lot, now that I look at it."
    )
    assert key_clause(quote) == "It just seems like a lot, now that I look at it."
    # A sentence that trails off once its phrase is closed still says what it says.
    assert not breaks_off("I never even thought about the website…")
    assert breaks_off("I don't like how you can't...") and breaks_off("You have to click the …")


def test_a_sentence_cut_short_of_its_point_gives_way_to_one_that_says_as_much_whole() -> None:
    """Sentences compare by what their statement would show: cut at its clause boundary, the long one keeps
    the worry and loses what the nurse did about it."""
    worry = (
        "I was worried, you know, about the stairs at the station, and she phoned ahead for me and checked the "
        "lift was working before we even left the house that morning."
    )
    assert key_clause(f"The nurse at the front desk was calm and so kind to us. {worry}") == (
        "The nurse at the front desk was calm and so kind to us."
    )
    # A whole sentence that says less does not outrank what a cut one still shows.
    assert key_clause(f"It was fine. {worry}") == "I was worried about the stairs at the station …"


NAMED = {
    # A name that adds words its quote lacks ("pizza") gives way to the quote's key clause.
    "adds words": (
        ["The parcel came two days late.", "Nobody answered the phone line."],
        ["They ordered a pizza but the delivery was delayed", "The phone line was not answered"],
        ["The parcel came two days late.", "The phone line was not answered."],
    ),
    # "The service" is the first name's guess ("it": the kiosk, the clinic or the app?), the second's words.
    "guesses what it was": (
        ["It was quick and easy, the whole thing.", "The service at the desk was quick and easy."],
        ["The service was quick and easy", "The service was quick and easy"],
        ["It was quick and easy, the whole thing.", "The service was quick and easy."],
    ),
    # A name copied from its quote drops the fillers it opens with and says a stuttered phrase once.
    "copies the quote's fillers": (
        ["You know, the form kept crashing on me.", "I went to the to the office twice."],
        ["You know, the form kept crashing on me", "I went to the to the office twice"],
        ["The form kept crashing on me.", "I went to the office twice."],
    ),
    # A name that tells of "the customer" frames the participant in words no one said.
    "tells of the customer": (
        ["They had me listed as someone else in the system.", "The reminder came too late to cancel."],
        ["The customer was listed as someone else in the system", "The reminder came too late to cancel"],
        ["They had me listed as someone else in the system.", "The reminder came too late to cancel."],
    ),
    # Further on, "the participant's" tells of the speaker where they said "my"; a user the quote names is theirs.
    "tells of the participant": (
        [
            "In my experience the support agent was not on my side.",
            "The user guide never said where to sign.",
        ],
        ["The support agent was not on the participant's side", "The user guide never said where to sign"],
        [
            "In my experience the support agent was not on my side.",
            "The user guide never said where to sign.",
        ],
    ),
    # A name that says a phrase twice is the model looping: every word is the quote's, the sentence no one's.
    "says a phrase twice": (
        ["The form was not great, and it's still an issue.", "The letter came after the deadline, again."],
        [
            "The form was not great because it was still an issue, and it's still an issue",
            "The letter came after the deadline",
        ],
        ["The form was not great, and it's still an issue.", "The letter came after the deadline."],
    ),
    # Two words said twice, in another order around them, is the model looping too.
    "says two words twice": (
        [
            "It made it a lot easier to refill prescriptions online.",
            "The letter came after the deadline, again.",
        ],
        [
            "Online refill prescriptions made it easier to refill prescriptions online",
            "The letter came after the deadline",
        ],
        ["It made it a lot easier to refill prescriptions online.", "The letter came after the deadline."],
    ),
    # A name that breaks off mid-phrase, as its speaker did, says nothing a reader can sign.
    "breaks off": (
        [
            "It works, but I don't like how you can't... It just seems like a lot of menus on the page.",
            "The letter came after the deadline, again.",
        ],
        ["It works, but I don't like how you can't...", "The letter came after the deadline"],
        ["It just seems like a lot of menus on the page.", "The letter came after the deadline."],
    ),
    # A name that takes one side of what the quote only offers as alternatives turns it around.
    "takes a side": (
        [
            "How easy or difficult was it to find the letter on the page. 1, very easy.",
            "The letter came after the deadline, again.",
        ],
        ["Finding the letter on the page was difficult", "The letter came after the deadline"],
        [
            "How easy or difficult was it to find the letter on the page.",
            "The letter came after the deadline.",
        ],
    ),
    # A name far longer than asked retells what was read out, and can turn it around: every word is the quote's.
    "far longer than asked": (
        [
            "Members who did not serve in a unit that is not listed may apply, wait, so backwards, I had to read it twice "
            "over before it made any sense.",
            "The letter came after the deadline, again.",
        ],
        [
            "Members who did not serve in a unit that is listed may not apply, I had to read it twice",
            "The letter came after the deadline",
        ],
        [
            "Members who did not serve in a unit that is not listed may apply, wait, so backwards …",
            "The letter came after the deadline.",
        ],
    ),
}


@pytest.mark.parametrize("case", NAMED)
def test_a_name_its_quote_does_not_hold_gives_way_to_the_key_clause(case: str) -> None:
    quotes, answers, statements = NAMED[case]
    items = [
        obs(chr(ord("a") + n), f"P{n + 1}", "moment", stage="use", kind="pain").model_copy(
            update={"text": quote}
        )
        for n, quote in enumerate(quotes)
    ]
    run = open_runtime(model=ScriptedChatModel().enqueue({"answers": answers}), use_cache=False).start()
    assert names_for(run, items) == {
        item.id: statement for item, statement in zip(items, statements, strict=True)
    }


def test_a_statement_that_asks_gives_way_to_a_sentence_of_its_quote_that_says_something() -> None:
    """The labeller flagged the question; the quote, widened to stand alone, says what it was about."""
    flagged = "Isn't that a bit odd?"
    shown = "Isn't that a bit odd? I rang them to find out I could do it online."
    asking = obs("a", "P1", flagged).model_copy(update={"evidence": [ev("P1", 1, shown)]})
    answering = obs("b", "P2", "Why would anyone do that? It took an hour.")
    run = open_runtime(
        model=ScriptedChatModel().enqueue({"answers": [flagged, "Why would anyone do that?"]}),
        use_cache=False,
    ).start()
    assert names_for(run, [asking, answering]) == {
        "a": "I rang them to find out I could do it online.",
        "b": "It took an hour.",
    }
    assert statement_of(asking, {}) == "I rang them to find out I could do it online."
    assert statement_of(obs("c", "P3", "Why? No idea."), {}) == "No idea."
    assert statement_of(obs("d", "P4", "Why is that?"), {}) == "Why is that?"  # nothing else to say it with


def test_of_two_claims_that_say_as_little_the_one_that_does_not_point_back_is_the_statement() -> None:
    quote = "They didn't know. And why can't I park there? You know, I'm owed a space."
    asking = obs("a", "P1", "They didn't know. And why can't I park there?").model_copy(
        update={"evidence": [ev("P1", 1, quote)]}
    )
    assert statement_of(asking, {}) == "I'm owed a space."


def test_the_summary_names_the_most_raised_problem_and_good_moment_with_their_counts() -> None:
    pains = [
        PainPoint(id="pain1", stage_id="use", statement="The app logs you out.", evidence=[ev("P1", 1, "a")]),
        PainPoint(
            id="pain2",
            stage_id="use",
            statement="Nobody answers the phone.",
            evidence=[ev("P1", 2, "b"), ev("P2", 2, "c")],
        ),
    ]
    delights = [
        Delight(id="delight1", stage_id="use", statement="Staff are kind.", evidence=[ev("P3", 1, "d")])
    ]
    assert summary_for(context(), pains, delights) == (
        "3 interviews. Main problem (2 participants): Nobody answers the phone. "
        "What works best (1 participant): Staff are kind."
    )
    # Where counts tie, the item ranked first is the top one, not the last of the ties.
    tied = [*delights, delights[0].model_copy(update={"id": "delight2", "statement": "Parking is free."})]
    assert summary_for(context(), pains, tied).endswith("What works best (1 participant): Staff are kind.")


def _anything(messages: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Answers every question with its first option (or a short phrase), and plans three stages."""
    if step_of(kwargs) == "stages":
        stages = [{"id": f"s{n}", "name": f"Stage {n}", "description": "A phase."} for n in range(1, 4)]
        return {"stages": stages}
    if step_of(kwargs) == "segments":
        return {"groups": []}
    answers = schema_of(kwargs)["properties"]["answers"]
    items = answers["items"]
    return {
        "answers": [items["enum"][0] if "enum" in items else "The parcel came late"] * answers["minItems"]
    }


def test_a_participant_list_keyed_by_names_matches_files_named_after_people(tmp_path: Path) -> None:
    text = (
        "Interviewer: How was the delivery?\n\nRespondent: The parcel came late and nobody called me back.\n"
    )
    paths = [write(tmp_path, f"{name}.txt", text) for name in ("Kari Nordmann", "Ola Hansen", "Per Berg")]
    listed = [Participant("Kari Nordmann", "Staff"), Participant("Ola Hansen", "Clients")]
    model = ScriptedChatModel(responder=_anything)
    journey = generate_map(
        "We deliver parcels.",
        load_transcripts(paths),
        runtime=open_runtime(model=model, use_cache=False),
        participants=[*listed, Participant("Ida Lund", "Clients")],
    )
    assert [(p.name, len(p.participant_ids)) for p in journey.personas] == [
        ("Staff", 1),
        ("Clients", 1),
        ("Not in the participant list", 1),
    ]
    shown = journey.model_dump_json()
    for name in ("Kari", "Nordmann", "Ola", "Hansen", "Ida", "Lund"):
        assert name not in shown


@pytest.mark.parametrize(
    ("kind", "text", "name"),
    [
        ("web", "I booked on the Mova Fysio website last week.", "Mova Fysio website"),
        ("web", "That evening I went on the website and signed up.", "website"),
        ("sms", "I got an SMS confirmation right away.", "SMS confirmation"),
        ("app", "I have a VA app where you can see your claims.", "VA app"),
        ("app", "And the exercise app. I know it sounds nerdy.", "exercise app"),
        ("chat", "So I messaged them on WhatsApp, and they said no.", "WhatsApp"),
        ("web", "I went to the VA's website repeatedly.", "VA's website"),
        ("phone", "I rang them twice before lunch.", "phone call"),
        ("email", "Like a little email in November, hey, it's getting cold.", "email"),
        (
            "web",
            "An der Großstraße, beim Fußweg, habe ich die Website benutzt.",
            "Website",
        ),  # "ß" folds to "ss"
        ("app", "Honestly the app works.", "app"),
        ("chat", "I asked WhatsApp support, then waited a day.", "WhatsApp support"),
        ("email", "Nothing came.", None),
        ("post", "I qualified for the post 9/11 bill.", None),
        ("search", "Otherwise I'd google search it.", "google search"),  # "I'd" names nothing
        ("paper", "I filled out the paper application and dropped it off.", "paper application"),
        ("paper", "I printed it on our home computer.", "printout"),
        ("kiosk", "I used the VetLink kiosk to check in.", "VetLink kiosk"),
        ("app", "It was listed in the app store, which was confusing.", "app store"),
    ],
)
def test_a_touchpoint_is_named_as_the_participant_named_it(kind: Any, text: str, name: str | None) -> None:
    assert channel_phrase(kind, text) == name


def test_the_touchpoints_lane_names_each_channel_by_what_most_quotes_call_it() -> None:
    said = [
        obs("a", "P1", "I filled it in on the Pedalpass app that evening."),
        obs("b", "P2", "The Pedalpass app kept logging me out.", kind="pain"),
        obs("c", "P3", "Their app was fine, I suppose.", kind="delight"),
    ]
    _, touchpoints, _ = stage_lanes(context(observations=said), [], [])
    assert [(t.kind, t.name, len(t.evidence)) for t in touchpoints] == [("app", "Pedalpass app", 3)]


@pytest.mark.parametrize(
    ("text", "channels"),
    [
        ("I saw an ad on the bus stop.", ["press"]),
        ("Ad on the radio, that's how.", ["press"]),
        ("Saw it on TV and got an SMS the next day.", ["sms", "press"]),
        # Capitals make a two-letter word an acronym ("active duty"), not an advert.
        ("There is one caregiver when AD, and another when he got out.", []),
        # An application is a form one fills in, not a phone's app.
        ("The application process took weeks, and I had to send it twice.", []),
        ("I checked it in the app after I sent the application.", ["app"]),
        # A kiosk and paper are channels of their own.
        ("I used the kiosk and checked in.", ["kiosk"]),
        ("She does all the paperwork, and I read the pamphlet.", ["paper"]),
        ("The paper is delivered every morning.", ["delivery", "paper"]),
        ("I read about it in the newspaper.", ["press"]),
        # A channel word that ends a phrase naming something else is not that channel.
        ("It was listed in the app store, which was confusing.", ["app"]),
        ("It would be a one-stop shop for all of it.", []),
        ("We did it on a zoom call, and then I rang the office.", ["phone", "in person"]),
        ("It's called beneficiary travel, and we were called by our name.", []),
        ("So I called the clinic.", ["phone"]),
        # The phone one does something on is the device; a phone one is called on, or its number, a phone.
        ("I downloaded the app and signed up there, on my phone.", ["app"]),
        ("I talked to her on the phone, then gave them my phone number.", ["phone"]),
    ],
)
def test_channels_named_in_a_quote(text: str, channels: list[str]) -> None:
    assert channels_in(text) == channels


@pytest.mark.parametrize(
    ("opportunity", "kept"),
    [
        ("Ship a charger that copes with the cold.", True),  # a word of a quote
        ("Give the battery a winter mode.", True),  # a word of the statement
        ("Warn riders on freezing nights.", True),  # another form of a quote's word
        (
            "Explain Standard and Cargo on the pricing page.",
            False,
        ),  # the brief's hypothesis, not this problem
    ],
)
def test_an_opportunity_is_kept_where_it_names_something_of_its_problem(opportunity: str, kept: bool) -> None:
    pain = PainPoint(
        id="pain1",
        stage_id="use",
        statement="The battery dies faster in winter.",
        evidence=[ev("P1", 3, "When it's cold and freezes, the charger light just blinks red.")],
    )
    assert names_its_problem(opportunity, pain) is kept


def test_two_forms_of_one_word_name_the_same_problem() -> None:
    pain = PainPoint(id="pain1", stage_id="leave", statement="Cancelling took an extra month.")
    assert names_its_problem("Explain the cancellation notice up front.", pain)
    assert not names_its_problem("Explain the notice up front.", pain)


# --------------------------------------------------------------------------------------- passages shown once

_TURN = "I think this is easier. Online I didn't see the mileage. I guess your address is on file."


def _passage(pid: str, start: int, end: int, shown: str | None = None) -> Evidence:
    quote = shown if shown is not None else _TURN[start:end]
    passage = ev(pid, 3, quote, start=start, redacted=shown is not None)
    return passage.model_copy(update={"end": end})


def _holding(*passages: Evidence) -> list[Observation]:
    return [
        obs(f"o{n}", p.participant_id, p.quote).model_copy(update={"evidence": [p]})
        for n, p in enumerate(passages)
    ]


def test_two_overlapping_passages_of_one_turn_are_shown_once_as_their_union() -> None:
    widened, own = _passage("P2", 0, 56), _passage("P2", 24, 90)
    shown = evidence_of(_holding(widened, own))
    assert [(e.start, e.end, e.quote) for e in shown] == [(0, 90, _TURN[:90])]


def test_passages_that_do_not_overlap_or_lie_in_other_turns_stay_apart() -> None:
    first, second = _passage("P2", 0, 23), _passage("P2", 24, 56)
    elsewhere = _passage("P3", 24, 90)
    assert evidence_of(_holding(first, second, elsewhere)) == [first, second, elsewhere]


def test_a_sentence_the_file_says_again_in_another_turn_is_shown_once() -> None:
    """A notes file that copies an answer under a second question holds one sentence twice."""
    short = ev("P2", 3, "I don't really see a link to the payments page.")
    again = ev(
        "P2",
        9,
        "(On the dashboard) Um, I would click find benefits. I don't really see a link to the payments page.",
    )
    other = ev("P3", 9, "I don't really see a link to the payments page.")  # another participant said it too
    assert evidence_of(_holding(short, again, other)) == [again, other]
    assert evidence_of(_holding(again, short)) == [again]
    apart = ev("P2", 9, "I don't really see a link.")  # fewer words, said again: inside the first
    assert evidence_of(_holding(short, apart)) == [short]


def test_overlapping_redacted_passages_join_where_their_shown_words_continue() -> None:
    # "[PLACE]" stands for "Online" (6 characters) in both: the shown words are shorter than their spans.
    widened = _passage("P2", 0, 56, "I think this is easier. [PLACE] I didn't see the mileage.")
    own = _passage("P2", 24, 90, "[PLACE] I didn't see the mileage. I guess your address is on file.")
    (joined,) = evidence_of(_holding(widened, own))
    assert (
        joined.quote
        == "I think this is easier. [PLACE] I didn't see the mileage. I guess your address is on file."
    )
    assert (joined.start, joined.end, joined.redacted) == (0, 90, True)


def test_a_line_the_notes_hold_twice_is_one_passage_of_its_thought() -> None:
    """A notetaker who copies an answer under a second question gives one sentence twice: the two moments are
    one observation, shown with one passage. Said again in other words, both passages stay."""
    said = "It felt like I was going up instead of down."
    first = obs("P5-1", "P5", said, kind="thought")
    copy = first.model_copy(update={"id": "P5-2", "evidence": [ev("P5", 7, said)]})
    kept, dropped = tidy([first, copy])
    assert [len(o.evidence) for o in kept] == [1] and dropped == [
        "P5-2: merged into P5-1 (the same thought said again)"
    ]
    # the same thought, said again in other words in another answer: both passages stay
    again = first.model_copy(
        update={"id": "P5-3", "evidence": [ev("P5", 9, "I felt like I went up, not down.")]}
    )
    assert [len(o.evidence) for o in tidy([first, again])[0]] == [2]

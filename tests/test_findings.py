"""The narrow-question steps around the model: calibrated selection, grouping by code, personas from the
brief's segments, contradictions confirmed pair by pair, and choices from models without logits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from cjgen.choose import choose, complete_each
from cjgen.findings import select_moments
from cjgen.group import CORE_MEMBERS, Finding, group_observations
from cjgen.label import INTERVIEWER_WORDS, SentenceLabel, chunk_turns
from cjgen.models import ScriptedChatModel
from cjgen.pipeline import open_runtime
from cjgen.prompts import Prompt
from cjgen.schema import Stage, Turn
from cjgen.sentences import Sentence
from cjgen.settings import Settings
from cjgen.stages import SERVICE_KINDS, Segment, divides, plan_from_brief, segments_from_brief
from cjgen.synthesize import (
    Context,
    contradictions_from,
    findings_of,
    opposed_pairs,
    pain_points_for,
    personas_for,
    set_aside_note,
)
from cjgen.wording import only_lukewarm, says_nothing_of_the_service
from factories import obs
from oracle import step_of


def label(turn: int, n: int, pain: float, delight: float = 0.1, action: float = 0.05) -> SentenceLabel:
    sentence = Sentence(f"{turn}.{n}", turn, 0, 10, f"sentence {turn}.{n} of the answer")
    return SentenceLabel(sentence, "P1", "P1.txt", pain, delight, action, "How was it?")


def with_answers(said: dict[int, str], *, pain: float, delight: float) -> list[SentenceLabel]:
    """Eleven plain sentences, then each of `said` (turn -> text) as a one-sentence answer labelled so."""
    labels = [label(t, 1, 0.1) for t in range(1, 12)]
    for turn, text in said.items():
        sentence = Sentence(f"{turn}.1", turn, 0, len(text), text)
        labels.append(SentenceLabel(sentence, "P1", "P1.txt", pain, delight, 0.05, "How was it?"))
    return labels


def test_a_model_that_leans_to_one_answer_flags_only_what_stands_out() -> None:
    # Every sentence gets about 0.5 "problem" (the model's lean); two adjacent ones stand out.
    labels = [label(t, 1, 0.5) for t in range(1, 12)] + [label(20, 1, 0.9), label(20, 2, 0.85)]
    moments = select_moments(labels, "pain")
    assert len(moments) == 1
    assert [s.id for s in moments[0].sentences] == ["20.1", "20.2"]
    assert select_moments(labels, "delight") == []


def test_courtesy_and_a_bare_no_are_never_moments_however_they_are_labelled() -> None:
    said = {
        20: "Thank you so much. You have a great day.",
        21: "No, not that I can recall.",
        22: "No one called me back for three weeks.",
        23: "Thank you for the quick repair, the technician was brilliant.",
    }
    labels = with_answers(said, pain=0.9, delight=0.1)
    moments = select_moments(labels, "pain")
    assert [m.text for m in moments] == [said[22], said[23]]


def test_a_verdict_that_something_was_merely_acceptable_is_no_good_moment() -> None:
    """ "Delivery was fine." is the stage going as expected: the labeller may read it as good, but it is no
    delight; said with more ("… fine, and the driver was lovely") it is one, and as a problem it is kept."""
    said = {
        20: "Delivery was fine.",
        21: "It was fine, and the driver was lovely with the kids.",
        22: "That was okay, actually.",
    }
    labels = with_answers(said, pain=0.05, delight=0.9)
    assert [m.text for m in select_moments(labels, "delight")] == [said[21]]
    as_problems = [replace(lab, pain=lab.delight, delight=0.05) for lab in labels]
    assert [m.text for m in select_moments(as_problems, "pain")] == list(said.values())


@pytest.mark.parametrize(
    ("sentence", "lukewarm"),
    [
        ("Delivery was fine.", True),
        ("The pickup was fine.", True),
        ("Yeah, it was okay, I guess.", True),
        ("It worked, anyway.", True),
        ("The whole thing was alright.", True),
        ("For the most part I think it was fine.", True),
        ("Overall, it was okay.", True),
        ("It was pretty routine.", True),
        ("It was a routine check-up, and the nurse was lovely.", False),
        ("I think it was fine, the nurse was lovely.", False),
        ("It was fine and the driver was lovely.", False),
        ("Should be fine. Take a picture.", False),  # a verdict on what is to come, with what makes it so
        ("It was pretty simple actually.", False),
        ("Not bad at all, better than I expected.", False),
        ("The bike is great.", False),
    ],
)
def test_what_only_says_it_was_acceptable(sentence: str, lukewarm: bool) -> None:
    assert only_lukewarm(sentence) is lukewarm


@pytest.mark.parametrize(
    ("sentence", "empty"),
    [
        ("Glad I can help.", True),
        ("Yes, thank you.", True),
        ("Thank you very much for your help.", True),
        ("You’re welcome.", True),
        ("Sure, yeah, no problem.", True),
        ("No problem I'm glad that I was able to help.", True),
        ("No problem, glad to help.", True),
        ("Ha det bra!", True),
        ("Merci beaucoup, au revoir.", True),
        ("Not in the last 14 years.", True),
        ("No I have never used it.", True),
        ("No, I don’t think so.", True),
        ("Not that I can think of from the top of my head.", True),
        ("Nah, not really.", True),
        # A denial that names anything is kept: a real complaint dropped is the worst outcome.
        ("Nothing worked.", False),
        ("Never got a reply.", False),
        ("No, it never worked.", False),
        ("No, nothing worked.", False),
        ("Not really, too expensive.", False),
        ("Not at all, it was a nightmare.", False),
        ("No, I wasn't told about the fee.", False),
        ("Not that I can recall, but the fees were outrageous", False),
        ("Nothing stands out about the app except it crashed constantly", False),
        ("Nothing jumps out at me about a check in process going wrong.", False),
        ("It was no problem at all.", False),
        ("Thanks to the app I could pay.", False),
        ("No, the app never sent the code to my phone.", False),
        ("There is no cancel button.", False),
        # The team's script, left in notes typed into the conversation guide, is no participant's.
        ("We use the recordings to confirm that we have captured your opinions accurately.", True),
        ("In this session, we want to hear your honest opinions.", True),
        ("Are you comfortable if I record my screen and audio as we talk today?", True),
        ("What is your feedback on that?", True),
        ("I filled in your feedback form and nobody answered.", False),
        ("They record the screen for security.", False),
        # The session's recording switched on or off; a participant recording something of their own is theirs.
        ("I have started recording.", True),
        ("Okay, I will stop the recording now.", True),
        ("I started recording my blood pressure every morning.", False),
        ("The recording of my call to the helpline was lost.", False),
        # As the guide writes it, in emphasis; and the moderator's thanks and a prototype's disclaimer.
        ("**I have started recording**.", True),
        ("Well we really appreciate you taking the time to share your thoughts with us today.", True),
        ("This is a demo tool that may not function exactly the way you expect.", True),
        ("The prototype did not work the way I expected.", False),
        ("Some areas of the prototype will be clickable, and some will not.", True),
        ("This link isn't clickable, so I got stuck.", False),
        ("I really appreciate the time the nurse took with me.", False),
        # A bare liking of "that": what was liked is in the question, not in the words.
        ("I like that.", True),
        ("Oh, I love it!", True),
        ("That's great.", True),
        ("I like that it shows my next appointment.", False),
        ("That's great, the nurse called me back the same day.", False),
        # The notetaker's note of what the team did or saw, left in the answer.
        ("moderator helpf nativated to files page.", True),
        ("**Note**: he's reading the page.", True),
        ("Notes from the doctor never reached the clinic.", False),
        ("I noted the claim number: it was wrong.", False),
    ],
)
def test_what_says_nothing_of_the_service(sentence: str, empty: bool) -> None:
    assert says_nothing_of_the_service(sentence) is empty


def test_no_more_moments_per_interview_than_the_cap() -> None:
    labels = [label(t, 1, 0.9 if t % 2 else 0.1) for t in range(1, 40)]
    assert len(select_moments(labels, "pain")) == 6


def test_a_long_interview_keeps_moments_in_proportion_to_its_sentences() -> None:
    # 600 sentences, every other one a problem in its own answer: three times the length that keeps six.
    labels = [label(t, 1, 0.9 if t % 2 else 0.1) for t in range(1, 601)]
    assert len(select_moments(labels, "pain")) == 18
    assert len(select_moments(labels[:200], "pain")) == 6


def test_one_moment_per_answer_and_per_paragraph_of_a_written_one() -> None:
    # One turn of notes: three paragraphs, each with two problems in a row apart from each other; the
    # strongest of each paragraph is a moment, and a run of flagged sentences never crosses a blank line.
    text = "Form was long. Fine. Site timed out.\n\nNobody called back. Fine. Letter was lost.\n\nPortal crashed."
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^.\n]+\.", text)]
    paragraphs = [0, 0, 0, 1, 1, 1, 2]
    pain = [0.9, 0.1, 0.8, 0.95, 0.1, 0.85, 0.7]
    notes = [
        SentenceLabel(
            Sentence(f"30.{k}", 30, a, b, text[a:b], par), "P1", "P1.md", p, 0.1, 0.05, "How was it?"
        )
        for k, ((a, b), par, p) in enumerate(zip(spans, paragraphs, pain, strict=True), start=1)
    ]
    labels = [label(t, 1, 0.1) for t in range(1, 30)] + notes
    assert [m.text for m in select_moments(labels, "pain")] == [
        "Form was long.",
        "Nobody called back.",
        "Portal crashed.",
    ]
    # The same words as one spoken answer, with no blank line, give one moment, its strongest run (the two
    # flagged sentences on either side of the first break now run together).
    spoken = [replace(lab, sentence=replace(lab.sentence, paragraph=0)) for lab in notes]
    assert [m.text for m in select_moments(labels[:29] + spoken, "pain")] == [
        "Site timed out. Nobody called back."
    ]


def test_observations_about_the_same_thing_group_and_a_word_everyone_uses_does_not() -> None:
    items = [
        obs("a", "P1", "The technician came four hours late for the repair visit"),
        obs("b", "P2", "Repair technician late again, I lost half a day"),
        obs("c", "P3", "The service invoice shows no VAT for the service"),
        obs("d", "P4", "The service app logs me out every time"),
    ]
    findings = group_observations(items, {o.id: 0.5 for o in items})
    groups = sorted(sorted(o.id for o in f.members) for f in findings)
    assert groups == [["a", "b"], ["c"], ["d"]]
    assert findings[0].participants == ["P1", "P2"]  # the one raised by most people comes first


OTHER_ANSWERS = [
    ("The front tyre was flat when it arrived", "What happened on delivery day?"),
    ("My daughter rides it to school now", "Who else in the family uses it?"),
    ("The invoice never shows the tax", "How do you pay for it?"),
    ("The lock jams whenever it rains", "How is it holding up after a year?"),
    ("I charge it at work on Fridays", "Where do you keep it charged?"),
    ("A colleague recommended them to me", "How did you first hear of them?"),
]


def test_answers_to_alike_questions_group_though_their_words_differ() -> None:
    asked = "How did it go when you wanted to stop the subscription?"
    items = [
        obs("a", "P1", "I had to write an email and wait a week", question=asked),
        obs("b", "P2", "Nobody answered for days, it was a nightmare", question=asked),
    ] + [obs(f"o{n}", f"P{n + 3}", text, question=q) for n, (text, q) in enumerate(OTHER_ANSWERS)]
    findings = group_observations(items, {o.id: 0.5 for o in items})
    assert sorted(o.id for o in findings[0].members) == ["a", "b"]
    assert len(findings) == 1 + len(OTHER_ANSWERS)
    # Without the questions, the two answers share no content word and stay apart.
    unasked = [o.model_copy(update={"question": ""}) for o in items]
    assert len(group_observations(unasked, {o.id: 0.5 for o in items})) == len(items)


def test_answers_that_mean_one_thing_in_other_words_group_and_unrelated_ones_do_not() -> None:
    items = [
        obs("a", "P1", "The app keeps crashing on my phone"),
        obs("b", "P2", "The mobile application freezes constantly"),
    ] + [obs(f"o{n}", f"P{n + 3}", text) for n, (text, _) in enumerate(OTHER_ANSWERS)]
    findings = group_observations(items, {o.id: 0.5 for o in items})
    assert sorted(o.id for o in findings[0].members) == ["a", "b"]
    assert len(findings) == 1 + len(OTHER_ANSWERS)


def test_read_meanings_group_what_the_words_do_not_and_part_what_only_a_static_embedding_joins() -> None:
    items = [
        obs("a", "P1", "The app keeps crashing on my phone"),
        obs("b", "P2", "The mobile application freezes constantly"),
        obs("c", "P3", "I had to write an email and wait a week"),
        obs("d", "P4", "Nobody answered for days, it was a nightmare"),
    ]
    scores = {o.id: 0.5 for o in items}
    # As the states read them: a and b are about two different things, c and d about one.
    meanings = {"a": (1.0, 0.0, 0.0), "b": (0.0, 1.0, 0.0), "c": (0.0, 0.0, 1.0), "d": (0.1, 0.0, 0.9)}
    read = sorted(
        sorted(o.id for o in f.members) for f in group_observations(items, scores, meanings=meanings)
    )
    assert read == [["a"], ["b"], ["c", "d"]]
    static = sorted(sorted(o.id for o in f.members) for f in group_observations(items, scores))
    assert ["a", "b"] in static and ["c", "d"] not in static
    # One observation without a meaning (its labels were asked): all are compared as before.
    partial = {k: v for k, v in meanings.items() if k != "d"}
    assert (
        sorted(sorted(o.id for o in f.members) for f in group_observations(items, scores, meanings=partial))
        == static
    )


def test_a_follow_up_most_answers_share_does_not_group_them() -> None:
    follow_up = "Can you tell me more about that?"
    items = [obs(f"o{n}", f"P{n}", text, question=follow_up) for n, (text, _) in enumerate(OTHER_ANSWERS)]
    assert len(group_observations(items, {o.id: 0.5 for o in items})) == len(items)


def test_of_findings_raised_by_as_many_the_one_cut_from_the_wider_conversation_comes_first() -> None:
    asked = "What did you find difficult about moving house?"
    answers = ["Packing took weeks", "The movers broke a lamp", "I missed my old street", "Finding a school"]
    answers += ["The lease", "Packing the boxes took us weeks"]
    broad = [obs(f"a{n}", f"P{n}", text, question=asked) for n, text in enumerate(answers)]
    permit = "How did getting the parking permit go?"
    texts = [
        "My parking permit is still missing",
        "Still no parking permit",
        "The parking permit is missing again",
    ]
    narrow = [obs(f"b{n}", f"Q{n}", text, question=permit) for n, text in enumerate(texts)]
    others = [obs(f"o{n}", f"R{n}", text, question=q) for n, (text, q) in enumerate(OTHER_ANSWERS * 3)]
    # The narrow finding's labels are the more confident; both are raised by three participants.
    scores = {**{o.id: 0.6 for o in broad}, **{o.id: 0.9 for o in narrow}, **{o.id: 0.5 for o in others}}
    findings = group_observations(broad + narrow + others, scores)
    first, second = findings[0], findings[1]
    assert len(first.participants) == len(second.participants) == 3
    # Six participants spoke to moving house, three to the permit: the moving-house finding comes first.
    assert {o.id[0] for o in first.members} == {"a"} and first.breadth == len(broad)
    assert sorted(o.id for o in second.members) == ["b0", "b1", "b2"] and second.breadth == 3


@pytest.mark.parametrize(
    ("stages", "expected"),
    [
        (["order", "wait", "wait"], "wait"),  # two of three quotes were placed in one stage
        (["order", "wait", "pay"], "order"),  # each in its own: the strongest's
        (["wait", "order", "order", "wait"], "wait"),  # as many each: the strongest's
        (["pay"], "pay"),
    ],
)
def test_a_finding_sits_in_the_stage_most_of_its_quotes_were_placed_in(
    stages: list[str], expected: str
) -> None:
    members = tuple(obs(f"m{n}", f"P{n}", f"moment {n}", stage=stage) for n, stage in enumerate(stages))
    assert Finding("pain", members, confidence=0.5).stage_id == expected


def test_a_finding_keeps_cites_and_counts_its_strongest_and_those_most_alike_to_it() -> None:
    asked = "What did you find difficult about moving house?"
    answers = ["Packing took weeks", "The movers broke a lamp", "I missed my old street", "Finding a school"]
    answers += ["The lease", "Packing the boxes took us weeks"]
    items = [obs(f"a{n}", f"P{n}", text, question=asked) for n, text in enumerate(answers)]
    scores = {o.id: 0.9 - 0.1 * n for n, o in enumerate(items)}
    others = [obs(f"o{n}", f"Q{n}", text, question=q) for n, (text, q) in enumerate(OTHER_ANSWERS * 3)]
    findings = group_observations(items + others, {**scores, **{o.id: 0.5 for o in others}})
    finding = findings[0]
    # The strongest leads; the answer that says what it says comes next, though its label is the weakest;
    # the core is full, so the rest are not cited for it.
    assert [o.id for o in finding.members][:2] == ["a0", "a5"]
    assert len(finding.members) == CORE_MEMBERS
    assert finding.participants == sorted(o.participant_id for o in finding.members)
    # What it left out is not lost: the other answers to the question are findings of their own.
    grouped = [o.id for f in findings for o in f.members if o.id.startswith("a")]
    assert sorted(grouped) == [f"a{n}" for n in range(len(answers))]


def test_a_finding_is_worded_from_the_member_the_others_are_most_alike_to() -> None:
    """The strongest label may be a bare answer ("No, not that I recall."): the statement is worded from the
    member whose words the others share, and the strongest still leads (stage, order)."""
    asked = "Did anything go wrong when you checked in?"
    answers = [
        "No, not that I recall.",
        "The kiosk was broken so I stood in the line for the clerk",
        "When the kiosk is broken the line for the clerk is long",
        "The kiosk screen froze and I waited in line",
    ]
    items = [obs(f"a{n}", f"P{n}", text, question=asked) for n, text in enumerate(answers)]
    scores = {o.id: 0.9 - 0.1 * n for n, o in enumerate(items)}
    others = [obs(f"o{n}", f"Q{n}", text, question=q) for n, (text, q) in enumerate(OTHER_ANSWERS * 3)]
    finding = next(
        f
        for f in group_observations(items + others, {**scores, **{o.id: 0.5 for o in others}})
        if f.lead.id == "a0"
    )
    assert len(finding.members) >= 3
    assert finding.representative.id in {"a1", "a2"}
    # Two members, or one: the strongest speaks.
    pair = group_observations(items[1:3], scores)[0]
    assert pair.representative is pair.lead


def test_a_member_too_short_to_say_what_it_is_about_words_a_finding_only_when_none_says_more() -> None:
    asked = "What was hard about the form?"
    short = obs("s", "P1", "That's very difficult.", question=asked)
    full = obs(
        "f", "P2", "I had to reread the eligibility question twice, it was so confusing", question=asked
    )
    pair = group_observations([short, full], {"s": 0.9, "f": 0.5}, threshold=0.0)[0]
    assert pair.lead is short  # the strongest still leads (stage, order) ...
    assert pair.representative is full  # ... but the one that says what the problem is words it
    assert pair.voice_first == (full, short)  # and its quote is the first under the statement
    ctx = Context(
        stages=STAGES, participants=["P1", "P2"], observations=[short, full], map_type="current-state"
    )
    (point,) = pain_points_for(ctx, [pair], ["The eligibility question was confusing."], {})
    assert [e.quote for e in point.evidence] == [full.text, short.text]
    alone = group_observations([short], {"s": 0.9})[0]
    assert alone.representative is short
    assert alone.voice_first == (short,)


STAGES = [Stage(id="use", name="Use", description="Everyday use.")]


def context(**kw: Any) -> Context:
    base: dict[str, Any] = {"stages": STAGES, "participants": ["P1", "P2", "P3"], "observations": []}
    return Context(map_type="current-state", **{**base, **kw})


def test_a_finding_is_what_two_participants_share_and_one_alone_is_set_aside_and_said() -> None:
    items = [
        obs("a1", "P1", "The battery died halfway to work in the cold"),
        obs("a2", "P2", "In the cold the battery runs out far too early"),
        obs("b1", "P3", "The invoice never shows the tax on its own line"),
    ]
    meanings = {"a1": (1.0, 0.0), "a2": (0.95, 0.05), "b1": (0.0, 1.0)}
    shown, set_aside = findings_of(context(observations=items, meanings=meanings), "pain", 1)
    assert [sorted(f.participants) for f in shown] == [["P1", "P2"]] and set_aside == 1
    [note] = set_aside_note(set_aside, 0)
    assert "1 problem that one participant alone raised" in note and "good moment" not in note
    assert set_aside_note(0, 0) == []
    # With room for more than the shared ones, one participant's finding comes after them, and is said to be.
    shown, set_aside = findings_of(context(observations=items, meanings=meanings), "pain", 8)
    assert [sorted(f.participants) for f in shown] == [["P1", "P2"], ["P3"]] and set_aside == 0
    [note] = set_aside_note(0, 0, alone=1)
    assert note.startswith("1 of the pain points and delights shown is one participant's alone")
    # One participant's line that asks is no finding of its own: in notes it is most often the interviewer's.
    asking = [*items[:2], obs("c1", "P3", "Did you find the tax on its own line?")]
    shown, set_aside = findings_of(
        context(observations=asking, meanings={**meanings, "c1": (0.0, 1.0)}), "pain", 8
    )
    assert [sorted(f.participants) for f in shown] == [["P1", "P2"]] and set_aside == 1
    # Where the study is no larger than a pair, one participant's moment is a finding.
    pair = context(observations=items[:1] + items[2:], participants=["P1", "P3"], meanings=meanings)
    shown, set_aside = findings_of(pair, "pain", 8)
    assert len(shown) == 2 and set_aside == 0


def test_a_participant_goes_to_the_segment_they_lean_to_more_than_the_others() -> None:
    segments = [Segment("Commuters", "ride daily to work"), Segment("Weekend riders", "ride for leisure")]
    # The model prefers the second letter for everyone; P1 prefers it least.
    votes = {"P1": [0.45, 0.55], "P2": [0.3, 0.7], "P3": [0.25, 0.75]}
    personas = personas_for(context(segments=segments, segment_votes=votes))
    assert {p.name: p.participant_ids for p in personas} == {
        "Commuters": ["P1"],
        "Weekend riders": ["P2", "P3"],
    }


def test_one_participant_who_plainly_fits_a_group_does_not_move_the_line_for_the_others() -> None:
    segments = [Segment("Working-age", "sports injuries"), Segment("Older", "long-term pain")]
    # P4 fits the second group plainly; P3 leans to it a little. A mean lean pulled up by P4 would send P3
    # to the first group; the median lean leaves P3 where its vote points.
    votes = {"P1": [0.56, 0.44], "P2": [0.55, 0.45], "P3": [0.48, 0.52], "P4": [0.15, 0.85]}
    personas = personas_for(context(participants=list(votes), segments=segments, segment_votes=votes))
    assert {p.name: p.participant_ids for p in personas} == {
        "Working-age": ["P1", "P2"],
        "Older": ["P3", "P4"],
    }


def test_without_segments_everyone_is_one_group() -> None:
    personas = personas_for(context())
    assert [p.participant_ids for p in personas] == [["P1", "P2", "P3"]]


BRIEF = (
    "Our riders are mainly commuters who ride to work every day, and families who ride at the weekend. "
    "Most of them pay monthly."
)


def test_the_groups_a_brief_names_are_asked_on_their_own_and_kept_once_each() -> None:
    groups = [
        {"name": "Commuters", "description": "Ride to work every day."},
        {"name": "commuters", "description": "The same group named again."},
        {"name": "Weekend families", "description": "Pirates who sail to the moon on Tuesdays."},
    ]
    run, model = scripted({"groups": groups})
    found = segments_from_brief(run, BRIEF)
    assert [step_of(k) for k in model.request_kwargs] == ["segments"]
    assert [g.name for g in found] == ["Commuters", "Weekend families"]
    assert found[0].description == "Ride to work every day."
    # A description the brief does not support is not shown as the brief's; the name stands in for it.
    assert "Pirates" not in found[1].description and "Weekend families" in found[1].description


def test_groups_the_stage_plan_already_names_are_not_asked_for_again() -> None:
    stages = [{"id": f"s{n}", "name": f"Stage {n}", "description": "A phase."} for n in range(1, 4)]
    named = [
        {"name": "Commuters", "description": "Ride to work."},
        {"name": "Families", "description": "Ride."},
    ]
    merged = [{"name": "Riders", "description": "Commuters and families."}]
    for plan_groups, asked in ((named, []), (merged, ["segments"])):
        run, model = scripted(
            {"answers": ["A"] * len(SERVICE_KINDS)},  # the service kind, asked in every order,
            {"stages": stages, "segments": plan_groups, "suspected": []},
            {"groups": named},
        )
        plan = plan_from_brief(run, BRIEF, "current-state")
        assert [g.name for g in plan.segments] == ["Commuters", "Families"]
        assert [step_of(k) for k in model.request_kwargs][2:] == asked


def test_one_group_named_is_no_segmentation() -> None:
    run, _ = scripted({"groups": [{"name": "Riders", "description": "Ride to work every day."}]})
    assert segments_from_brief(run, BRIEF) == []


JOINED = (
    "Mainly commuters who ride to work every day, and families who ride at the weekend."  # one group's text
)


def test_one_group_that_joins_two_kinds_is_split_into_pieces_of_its_own_description() -> None:
    run, model = scripted(
        {"groups": [{"name": "Riders", "description": JOINED}]},
        {
            "groups": [
                {"name": "Commuters", "description": "Mainly commuters who ride to work every day"},
                {"name": "Weekend families", "description": "families who ride at the weekend."},
            ]
        },
    )
    found = segments_from_brief(run, BRIEF)
    assert [step_of(k) for k in model.request_kwargs] == ["segments", "segments"]
    assert [g.name for g in found] == ["Commuters", "Weekend families"]
    assert found[1].description == "families who ride at the weekend."


def test_a_split_with_words_the_description_lacks_is_not_kept() -> None:
    invented = [
        {"name": "Commuters", "description": "Mainly commuters who ride to work every day"},
        {"name": "Tourists", "description": "Visitors who rent bikes for a day."},
    ]
    run, _ = scripted({"groups": [{"name": "Riders", "description": JOINED}]}, {"groups": invented})
    assert segments_from_brief(run, BRIEF) == []


def test_a_model_that_keeps_answering_one_group_leaves_it_unsplit_and_the_map_goes_on() -> None:
    """Without the JSON grammar a model may answer the split with one group every time: nothing is split, and
    no error stops the map (it did: the schema asks for two or more)."""
    one = {"groups": [{"name": "Riders", "description": JOINED}]}
    run, model = scripted(one, one, one, one)
    assert segments_from_brief(run, BRIEF) == []
    asked = [step_of(k) for k in model.request_kwargs]
    assert len(asked) >= 2 and set(asked) == {"segments"}  # the groups, then the split, retried and let go


@pytest.mark.parametrize(
    ("parts", "kept"),
    [
        (["Mainly commuters who ride to work every day", "families who ride at the weekend"], True),
        (["families who ride at the weekend", "Mainly commuters who ride to work every day"], False),  # order
        ([JOINED, "families who ride at the weekend"], False),  # the first piece is the whole
        (["Mainly commuters who ride to work every day"], False),  # one piece is no split
        (["commuters", "families who ride at the weekend"], False),  # a piece too short to name someone
    ],
)
def test_a_split_must_divide_the_description(parts: list[str], kept: bool) -> None:
    assert divides(JOINED, parts) is kept


def scripted(*answers: dict[str, Any]) -> Any:
    model = ScriptedChatModel().enqueue(*answers)
    return open_runtime(model=model, settings=Settings(max_reasks=1), use_cache=False).start(), model


def test_only_pairs_the_model_confirms_become_contradictions() -> None:
    items = [
        obs("p1", "P1", "Delivery came hours late with no message", stage="delivery"),
        obs(
            "d1",
            "P2",
            "Delivery was on time and the driver explained everything",
            stage="delivery",
            kind="delight",
        ),
        obs("p2", "P3", "The app crashed when paying", stage="pay"),
        obs("d2", "P1", "Paying in the app is quick", stage="pay", kind="delight"),
    ]

    def judge(messages: Any, kwargs: Any) -> dict[str, Any]:
        questions = str(messages[-1].content).split("Question ")[1:]
        return {"answers": ["A" if q.count("Delivery") == 2 else "B" for q in questions]}

    model = ScriptedChatModel(responder=judge)
    run = open_runtime(model=model, use_cache=False).start()
    found = contradictions_from(opposed_pairs(run, context(observations=items)), {})
    assert len(model.requests) == 1
    assert len(found) == 1
    assert {pid for side in found[0].sides for pid in side.participant_ids} == {"P1", "P2"}


def test_with_read_meanings_opposite_moments_that_mean_alike_are_a_contradiction_without_a_model_call() -> (
    None
):
    items = [
        obs("p1", "P1", "Nobody came until four in the afternoon", stage="delivery"),
        obs("d1", "P2", "The handover was patient and thorough", stage="use", kind="delight"),
        obs("d3", "P3", "He came right on time and showed us everything", stage="use", kind="delight"),
        obs("p2", "P3", "Delivery slots are far too wide", stage="pay"),
        obs("d2", "P2", "Delivery slots suit me", stage="use", kind="delight"),
    ]
    model = ScriptedChatModel()  # no answers queued: any model call fails the test
    run = open_runtime(model=model, use_cache=False).start()
    # Read from states, p1, d1 and d3 are about one thing (the delivery visit); the slots pair shares words
    # but not meaning.
    meanings = {
        "p1": (1.0, 0.1, 0.0),
        "d1": (0.9, 0.0, 0.1),
        "d3": (0.8, 0.0, 0.3),
        "p2": (0.0, 1.0, 0.0),
        "d2": (-1.0, -0.2, 0.0),
    }
    found = contradictions_from(opposed_pairs(run, context(observations=items, meanings=meanings)), {})
    assert not model.requests
    assert len(found) == 1
    delighted, troubled = found[0].sides
    assert (delighted.participant_ids, troubled.participant_ids) == (["P2", "P3"], ["P1"])
    assert [e.quote for e in delighted.evidence] == [
        "The handover was patient and thorough",
        "He came right on time and showed us everything",
    ]
    assert found[0].what.startswith("P2: ")


def test_moments_that_mean_apart_are_no_contradiction_and_one_person_is_never_on_both_sides() -> None:
    items = [
        obs("p1", "P1", "Nobody came until four in the afternoon", stage="delivery"),
        obs("d1", "P2", "The handover was patient and thorough", stage="delivery", kind="delight"),
        obs("d2", "P1", "The driver was lovely when he finally came", stage="delivery", kind="delight"),
        obs("p3", "P3", "We waited all day and he came at five", stage="delivery"),
    ]
    run = open_runtime(model=ScriptedChatModel(), use_cache=False).start()
    apart = {"p1": (1.0, 0.0), "d1": (0.0, 1.0), "d2": (1.0, 0.05), "p3": (0.0, -1.0)}
    assert opposed_pairs(run, context(observations=items, meanings=apart)) == []
    alike = {"p1": (1.0, 0.0), "d1": (0.9, 0.1), "d2": (1.0, 0.05), "p3": (1.0, -0.3)}
    [pair] = opposed_pairs(run, context(observations=items, meanings=alike))
    assert [o.id for o in pair.pains] == ["p1", "p3"] and [o.id for o in pair.delights] == ["d1"]


def test_one_person_against_one_is_no_contradiction_a_study_shows() -> None:
    items = [
        obs("p1", "P1", "Nobody came until four in the afternoon", stage="delivery"),
        obs("d1", "P2", "The handover was patient and thorough", stage="delivery", kind="delight"),
    ]
    run = open_runtime(model=ScriptedChatModel(), use_cache=False).start()
    alike = {"p1": (1.0, 0.0), "d1": (0.9, 0.1)}
    assert opposed_pairs(run, context(observations=items, meanings=alike)) == []
    # a third participant on either side makes it one
    items.append(
        obs("d3", "P3", "He came on time and took his time with us", stage="delivery", kind="delight")
    )
    [pair] = opposed_pairs(run, context(observations=items, meanings={**alike, "d3": (0.95, 0.05)}))
    assert {o.participant_id for o in pair.delights} == {"P2", "P3"}


def test_choices_from_a_model_without_logits_come_as_json_and_are_checked() -> None:
    run, model = scripted({"answers": ["A", "Z"]}, {"answers": ["A", "C"]})
    prompt = Prompt("label", "hash", "system", "context")
    answers = choose(run, prompt, ["q1", "q2"], ("A", "B", "C"), step="test")
    assert answers == [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    assert "answers.1" in str(model.requests[1][-1].content)  # the re-ask names the wrong answer


def test_short_answers_are_never_cut_to_a_word_count() -> None:
    run, _ = scripted({"answers": ["Delivery came four hours late and nobody told them about it at all"]})
    prompt = Prompt("name", "hash", "system", "context")
    [answer] = complete_each(run, prompt, ["q"], max_words=5, step="test")
    assert answer.endswith("at all")


def test_a_lean_to_one_stage_number_is_taken_out_before_choosing() -> None:
    from cjgen.choose import debiased

    # Every answer leans to stage 1; the third question points to stage 2 more than the others do.
    answers = [[0.8, 0.1, 0.1], [0.8, 0.1, 0.1], [0.6, 0.35, 0.05], [0.8, 0.05, 0.15]]
    picked = [max(range(3), key=lambda k: a[k]) for a in debiased(answers)]
    assert picked[2] == 1
    assert debiased(answers[:2]) == answers[:2]  # too few answers to tell a lean from a finding


def test_a_choice_asked_in_every_order_is_not_decided_by_a_lean_to_one_letter() -> None:
    from cjgen.choose import best, rotated

    def answer(messages: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        # The model leans to A: it answers A unless the option the context points to (2) is shown at B.
        orders = re.findall(r"order (\d),(\d),(\d)", str(messages[-1].content))
        return {"answers": ["B" if order[1] == "2" else "A" for order in orders]}

    model = ScriptedChatModel(responder=answer)
    run = open_runtime(model=model, settings=Settings(max_reasks=0), use_cache=False).start()
    prompt = Prompt("service", "hash", "system", "context")

    def question(order: Sequence[int]) -> str:
        return "Which? order " + ",".join(str(k) for k in order)

    [once] = choose(run, prompt, [question([0, 1, 2])], ("A", "B", "C"), step="test")
    assert best(once) == 0
    mean = rotated(run, prompt, question, 3, step="test")
    assert best(mean) == 2 and sum(mean) == pytest.approx(1.0)
    assert len(model.requests) == 2


def test_a_chunk_never_shows_more_than_fits_however_many_questions_are_asked() -> None:
    # An hour-long interview of many long questions and short answers: few participant words per chunk,
    # but everything shown counts against the model's window.
    turns = []
    for n in range(200):
        turns.append(Turn(index=2 * n, speaker="Interviewer", role="interviewer", text="word " * 80))
        turns.append(Turn(index=2 * n + 1, speaker="P1", role="participant", text="yes I think so " * 3))
    chunks = chunk_turns(tuple(turns), [], max_words=2400, max_shown=3600)
    shown = [
        sum(len(t.text.split()) if t.role == "participant" else INTERVIEWER_WORDS for t in c.turns)
        for c in chunks
    ]
    assert len(chunks) > 1 and max(shown) <= 3600
    assert [t.index for c in chunks for t in c.turns if t.role == "participant"] == list(range(1, 400, 2))
    # Participant words alone would have made one chunk of them all.
    assert len(chunk_turns(tuple(turns), [], max_words=2400, max_shown=10**9)) == 1

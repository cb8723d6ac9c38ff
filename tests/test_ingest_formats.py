"""Real-world transcript and notes formats: speakers, roles and turn texts for each, limits, and overrides."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from cjgen.errors import InputError
from cjgen.ingest import (
    MAX_JSON_DEPTH,
    MAX_TURN_WORDS,
    files,
    inspect_transcript,
    load_brief,
    load_transcript,
    main_speaker,
    transcript_files,
)
from cjgen.ingest.notes import parse_qa
from cjgen.ingest.parsed import Draft, without_html_breaks
from cjgen.ingest.transcript import file_code
from cjgen.schema import Segment, Transcript
from pdf_files import pdf_of

DATA = Path(__file__).parent / "data" / "ingest"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(t: Transcript) -> list[tuple[str, str, str]]:
    return [(turn.speaker, turn.role, turn.text) for turn in t.turns]


# --------------------------------------------------------------------------------------------- timestamped


def test_timestamp_before_label_mixed_with_plain_labels() -> None:
    t = load_transcript(DATA / "stamped_labels.txt")
    assert rows(t) == [
        ("Moderator", "interviewer", "Welcome, and thanks for making time today."),
        ("Lena", "participant", "Glad to. I have about forty minutes."),
        ("Moderator", "interviewer", "What made you look for a new kettle?"),
        (
            "Lena",
            "participant",
            "The old one started to leak.\nIt left a puddle on the counter every morning.",
        ),
        ("Moderator", "interviewer", "And where did you look first?"),
        ("Lena", "participant", "A comparison site, then the shop down the road."),
    ]
    assert [turn.start_s for turn in t.turns] == [4.0, 9.0, 71.0, 75.0, None, 150.0]
    assert t.kind == "verbatim"


def test_otter_speaker_and_time_lines_with_text_below() -> None:
    t = load_transcript(DATA / "otter.txt", interviewers=["Ravi Shah"])
    assert rows(t) == [
        ("Ravi Shah", "interviewer", "Okay, we are recording. Could you start with how you found the gym?"),
        ("Tomas Berg", "participant", "A flyer in my letterbox, honestly.\nI almost threw it away."),
        ("Ravi Shah", "interviewer", "What made you keep it?"),
        ("Tomas Berg", "participant", "The first month was free, and it is five minutes from my flat."),
    ]
    assert [turn.start_s for turn in t.turns] == [3.0, 9.0, 62.0, 65.0]


def test_meet_text_export_with_clock_lines() -> None:
    t = load_transcript(DATA / "meet.txt")
    assert rows(t) == [
        ("Interviewer", "interviewer", "Can you describe your last visit?"),
        ("Maja", "participant", "I went for seeds and came back with a lemon tree."),
        ("Interviewer", "interviewer", "Was anyone there to help?"),
        ("Maja", "participant", "Nobody at first. Then a very kind man in a green apron."),
    ]
    assert t.turns[2].start_s == 300.0


def test_zoom_vtt_names_in_cue_text() -> None:
    t = load_transcript(DATA / "zoom.vtt")
    assert rows(t) == [
        ("Researcher", "interviewer", "How do you usually pay your bills?"),
        (
            "Noor Haddad",
            "participant",
            "Mostly through the banking app. Sometimes I forget and pay the late fee.",
        ),
    ]


def test_teams_vtt_voice_tags() -> None:
    t = load_transcript(DATA / "teams.vtt")
    assert rows(t) == [
        ("Facilitator", "interviewer", "Tell me about the first delivery."),
        ("Chen Wei", "participant", "The box was crushed, but the plates inside were fine."),
    ]


def test_name_with_time_in_brackets() -> None:
    t = load_transcript(DATA / "timestamps.txt")
    assert [(turn.speaker, turn.role, turn.start_s) for turn in t.turns][:2] == [
        ("Moderator", "interviewer", 5.0),
        ("Sam", "participant", 9.0),
    ]


# --------------------------------------------------------------------------------------------- labels


def test_header_block_one_letter_labels_section_headings_and_italic_labels() -> None:
    t = load_transcript(DATA / "header_block.md")
    assert t.participant_id == "P04"  # from the header block
    assert rows(t) == [
        ("M", "interviewer", "Tell me a little about your commute."),
        ("P", "participant", "I cycle, unless it rains."),
        ("M", "interviewer", "And when it rains?"),
        ("P", "participant", "The bus, which is always late."),
        ("Kim", "interviewer", "Show me how you would plan tomorrow's trip."),  # named as moderator above
        ("P", "participant", "I open the map and look at the rain radar first."),
    ]
    assert all("2 May" not in turn.text and "WARM-UP" not in turn.text for turn in t.turns)


@pytest.mark.parametrize(
    "label",
    ["M", "I", "Q", "Mod", "mod", "Moderator", "Interviewer", "Researcher", "Facilitator", "**M:**", "*Q:*"],
)
def test_interviewer_labels_in_any_case_and_emphasis(tmp_path: Path, label: str) -> None:
    line = label if label.endswith(":*") or label.endswith(":**") else f"{label}:"
    t = load_transcript(
        write(tmp_path, "s.txt", f"{line} How was it?\nP: Fine.\n{line} Why?\nP: It just was.\n")
    )
    assert [turn.role for turn in t.turns] == ["interviewer", "participant"] * 2


@pytest.mark.parametrize(
    "label", ["P", "R", "A", "Participant", "Respondent", "P1", "Jonas", "**R:**", "_A:_"]
)
def test_participant_labels_in_any_case_and_emphasis(tmp_path: Path, label: str) -> None:
    line = label if label.endswith((":*", ":**", ":_")) else f"{label}:"
    t = load_transcript(
        write(tmp_path, "s.txt", f"Interviewer: How was it?\n{line} Fine.\nInterviewer: Why?\n{line} Ok.\n")
    )
    assert [turn.role for turn in t.turns] == ["interviewer", "participant"] * 2
    assert t.turns[1].text == "Fine."


def test_q_and_a_labels_on_one_line_and_on_two() -> None:
    t = load_transcript(DATA / "qa_pairs.txt")
    assert rows(t) == [
        ("Q", "interviewer", "Where do you keep your receipts?"),
        ("A", "participant", "In a shoebox under the bed."),
        ("Q", "interviewer", "Do you ever need them again?"),
        ("A", "participant", "Only at tax time, and then I can never find the right one."),
    ]


def test_companion_stays_a_distinct_participant_side_speaker() -> None:
    t = load_transcript(DATA / "companion.txt")
    assert t.participant_id == "P05"
    assert [(turn.speaker, turn.role) for turn in t.turns] == [
        ("Interviewer", "interviewer"),
        ("P05", "participant"),
        ("Partner", "participant"),
        ("P05", "participant"),
        ("Interviewer", "interviewer"),
        ("P05", "participant"),
    ]
    assert t.turns[2].text == "Two days late, and one was missing."
    assert main_speaker(t) == "P05"
    assert not any("group session" in w for w in inspect_transcript(DATA / "companion.txt").warnings)


def test_a_group_session_is_read_with_a_warning_that_it_counts_as_one_participant(tmp_path: Path) -> None:
    said = {
        "Anna": "I signed up on the website, but the form kept timing out.",
        "Ben": "The sign-up was fine for me, quite quick on the phone.",
        "Chloe": "I still have not signed up, the prices confused me.",
    }
    lines = ["Moderator: How did you sign up?", *(f"{name}: {text}" for name, text in said.items())]
    path = write(tmp_path, "group3.txt", "\n".join(lines) + "\n")
    t = load_transcript(path)
    assert [(turn.speaker, turn.role) for turn in t.turns[1:]] == [(name, "participant") for name in said]
    assert any(w.startswith("3 speakers each say 15% or more") for w in inspect_transcript(path).warnings)


# --------------------------------------------------------------------------------------------- notes


def test_dash_question_star_answer_notes() -> None:
    t = load_transcript(DATA / "dash_notes.md")
    assert t.kind == "notes"
    assert [(turn.role, turn.text) for turn in t.turns] == [
        ("interviewer", "How did you first hear about the service?"),
        ("participant", "A colleague mentioned it at lunch."),
        ("interviewer", "What did you expect?"),
        ("participant", "I thought it would be more expensive.\nIt was half of what I pay now."),
        ("interviewer", "What did you try first?"),
        ("interviewer", "Did you need any help?"),
        ("participant", "Only once, with the password reset."),
        ("interviewer", "How long did it take?"),
        ("participant", "About ten minutes, most of it waiting for the email."),
        ("interviewer", "Anything else you want to add?"),
        ("participant", "The chat window kept covering the form."),
    ]
    assert {turn.speaker for turn in t.participant_turns()} == {t.participant_id}
    assert inspect_transcript(DATA / "dash_notes.md").format == "Q&A notes"


def test_a_notetakers_short_prompt_before_a_colon_is_the_interviewers(tmp_path: Path) -> None:
    """`- What was hard: the forms` in notes: the prompt is the interviewer's, the rest the answer. A colon
    inside an answer and a long lead-in stay as they are; a line that is one bracketed note is the notetaker's,
    never part of an answer."""
    path = tmp_path / "P3.md"
    path.write_text(
        "- How do you check in? At the desk.\n"
        "- What was hard: the forms, every single time.\n"
        "- Thoughts: fine.\n"
        "- I have started recording. I'd like to confirm: yes.\n"
        "- [Researcher note: share the screen]\n"
        "- The one thing I would change about the whole visit if I could: the wait.\n",
        encoding="utf-8",
    )
    t = load_transcript(path)
    assert t.kind == "notes"
    assert [(turn.role, turn.text) for turn in t.turns] == [
        ("interviewer", "How do you check in?"),
        ("participant", "At the desk."),
        ("interviewer", "What was hard:"),
        ("participant", "the forms, every single time."),
        ("interviewer", "Thoughts:"),
        ("participant", "fine.\n- I have started recording. I'd like to confirm: yes."),
        ("interviewer", "[Researcher note: share the screen]"),
        ("participant", "The one thing I would change about the whole visit if I could: the wait."),
    ]


def test_a_guides_branch_for_the_moderator_is_the_interviewers(tmp_path: Path) -> None:
    """`If yes, probe on …` typed into the notes is the guide's branch, never the participant's words, whether it
    opens its line or follows a question on it; an answer after its questions or its colon stays the answer. A
    participant's "if not" or "if so" is speech."""
    path = tmp_path / "P4.md"
    path.write_text(
        "- Did you fill in a form first? If yes, probe on whether it was on paper: it came in the mail.\n"
        "- Do you use the kiosk? Yes, most days.\n"
        "    - If no…\n"
        "    - If yes,\n"
        "- [If no:] How would you find the dates? How long would it take? A few minutes, maybe more.\n"
        "- If no, you can file for mileage when you have an appointment.\n"
        "- Would you call them? If not, I would just go in. If so, I'd ask first.\n"
        "  - Skip if they described a kiosk in the intro. How was it? Good or bad?\n"
        "  - Probe: What doesn't make sense?\n"
        "- **If applicable, ask how they found out.**\n",
        encoding="utf-8",
    )
    t = load_transcript(path)
    assert [(turn.role, turn.text) for turn in t.turns] == [
        ("interviewer", "Did you fill in a form first?"),
        ("interviewer", "If yes, probe on whether it was on paper:"),
        ("participant", "it came in the mail."),
        ("interviewer", "Do you use the kiosk?"),
        ("participant", "Yes, most days."),
        ("interviewer", "If no…"),
        ("interviewer", "If yes,"),
        ("interviewer", "[If no:] How would you find the dates? How long would it take?"),
        ("participant", "A few minutes, maybe more."),
        ("interviewer", "If no, you can file for mileage when you have an appointment."),
        ("interviewer", "Would you call them?"),
        ("participant", "If not, I would just go in. If so, I'd ask first."),
        ("interviewer", "Skip if they described a kiosk in the intro. How was it? Good or bad?"),
        ("interviewer", "Probe: What doesn't make sense?"),
        ("interviewer", "If applicable, ask how they found out."),
    ]


def test_a_paragraph_of_notes_that_opens_with_a_short_topic_and_a_colon(tmp_path: Path) -> None:
    """Answer-only notes, `Challenges: One of the things …`: a capitalised topic of a few words that opens a
    paragraph is the notetaker's prompt; a colon later in a paragraph, or after a longer lead-in, is speech."""
    path = tmp_path / "P5.md"
    path.write_text(
        "# P5 notes\n\n"
        "How did you find it?\n\n"
        "I heard about it from a friend at church.\n\n"
        "Challenges: One of the things we had problems with is space in the house.\n\n"
        "The one thing I would tell the office about the whole process: call us back.\n\n"
        "Then it came: a letter saying no.\n",
        encoding="utf-8",
    )
    t = load_transcript(path)
    assert t.kind == "notes"
    assert [(turn.role, turn.text) for turn in t.turns] == [
        ("interviewer", "How did you find it?"),
        ("participant", "I heard about it from a friend at church."),
        ("interviewer", "Challenges:"),
        (
            "participant",
            "One of the things we had problems with is space in the house.\n\n"
            "The one thing I would tell the office about the whole process: call us back.\n\n"
            "Then it came: a letter saying no.",
        ),
    ]


@pytest.mark.parametrize("bullet", ["- ", "* ", "• ", "  - "])
def test_a_transcript_written_as_a_list_of_labelled_lines(tmp_path: Path, bullet: str) -> None:
    """`- Interviewer: …` / `- P4: …`: speaker labels behind list bullets, read as labelled turns (the label
    is never part of a turn's text), the participant's code taken from its label."""
    path = write(
        tmp_path,
        "session.md",
        f"{bullet}Interviewer: How did you first hear about the service?\n"
        f"{bullet}P4: A friend told me: it was cheaper than a car.\n"
        "  and that was it, really.\n"
        f"{bullet}Interviewer: And signing up?\n"
        f"{bullet}P4: Slow. The form kept timing out.\n",
    )
    t = load_transcript(path)
    assert t.kind != "notes" and t.participant_id == "P4"
    assert rows(t) == [
        ("Interviewer", "interviewer", "How did you first hear about the service?"),
        ("P4", "participant", "A friend told me: it was cheaper than a car.\n  and that was it, really."),
        ("Interviewer", "interviewer", "And signing up?"),
        ("P4", "participant", "Slow. The form kept timing out."),
    ]


def test_a_list_whose_labels_name_no_interviewer_stays_notes(tmp_path: Path) -> None:
    """Bulleted `Topic: …` lines that name no conversation (no interviewer role among them) are not speakers."""
    path = write(
        tmp_path,
        "P2.md",
        "- Kiosk: broken again, went to the desk.\n- Kiosk: worked the time before.\n"
        "- Travel pay: never filed.\n- Travel pay: too much paperwork.\n",
    )
    t = load_transcript(path)
    assert t.kind == "notes" and all(turn.speaker != "Kiosk" for turn in t.turns)
    assert t.participant_id == "P2"


def test_notes_whose_answers_name_who_said_them_in_bold(tmp_path: Path) -> None:
    """A numbered guide with each answer under its question as `- **Veteran:** …` (indented or not, the colon
    inside the bold or after it): the label is neither the question nor the answer's words; a bold `Note:`
    opening the notes is the notetaker's, never a speaker."""
    path = write(
        tmp_path,
        "p14.md",
        "**Note:** Notes begin after recording started.\n\n"
        "1. Can you tell me a little bit about yourself?\n"
        "    - **Veteran:** Was active duty and have been national guard since.\n"
        "2. Do you receive disability compensation from the VA?\n"
        "    - **Veteran**: Yes, I do.\n"
        "- Do you have any questions for me?\n"
        "    **Veteran:** Nope, it seems kind of foolproof.\n"
        "- **Moderator:** Anything else?\n"
        "    - **Veteran:** No.\n"
        # A labelled line right after an answer is an answer of its own, its label left out of it; a bulleted
        # line less indented than a labelled answer is the guide's next step, not more of the answer.
        "    - **Veteran:** Actually, I do have one more question about security.\n"
        "- Now click Cancel.\n"
        "    - **Veteran:** Done, the form closed.\n"
        "      - It took a second.\n",
    )
    t = load_transcript(path)
    assert t.kind == "notes"
    assert [(turn.role, turn.text) for turn in t.turns] == [
        ("interviewer", "Can you tell me a little bit about yourself?"),
        ("participant", "Was active duty and have been national guard since."),
        ("interviewer", "Do you receive disability compensation from the VA?"),
        ("participant", "Yes, I do."),
        ("interviewer", "Do you have any questions for me?"),
        ("participant", "Nope, it seems kind of foolproof."),
        ("interviewer", "Anything else?"),
        ("participant", "No."),
        ("participant", "Actually, I do have one more question about security."),
        ("interviewer", "Now click Cancel."),
        ("participant", "Done, the form closed.\n      - It took a second."),
    ]
    assert all(turn.speaker != "Note" for turn in t.turns)


def test_notes_typed_into_the_guide_with_answers_as_markdown_quotes(tmp_path: Path) -> None:
    """Answers set apart as quotes under each guide question (`> …`, whatever they ask), the moderator's remarks
    among them under their plain label after HTML line breaks (`<br><br>M: …`), and a template's unfilled
    `NOTES` placeholder, which is no answer."""
    path = write(
        tmp_path,
        "p10.md",
        "* Have you used the website before?\n> Yes\n\n"
        "* Have you ever filed a claim?\n> M: Sounds like you have filed before\n\n"
        "* Have you uploaded files?\n> NOTES\n\n"
        "* Do you know what this page is?\n"
        "> So create an account? Is that what you want me to do?<br> I see a 404 page.\n"
        "<br><br>M: So you got a 404\n"
        "<br><br>Site was down for maintenance\n",
    )
    t = load_transcript(path)
    assert [(turn.role, turn.text) for turn in t.turns] == [
        ("interviewer", "Have you used the website before?"),
        ("participant", "Yes"),
        ("interviewer", "Have you ever filed a claim?"),
        ("interviewer", "Sounds like you have filed before"),
        ("interviewer", "Have you uploaded files?"),
        ("interviewer", "Do you know what this page is?"),
        ("participant", "So create an account? Is that what you want me to do?\nI see a 404 page."),
        ("interviewer", "So you got a 404"),
        ("participant", "Site was down for maintenance"),
    ]


def test_a_labelled_line_the_notes_template_left_unfilled_is_no_turn(tmp_path: Path) -> None:
    """ "**Participant:** Notes here" is where the notetaker wrote nothing: no one's words. A participant's own
    short answer stays."""
    path = write(
        tmp_path,
        "p4.md",
        "**Moderator:** Are you comfortable if I record the session?\n\n**Participant:** Notes here\n\n"
        "**Moderator:** How often do you visit the site?\n\n**Participant:** Add notes here\n\n"
        "**Moderator:** Did you find the clinic?\n\n**Participant:** No, the notes on the page were wrong.\n",
    )
    t = load_transcript(path)
    assert [(turn.role, turn.text) for turn in t.turns] == [
        ("interviewer", "Are you comfortable if I record the session?"),
        ("interviewer", "How often do you visit the site?"),
        ("interviewer", "Did you find the clinic?"),
        ("participant", "No, the notes on the page were wrong."),
    ]


def test_an_html_line_break_is_a_line_break_in_what_was_said_not_words(tmp_path: Path) -> None:
    """`<br/>` at a line's end or inside it (notes exported from a wiki or a table) is never quoted; a turn that
    held nothing else is none."""
    path = write(
        tmp_path,
        "p3.md",
        "**M:** Do you log in? <br/>\n**P:** Yes. I always log in. <br/>\n"
        "**M:** Why? <br/>\n**P:** This is easier to look at. <br/> I like the menu on the left.<BR>\n"
        "**M:** <br/>\n**M:** And the claims page?\n**P:** Fine.\n",
    )
    assert [(turn.role, turn.text) for turn in load_transcript(path).turns] == [
        ("interviewer", "Do you log in?"),
        ("participant", "Yes. I always log in."),
        ("interviewer", "Why?"),
        ("participant", "This is easier to look at.\nI like the menu on the left."),
        ("interviewer", "And the claims page?"),
        ("participant", "Fine."),
    ]


def test_a_paragraph_that_asks_after_an_answer_is_the_interviewers_next_question(tmp_path: Path) -> None:
    """Notes written as plain paragraphs: the moderator's follow-up, several sentences that end by asking, is
    not more of the answer; a line of the answer itself that asks is still the participant's."""
    path = write(
        tmp_path,
        "p6.md",
        "What do you use the site for?\n\n"
        "Mostly prescriptions. Is that what you mean?\nI also check my messages.\n\n"
        "Okay. There's one more thing I want to show you. Does this line up with what you'd expect?\n\n"
        "Not really, it feels like the health page.\n\n"
        "What about other times you've gone on the site\n\n"
        "To check on a claim.\n",
    )
    assert [(turn.role, turn.text) for turn in load_transcript(path).turns] == [
        ("interviewer", "What do you use the site for?"),
        ("participant", "Mostly prescriptions. Is that what you mean?\nI also check my messages."),
        (
            "interviewer",
            "Okay. There's one more thing I want to show you. Does this line up with what you'd expect?",
        ),
        ("participant", "Not really, it feels like the health page."),
        # put as a question, its mark left off
        ("interviewer", "What about other times you've gone on the site"),
        ("participant", "To check on a claim."),
    ]


def test_a_timed_piece_keeps_its_words_when_html_breaks_leave_its_turn() -> None:
    text = "Hello there. <br/> Next bit here. And <br> more."
    turn = Draft(
        "P1", text, segments=[Segment(start=0, end=12), Segment(start=19, end=33), Segment(start=34, end=48)]
    )
    without_html_breaks(turn)
    assert turn.text == "Hello there.\nNext bit here. And\nmore."
    assert [turn.text[s.start : s.end] for s in turn.segments] == [
        "Hello there.",
        "Next bit here.",
        "And\nmore.",
    ]


def test_a_dot_inside_a_word_ends_no_question_in_notes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p4.md",
        "Do you remember the last time you visited VA.gov?\n\nIt was last week, to check on a claim.\n\n"
        "What did you look for on example.org?\n\nMy payments.\n",
    )
    assert [(turn.role, turn.text) for turn in load_transcript(path).turns] == [
        ("interviewer", "Do you remember the last time you visited VA.gov?"),
        ("participant", "It was last week, to check on a claim."),
        ("interviewer", "What did you look for on example.org?"),
        ("participant", "My payments."),
    ]


def test_the_research_teams_own_remarks_are_never_the_participants(tmp_path: Path) -> None:
    """`Notetaker: …` inside a caption export that names no one, `Observer: …` after a participant's turn, and
    `**Note**: …` in notes are the team's: interviewer-side turns, and the speech around them goes on."""
    captions = (
        "00:00:02.000 --> 00:00:08.000\nDo you recall receiving paperwork as you left?\n\n"
        "00:00:08.000 --> 00:00:11.000\nI did receive a piece of paper.\n"
        "Notetaker: Participant does not recall receiving a summary.\n\n"
        "00:00:11.000 --> 00:00:13.000\nIt only had the next appointment on it.\n"
    )
    transcript = (
        "Moderator: Where are you based?\n\nParticipant 12: Montana.\n"
        "Observer: Hi, I can quickly say hello.\n\nModerator: Thank you. And the form?\n\n"
        "Participant 12: It was tricky.\n"
    )
    notes = "- How did you find it?\n- A friend told me.\n\n**Note**: We may do this section first.\n\n- Why?\n- It was cheaper.\n"
    read = {
        name: [(turn.role, turn.text) for turn in load_transcript(write(tmp_path, name, text)).turns]
        for name, text in (("P2.txt", captions), ("P12.txt", transcript), ("P3.md", notes))
    }
    assert read["P2.txt"] == [
        ("interviewer", "Do you recall receiving paperwork as you left?"),
        ("participant", "I did receive a piece of paper."),
        ("interviewer", "Participant does not recall receiving a summary."),
        ("participant", "It only had the next appointment on it."),
    ]
    assert read["P12.txt"] == [
        ("interviewer", "Where are you based?"),
        ("participant", "Montana."),
        ("interviewer", "Hi, I can quickly say hello."),
        ("interviewer", "Thank you. And the form?"),
        ("participant", "It was tricky."),
    ]
    assert read["P3.md"] == [
        ("interviewer", "How did you find it?"),
        ("participant", "A friend told me."),
        ("interviewer", "We may do this section first."),
        ("interviewer", "Why?"),
        ("participant", "It was cheaper."),
    ]


def test_an_answer_over_several_bulleted_lines_is_one_stretch_of_the_file(tmp_path: Path) -> None:
    """The answer's later lines keep their bullets, so the turn, and any quote across its lines, is the file's
    own text (without them a quote across two bullets was in no file: the eval counted it fabricated)."""
    text = "1. **How did this meet your expectations?**\n- It was pretty good.\n\t- It lets you choose.\n"
    path = write(tmp_path, "P3.md", text)
    answer = load_transcript(path).participant_turns()[0].text
    assert answer == "It was pretty good.\n\t- It lets you choose."
    assert answer in path.read_text(encoding="utf-8")


def test_a_prompt_that_ends_with_a_dash_is_the_notetakers(tmp_path: Path) -> None:
    """`- Why- …`, `- Confusing- no`: some notetakers end their short prompt with a dash, not a colon; an answer's
    first word with a dash ("Yes- …") and a longer phrase are still the participant's."""
    text = (
        "1. **How did this meet your expectations?**\n- It was pretty good.\n\t- Why- It lets you choose.\n"
        "- Confusing- No, I think it is pretty straight.\n- Yes- it was on the second page.\n"
        "- I went back to the first one- it was quicker.\n"
    )
    turns = load_transcript(write(tmp_path, "P3.md", text)).turns
    assert [(t.role, t.text) for t in turns] == [
        ("interviewer", "How did this meet your expectations?"),
        ("participant", "It was pretty good."),
        ("interviewer", "Why-"),
        ("participant", "It lets you choose."),
        ("interviewer", "Confusing-"),
        (
            "participant",
            "No, I think it is pretty straight.\n- Yes- it was on the second page.\n"
            "- I went back to the first one- it was quicker.",
        ),
    ]


def test_the_teams_note_in_parentheses_is_not_the_participants(tmp_path: Path) -> None:
    """`(Sam's note: …)` after an answer, inside it or on a line of its own is what the notetaker saw or
    thought, and so is a line that is one note in parentheses; a participant's own "note:" and an observation
    before what the participant said stay as they were."""
    text = (
        "1. **What happened when you saved?**\n"
        "- Nothing is happening, updated. (Sam's notes: Took a few seconds to update)\n"
        "- It would take us (Sam's note: not sure what he meant (the form)). Well, I can click it.\n"
        "- (Note: he had used the old site before)\n"
        "- (Clicks update) I'd note: it was fine.\n"
        "- (Looks in the menu and doesn't see it)\n"
        "- (No response)\n"
    )
    turns = load_transcript(write(tmp_path, "P3.md", text)).turns
    assert [(t.role, t.text) for t in turns] == [
        ("interviewer", "What happened when you saved?"),
        ("participant", "Nothing is happening, updated."),
        ("interviewer", "(Sam's notes: Took a few seconds to update)"),
        ("participant", "It would take us"),
        ("interviewer", "(Sam's note: not sure what he meant (the form))"),
        ("participant", "Well, I can click it."),
        ("interviewer", "(Note: he had used the old site before)"),
        ("participant", "(Clicks update) I'd note: it was fine."),
        # A line that is one note in parentheses is what the notetaker saw, or did not get down.
        ("interviewer", "(Looks in the menu and doesn't see it)"),
        ("interviewer", "(No response)"),
    ]


def test_a_dash_prompt_after_the_notetakers_remark_is_the_notetakers(tmp_path: Path) -> None:
    text = "1. **Where would you go first?**\n- The profile.\n- (Opens the settings menu) Why- It says account.\n"
    turns = load_transcript(write(tmp_path, "P3.md", text)).turns
    assert [(t.role, t.text) for t in turns][-2:] == [
        ("interviewer", "(Opens the settings menu) Why-"),
        ("participant", "It says account."),
    ]


def test_bold_question_headings_with_answer_paragraphs() -> None:
    t = load_transcript(DATA / "question_headings.md")
    assert t.kind == "notes"
    assert [(turn.role, turn.text) for turn in t.turns] == [
        ("interviewer", "How often do you buy bread here?"),
        (
            "participant",
            "Twice a week, usually on my way home.\n\nOn Saturdays I bring my son, he likes the cinnamon rolls.",
        ),
        ("interviewer", "What would make you come more often?"),
        ("participant", "Opening earlier. I leave for work at seven."),
    ]


def test_docx_bold_question_paragraphs(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph().add_run("What did you order last?").bold = True
    document.add_paragraph("A lamp, it came broken.")
    document.add_paragraph().add_run("Did you return it?").bold = True
    document.add_paragraph("Yes, the courier collected it.")
    path = tmp_path / "P2 notes.docx"
    document.save(str(path))
    t = load_transcript(path)
    assert t.participant_id == "P2"
    assert [(turn.role, turn.text) for turn in t.turns] == [
        ("interviewer", "What did you order last?"),
        ("participant", "A lamp, it came broken."),
        ("interviewer", "Did you return it?"),
        ("participant", "Yes, the courier collected it."),
    ]


def test_docx_tables_of_timed_turns_and_of_questions_and_answers(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Interview 3, kept in a table.")
    table = document.add_table(rows=1, cols=3)
    for cell, title in zip(table.rows[0].cells, ["Time", "Speaker", "Text"], strict=True):
        cell.text = title  # column titles, not a turn
    for name, start, text in _SAID:
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text = f"00:00:{int(start):02d}", name, text
    path = tmp_path / "P3.docx"
    document.save(str(path))
    t = load_transcript(path)
    assert [(x.speaker, x.start_s, x.text) for x in t.turns] == _SAID
    notes = docx.Document()
    table = notes.add_table(rows=0, cols=2)
    for question, answer in [
        ("How did you book?", "Online, it took two minutes."),
        ("Anything else?", "No."),
    ]:
        row = table.add_row().cells
        row[0].text, row[1].text = question, answer
    path = tmp_path / "P4.docx"
    notes.save(str(path))
    t = load_transcript(path)
    assert (t.kind, [(x.role, x.text) for x in t.turns]) == (
        "notes",
        _NOTES_READ,
    )


def test_file_without_labels_is_read_as_participant_notes_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    t = load_transcript(DATA / "unlabelled.txt")
    assert t.kind == "notes"
    assert [turn.role for turn in t.turns] == ["participant", "participant"]
    assert t.turns[0].text.startswith("She collects")  # the title line is not a turn
    assert "read as the participant's notes" in caplog.text
    report = inspect_transcript(DATA / "unlabelled.txt")
    assert report.format == "unlabelled notes" and report.warnings


def test_vtt_without_speakers_is_read_as_notes(tmp_path: Path) -> None:
    path = write(tmp_path, "P1.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nno speaker here\n")
    t = load_transcript(path)
    assert (t.kind, rows(t)) == ("notes", [("P1", "participant", "no speaker here")])


def test_captions_that_name_no_one_give_the_cues_that_ask_to_the_interviewer(tmp_path: Path) -> None:
    """A cleaned caption export with no names (time range, then the words): a cue that ends with a question
    is the interviewer's, and so is one that opens a section the notetaker marked; consecutive cues of one
    side are one turn, each cue a segment."""
    text = (
        "Participant 2 Cleaned Transcript\n\n"
        "00:00:02.000 --> 00:00:08.000\nCan you confirm on the record that you are comfortable?\n\n"
        "00:00:08.000 --> 00:00:11.000\nYes, yes, I am.\n\n"
        "00:00:13.000 --> 00:00:22.000\nDo you recall receiving paperwork as you left?\n\n"
        "00:00:33.000 --> 00:00:45.000\nI did receive a piece of paper.\n\n"
        "00:00:45.000 --> 00:00:46.000\nIt had no notes about the visit.\n\nTask 1\n"
        "00:00:47.000 --> 00:00:52.000\nOkay, now I'm going to send you a link to the prototype.\n\n"
        "00:00:53.000 --> 00:00:55.000\nOkay. I see it. Thank You\n"
    )
    path = write(tmp_path, "P2.txt", text)
    t = load_transcript(path)
    assert (t.kind, [(turn.role, turn.text) for turn in t.turns]) == (
        "notes",
        [
            ("interviewer", "Can you confirm on the record that you are comfortable?"),
            ("participant", "Yes, yes, I am."),
            ("interviewer", "Do you recall receiving paperwork as you left?"),
            ("participant", "I did receive a piece of paper. It had no notes about the visit."),
            # A section heading typed in between cues is left out; the cue it opens is the moderator's.
            ("interviewer", "Okay, now I'm going to send you a link to the prototype."),
            ("participant", "Okay. I see it. Thank You"),
        ],
    )
    assert [(s.start_s, s.end_s) for s in t.turns[3].segments] == [(33.0, 45.0), (45.0, 46.0)]
    assert (
        "a cue that ends with a question or steers the session ('I'm going to have you …') is read as the "
        "interviewer's" in inspect_transcript(path).warnings[0]
    )


# --------------------------------------------------------------------------------------------- roles and ids


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("participant-4-notes.md", "P4"),
        ("052023_participant2_transcripts.md", "P2"),
        ("Respondent 12 notes.txt", "P12"),
        ("01_P03_participant7.txt", "P03"),
        ("nonparticipant3.txt", None),
        ("participants.md", None),
    ],
)
def test_a_participant_number_spelled_out_in_the_file_name(name: str, code: str | None) -> None:
    assert file_code(Path(name)) == code


def test_participant_id_from_a_code_in_the_file_name() -> None:
    t = load_transcript(DATA / "01_P03_transcript_clean.txt")
    assert t.participant_id == "P03"
    assert {turn.speaker for turn in t.participant_turns()} == {"Sam"}


def test_interviewer_guessed_from_questions_then_fixed_by_override(tmp_path: Path) -> None:
    guessed = inspect_transcript(DATA / "names_only.txt")
    assert {s.speaker: s.role for s in guessed.speakers} == {"Kim": "interviewer", "Dana": "participant"}
    assert any("Kim" in w for w in guessed.warnings)
    fixed = load_transcript(DATA / "names_only.txt", interviewers=["dana"])
    assert {turn.speaker: turn.role for turn in fixed.turns} == {"Kim": "participant", "Dana": "interviewer"}


def test_interviewer_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CJGEN_INTERVIEWER", "Tomas Berg, someone else")
    t = load_transcript(DATA / "otter.txt")
    assert [turn.role for turn in t.turns] == ["participant", "interviewer"] * 2


def test_inspect_warns_about_participant_questions(tmp_path: Path) -> None:
    source = "".join(f"P1: Question {n}?\nP1: More?\n" for n in range(3))
    report = inspect_transcript(write(tmp_path, "P1.txt", source))
    assert report.words_by_role["interviewer"] == 0
    assert any("no interviewer" in w for w in report.warnings)
    assert any("end with '?'" in w for w in report.warnings)


# --------------------------------------------------------------------------------------------- limits


def _expect_error(path: Path, problem: str) -> None:
    with pytest.raises(InputError) as info:
        load_transcript(path)
    assert info.value.where == str(path)
    assert problem in info.value.problem
    assert "\n" not in str(info.value)


def test_file_over_the_byte_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    _expect_error(write(tmp_path, "P1.txt", "P1: " + "word " * 50), "limit per file")


def test_text_over_the_character_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_TEXT_CHARS", 100)
    _expect_error(write(tmp_path, "P1.txt", "P1: " + "word " * 50), "characters of text")


def test_docx_that_unpacks_too_far(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w>" + " " * 2_000_000 + "</w>")
    path = tmp_path / "P1.docx"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(files, "MAX_DOCX_UNPACKED_BYTES", 1_000_000)
    _expect_error(path, "limit for a .docx")


def test_too_many_turns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cjgen.ingest import transcript

    monkeypatch.setattr(transcript, "MAX_TURNS", 10)
    _expect_error(write(tmp_path, "P1.txt", "I: Hi?\nP1: Hi.\n" * 6), "turns, over the 10 limit")


def test_deeply_nested_json_is_refused_without_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "P1.json"
    path.write_text("[" * 3000 + "]" * 3000)
    _expect_error(path, f"deeper than {MAX_JSON_DEPTH} levels")
    brackets_in_strings = json.dumps([{"speaker": "P1", "text": "[" * 3000}])
    assert load_transcript(write(tmp_path, "P2.json", brackets_in_strings)).turns[0].text == "[" * 3000


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "P1.json", f'[{{"speaker": "P1", "text": "hi", "start": {value}}}]')
    with pytest.raises(InputError) as info:
        load_transcript(path)
    assert "finite" in info.value.problem


def test_one_huge_turn_is_split_into_pieces_of_the_original_text(tmp_path: Path) -> None:
    sentences = [f"Sentence number {n} says a little more about the day." for n in range(400)]
    body = " ".join(sentences[:200]) + "\n\n" + " ".join(sentences[200:])
    t = load_transcript(write(tmp_path, "P1.txt", f"Interviewer: Tell me everything.\nP1: {body}\n"))
    pieces = t.participant_turns()
    assert len(pieces) >= 4
    assert all(len(p.text.split()) <= MAX_TURN_WORDS for p in pieces)
    assert all(p.text in body and p.text == p.text.strip() for p in pieces)
    assert "".join(p.text for p in pieces).replace(" ", "").replace("\n", "") == body.replace(
        " ", ""
    ).replace("\n", "")
    assert all(p.text.endswith(".") for p in pieces)  # cut between sentences


def test_role_with_the_person_in_brackets(tmp_path: Path) -> None:
    source = "Interviewer (Kim): Where did you start?\nParticipant (P4): At the help page.\n"
    t = load_transcript(write(tmp_path, "session.txt", source))
    assert rows(t) == [
        ("Interviewer (Kim)", "interviewer", "Where did you start?"),
        ("Participant (P4)", "participant", "At the help page."),
    ]
    assert t.participant_id == "P4"


def test_a_long_subtitle_turn_is_split_between_cues(tmp_path: Path) -> None:
    cues = [
        f"00:{n * 2 // 60:02d}:{n * 2 % 60:02d}.000 --> 00:{(n * 2 + 2) // 60:02d}:{(n * 2 + 2) % 60:02d}.000\n"
        f"<v P1>cue {n} has a few words in it, seven or so.</v>\n"
        for n in range(300)
    ]
    t = load_transcript(write(tmp_path, "P1.vtt", "WEBVTT\n\n" + "\n".join(cues)))
    assert len(t.turns) == 4
    assert sum(len(turn.segments) for turn in t.turns) == 300
    for turn in t.turns:
        assert len(turn.text.split()) <= MAX_TURN_WORDS
        assert all(turn.text[s.start : s.end].startswith("cue ") for s in turn.segments)
        assert (turn.start_s, turn.end_s) == (turn.segments[0].start_s, turn.segments[-1].end_s)


def test_a_first_turn_that_looks_like_a_name_is_still_a_turn(tmp_path: Path) -> None:
    source = "Interviewer: Welcome\nParticipant: Thanks\nInterviewer: How was it?\nParticipant: Fine.\n"
    t = load_transcript(write(tmp_path, "s.txt", source))
    assert [turn.text for turn in t.turns] == ["Welcome", "Thanks", "How was it?", "Fine."]


def test_a_title_before_the_first_label_is_reported_by_inspect() -> None:
    assert any("left out as a title" in w for w in inspect_transcript(DATA / "meet.txt").warnings)


def test_roles_named_in_brackets_after_a_name(tmp_path: Path) -> None:
    source = (
        "Kim (moderator): Who books the appointments?\n"
        "P8: I do, mostly.\n"
        "Maria (carer): Unless he forgets, then I do.\n"
        "Kim (moderator): And online?\n"
        "P8: Never online.\n"
    )
    t = load_transcript(write(tmp_path, "visit.txt", source))
    assert [(turn.speaker, turn.role) for turn in t.turns] == [
        ("Kim (moderator)", "interviewer"),
        ("P8", "participant"),
        ("Maria (carer)", "participant"),
        ("Kim (moderator)", "interviewer"),
        ("P8", "participant"),
    ]
    assert t.participant_id == "P8"


def test_captions_that_name_no_one_give_a_cue_that_steers_the_session_to_the_interviewer(
    tmp_path: Path,
) -> None:
    """A task given, a move to the next part or the session's pace ("I'm going to have you scroll down", "please
    review …", "a few more questions") is the moderator's, whatever it ends with; the participant's "let's see"
    and "I'm going to click it" are theirs."""
    text = (
        "00:00:02.000 --> 00:00:05.000\nWhat did you think of the summary?\n\n"
        "00:00:05.000 --> 00:00:09.000\nIt was clear. Let's see, I'm going to click on it.\n\n"
        "00:00:09.000 --> 00:00:14.000\nNow I'm going to have you scroll down to the section on medications.\n\n"
        "00:00:14.000 --> 00:00:18.000\nThat's where I would expect my new prescriptions.\n\n"
        "00:00:18.000 --> 00:00:22.000\nOkay, please review all the information and share your impressions.\n\n"
        "00:00:22.000 --> 00:00:25.000\nI like the way it's laid out.\n\n"
        "00:00:25.000 --> 00:00:28.000\nGreat, just a few more questions. And then we're almost done.\n\n"
        "00:00:28.000 --> 00:00:31.000\nSure, no rush at all from my side.\n"
    )
    t = load_transcript(write(tmp_path, "P2.txt", text))
    assert [turn.role for turn in t.turns] == ["interviewer", "participant"] * 4
    assert t.turns[1].text == "It was clear. Let's see, I'm going to click on it."


def test_zoom_caption_text_with_bracketed_names_and_times() -> None:
    t = load_transcript(DATA / "zoom_captions.txt", interviewers=["Ines Moreau"])
    assert rows(t) == [
        ("Ines Moreau", "interviewer", "Thanks for joining. How do you usually get to work?"),
        ("Olu Bakare", "participant", "By tram, it takes twenty minutes."),
        ("Ines Moreau", "interviewer", "And when the tram is down?"),
        ("Olu Bakare", "participant", "I walk [laughs] or I just stay home."),
    ]
    assert t.turns[1].start_s == 9 * 3600 + 30 * 60 + 9


def test_one_lone_word_colon_line_in_notes_is_text(tmp_path: Path) -> None:
    source = "She pays by card.\n\nSummary: wants fewer steps at checkout.\n"
    t = load_transcript(write(tmp_path, "P6.txt", source))
    assert (t.kind, [turn.text for turn in t.turns]) == (
        "notes",
        ["She pays by card.", "Summary: wants fewer steps at checkout."],
    )


@pytest.mark.parametrize(
    ("line", "question", "answer"),
    [
        ("- How did it go? *Fine, mostly.", "How did it go?", "Fine, mostly."),
        ("-How did it go?* Fine.", "How did it go?", "Fine."),
        ("- How did it go? Fine.", "How did it go?", "Fine."),
        ("- How did it go?: fine", "How did it go?", "fine"),
        ("*How did it go? Fine.", "How did it go?", "Fine."),
        ("Pricing: *Too high for me.", "Pricing:", "Too high for me."),
        ("  - What else?", "What else?", None),
        ("- Did you like it? *laughs* Yes.", "Did you like it?", "*laughs* Yes."),
        ("I said: *sigh* and left.", None, "I said: *sigh* and left."),
        ("- In 2019 I moved. Why? Work.", None, "In 2019 I moved. Why? Work."),
        ("* Then it broke again.", None, "Then it broke again."),
        ("He asked me “why bother?” and left.", None, "He asked me “why bother?” and left."),
        ("**Did you apply online?** Yes, last May.", "Did you apply online?", "Yes, last May."),
        ("- __Why?__ *Too slow.*", "Why?", "Too slow."),
        # The notetaker's mark for an answer is theirs, not what was said, and so is emphasis around all of it.
        ("**Is recording okay?** *Response:  Sure, no problem.*", "Is recording okay?", "Sure, no problem."),
        ("*Response: Only now and then.", None, "Only now and then."),
        ("- Answer: yes", None, "yes"),
        ("- My answer: no way.", None, "My answer: no way."),
        # A notetaker's bracketed prompt is all question, its closing bracket too.
        ("- [How do they search?] This is nice.", "[How do they search?]", "This is nice."),
        ("- (Why did you stop?) Too slow.", "(Why did you stop?)", "Too slow."),
        # ... its emphasis closed inside the bracket too, and a guide's stage note in italics inside a question.
        (
            "- (*Did you know you could?*) I tried, it failed.",
            "(*Did you know you could?*)",
            "I tried, it failed.",
        ),
        ("2. **(*On Profile*) How would you change it?**", "(*On Profile*) How would you change it?", None),
        ("2. **Do you get benefits? Which ones?**", "Do you get benefits? Which ones?", None),
        ("May I ask which benefits?**", "May I ask which benefits?", None),
        ("**It broke.** Why? Cheap parts.", None, "**It broke.** Why? Cheap parts."),
        # A guide's question put two ways is one question: a notes answer is never only questions back.
        (
            "3. How might it have been better? Any challenges?",
            "How might it have been better? Any challenges?",
            None,
        ),
        ("- Is it clear? Why or why not?", "Is it clear? Why or why not?", None),
        ("- Is it clear? Why? Yes, very.", "Is it clear?", "Why? Yes, very."),
        # A space may stand before the mark that closes an answer's emphasis.
        ("1. **It worked really well. **", None, "It worked really well."),
    ],
)
def test_notes_line_split_into_question_and_answer(
    line: str, question: str | None, answer: str | None
) -> None:
    qa = parse_qa(line)
    assert (qa.question and line[qa.question[0] : qa.question[1]]) == question
    assert (qa.answer and line[qa.answer[0] : qa.answer[1]]) == answer


@pytest.mark.parametrize("value", ["1" + "0" * 400, "1" + "0" * 5000, "-3"])
def test_times_out_of_range_are_refused_in_one_line(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "P1.json", f'[{{"speaker": "P1", "text": "hi", "start": {value}}}]')
    _expect_error(path, "seconds")


_NOTES_READ = [
    ("interviewer", "How did you book?"),
    ("participant", "Online, it took two minutes."),
    ("interviewer", "Anything else?"),
    ("participant", "No."),
]
_SAID = [
    ("Interviewer", 5.0, "How did you first apply for the benefit?"),
    ("Mary Jones", 12.0, "I filled in the form online, but it did not fit my situation."),
    ("Interviewer", 25.0, "What happened next?"),
    ("Mary Jones", 30.0, "Nothing for six weeks."),
]


@pytest.mark.parametrize(
    ("style", "turn"),
    [
        ("name and time, a dash between", "{name} - 00:00:{s:02d}\n{text}\n"),
        ("name and time, a bar between", "{name} | 00:{s:02d}\n{text}\n"),
        ("time first, in brackets", "[00:00:{s:02d}] {name}\n{text}\n"),
        ("time range before the label", "00:00:{s:02d} - 00:00:{e:02d} {name}: {text}"),
        ("time after the label's colon", "{name}: [00:00:{s:02d}] {text}\n"),
        ("time in brackets after the name", "{name} (00:00:{s:02d}):\n{text}\n"),
        ("name and time in square brackets", "{name} [00:00:{s:02d}]\n{text}\n"),
        ("bold name and time", "**{name}** (00:{s:02d})\n{text}\n"),
        ("name, comma, time", "{name}, 00:00:{s:02d}\n{text}\n"),
    ],
)
def test_timestamped_exports_of_transcription_tools(tmp_path: Path, style: str, turn: str) -> None:
    text = "\n".join(turn.format(name=n, s=int(s), e=int(s) + 3, text=t) for n, s, t in _SAID)
    t = load_transcript(write(tmp_path, "P3.txt", text))
    assert [(x.speaker, x.start_s, x.text) for x in t.turns] == _SAID, style
    assert [x.role for x in t.turns] == ["interviewer", "participant"] * 2


def test_captions_that_open_with_a_time_and_a_short_remark_name_no_speaker(tmp_path: Path) -> None:
    lines = [
        "[00:00:01] So tell me about the form you filled in last spring.",
        "[00:00:04] Yeah",
        "[00:00:05] It was long and it did not ask about my situation at all.",
        "[00:00:09] Okay",
        "[00:00:10] Yeah",
        "[00:00:12] And then nothing happened for six weeks.",
    ]
    t = load_transcript(write(tmp_path, "P3.txt", "\n".join(lines) + "\n"))
    assert not {"Yeah", "Okay"} & {x.speaker for x in t.turns}


_UTTERANCES = [
    ("How did you first apply for the benefit?", 5.0, 9.0),
    ("I filled in the form online, but it did not fit my situation.", 12.0, 20.0),
    ("What happened next?", 25.0, 27.0),
    ("Nothing for six weeks.", 30.0, 33.5),
]


@pytest.mark.parametrize(
    ("shape", "form"),
    [
        ("assemblyai", "JSON utterances (AssemblyAI)"),
        ("deepgram", "JSON utterances (Deepgram)"),
        ("whisperx", "JSON segments (WhisperX)"),
    ],
)
def test_diarised_json_of_speech_to_text_services(tmp_path: Path, shape: str, form: str) -> None:
    speakers = {"assemblyai": ["A", "B"], "deepgram": [0, 1], "whisperx": ["SPEAKER_00", "SPEAKER_01"]}[shape]
    unit = 1000 if shape == "assemblyai" else 1  # AssemblyAI gives milliseconds
    rows = [
        {"speaker": speakers[n % 2], "text": f" {text}", "start": int(start * unit), "end": end * unit}
        for n, (text, start, end) in enumerate(_UTTERANCES)
    ]
    body: dict[str, object] = {
        "assemblyai": {"id": "abc", "status": "completed", "utterances": rows},
        "deepgram": {"metadata": {}, "results": {"utterances": rows}},
        "whisperx": {"segments": rows, "language": "en"},
    }[shape]
    path = write(tmp_path, "P3.json", json.dumps(body))
    t = load_transcript(path)
    assert [(x.text, x.start_s, x.end_s) for x in t.turns] == _UTTERANCES
    assert [x.role for x in t.turns] == [
        "interviewer",
        "participant",
    ] * 2  # the one asking is the interviewer
    assert not {x.speaker for x in t.turns} & {"A", "B", "0", "1"}
    assert inspect_transcript(path).format == form


def test_a_speakers_name_alone_on_the_line_above_their_words(tmp_path: Path) -> None:
    text = "\n\n".join(f"{name}\n{said}" for name, _, said in _SAID) + "\n"
    t = load_transcript(write(tmp_path, "P3.txt", text))
    assert inspect_transcript(tmp_path / "P3.txt").format == "speaker name lines"
    assert [(x.speaker, x.text) for x in t.turns] == [(name, said) for name, _, said in _SAID]
    assert [x.role for x in t.turns] == ["interviewer", "participant"] * 2
    # Headings that open a section each, once, name no speaker.
    notes = "Background\nShe books for her mother.\n\nBooking\nOnline, it took two minutes.\n"
    t = load_transcript(write(tmp_path, "P4.txt", notes))
    assert {x.speaker for x in t.turns} == {"P4"}


def test_a_pdf_export_reads_as_turns_without_its_page_headers_and_footers(tmp_path: Path) -> None:
    pages = [
        [
            "Interview 3 - exported transcript",
            "Interviewer  0:05",
            _SAID[0][2],
            "Mary Jones  0:12",
            _SAID[1][2],
        ],
        ["Interview 3 - exported transcript", "Interviewer  0:25", _SAID[2][2], "Page 2 of 3"],
        ["Interview 3 - exported transcript", "Mary Jones  0:30", _SAID[3][2], "3"],
    ]
    path = tmp_path / "P3.pdf"
    path.write_bytes(pdf_of(pages))
    t = load_transcript(path)
    assert [(x.speaker, x.start_s, x.text) for x in t.turns] == _SAID
    assert inspect_transcript(path).format == "PDF, speaker and time lines (Otter, Teams)"
    brief = tmp_path / "brief.pdf"
    brief.write_bytes(pdf_of([["We help people claim a benefit online."]]))
    assert load_brief(brief).text == "We help people claim a benefit online."


@pytest.mark.parametrize(
    ("content", "problem"),
    [(pdf_of([[]]), "no text layer"), (b"%PDF-1.4\nnot really a pdf", "not a readable PDF")],
)
def test_a_pdf_with_no_text_or_broken_is_one_clear_error(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "P3.pdf"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem) as caught:
        load_transcript(path)
    assert caught.value.where == str(path)


def test_a_speakers_consecutive_lines_are_one_turn_with_a_segment_each(tmp_path: Path) -> None:
    """Captions written out line by line label every line, and cut one sentence across two."""
    lines = [
        "00:00:05 Interviewer: How did you first apply for the benefit?",
        "00:00:12 Mary Jones: I filled in the form online, but you know, if",
        "00:00:15 Mary Jones: it did not fit my situation at all.",
        "00:00:25 Interviewer: What happened next?",
    ]
    t = load_transcript(write(tmp_path, "P3.txt", "\n".join(lines) + "\n"))
    assert [x.speaker for x in t.turns] == ["Interviewer", "Mary Jones", "Interviewer"]
    answer = t.turns[1]
    assert answer.text == "I filled in the form online, but you know, if it did not fit my situation at all."
    assert [(answer.text[s.start : s.end], s.start_s) for s in answer.segments] == [
        ("I filled in the form online, but you know, if", 12.0),
        ("it did not fit my situation at all.", 15.0),
    ]
    assert (answer.start_s, t.turns[2].start_s) == (12.0, 25.0)


# --------------------------------------------------------------------------------------------- tables


@pytest.mark.parametrize(
    ("name", "header", "row"),
    [
        ("P3.csv", "Speaker,Start Time,Text", '{name},00:00:{start:02d},"{text}"'),
        ("P3.csv", "start_time (s);speaker name;transcript", '{start};{name};"{text}"'),
        ("P3.tsv", "Speaker\tStart\tUtterance", "{name}\t{start}\t{text}"),
    ],
)
def test_a_table_of_turns_with_speaker_time_and_text_columns(
    tmp_path: Path, name: str, header: str, row: str
) -> None:
    lines = [header] + [row.format(name=n, start=int(s), text=text) for n, s, text in _SAID]
    t = load_transcript(write(tmp_path, name, "\n".join(lines) + "\n"))
    assert [(x.speaker, x.role, x.start_s, x.text) for x in t.turns] == [
        (n, "interviewer" if n == "Interviewer" else "participant", s, text) for n, s, text in _SAID
    ]
    assert (t.kind, t.participant_id) == ("verbatim", "P3")
    assert inspect_transcript(tmp_path / name).format == "table of turns (speaker, text)"


def test_a_tables_rows_without_a_name_continue_the_speaker_above(tmp_path: Path) -> None:
    """Exports name the speaker on a turn's first row; a quoted cell may hold a line break and a comma."""
    table = (
        "speaker,start,end,text\n"
        "Interviewer,1,4,How did you book?\n"
        'Ana,5,9,"Online, on my phone.\nIt took two minutes."\n'
        ",9.5,12,But the confirmation never came.\n"
        "\n"
        "Interviewer,13,14,Never?\n"
    )
    t = load_transcript(write(tmp_path, "P4.csv", table))
    assert rows(t) == [
        ("Interviewer", "interviewer", "How did you book?"),
        ("Ana", "participant", "Online, on my phone.\nIt took two minutes. But the confirmation never came."),
        ("Interviewer", "interviewer", "Never?"),
    ]
    answer = t.turns[1]
    assert [(answer.text[s.start : s.end], s.start_s, s.end_s) for s in answer.segments] == [
        ("Online, on my phone.\nIt took two minutes.", 5.0, 9.0),
        ("But the confirmation never came.", 9.5, 12.0),
    ]


def test_a_table_of_questions_and_answers_is_notes(tmp_path: Path) -> None:
    table = (
        'Question,Answer\nHow did you book?,"Online, it took two minutes."\nAnything else?,No.\nThanks!,\n'
    )
    t = load_transcript(write(tmp_path, "P5.csv", table))
    assert (t.kind, [(x.role, x.text) for x in t.turns]) == (
        "notes",
        [*_NOTES_READ, ("interviewer", "Thanks!")],
    )


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ("id,group\nP1,commuters\n", "a speaker and a text column"),
        ("speaker,text\n", "no line with text"),
        (
            "speaker,text\n,I waited an hour.\n",
            "line 2: has text but no speaker; fill in its 'speaker' column",
        ),
        ("speaker;text\nP1;Good; very good.\n", "line 2: has 3 cells but the header has 2 columns"),
        ("speaker,start,text\nP1,soon,Hello there.\n", "line 2: 'start' must be seconds or a time"),
        ("speaker,start,text\nP1,-4,Hello there.\n", "line 2: 'start' must be seconds"),
    ],
)
def test_a_table_that_cannot_be_read_as_turns_is_one_clear_error(
    tmp_path: Path, table: str, problem: str
) -> None:
    path = write(tmp_path, "P6.csv", table)
    with pytest.raises(InputError, match=re.escape(problem)) as caught:
        load_transcript(path)
    assert str(path) in str(caught.value)


def test_a_folder_of_tables_leaves_the_participant_list_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "P1.csv", "Speaker,Text\nInterviewer,How was it?\nP1,Slow.\n")
    write(tmp_path, "P2.txt", "Interviewer: How was it?\nP2: Fine.\n")
    write(tmp_path, "participants.csv", "id,group\nP1,commuters\nP2,families\n")
    (tmp_path / "P3.xlsx").write_bytes(workbook_of({"S": [["Speaker", "Text"], ["P3", "Fine."]]}))
    (tmp_path / "groups.xlsx").write_bytes(workbook_of({"S": [["id", "group"], ["P3", "commuters"]]}))
    with caplog.at_level("WARNING"):
        assert [p.name for p in transcript_files([tmp_path])] == ["P1.csv", "P2.txt", "P3.xlsx"]
    assert caplog.text.count("left out, no speaker and text columns; a participant list is given with") == 2


def workbook_of(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, table in sheets.items():
        sheet = book.create_sheet(title)
        for row in table:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_sheet_of_turns_with_times_of_day_and_a_notes_sheet(tmp_path: Path) -> None:
    """Excel keeps a typed `00:00:05` as a time of day; a second sheet without turns is named, not read."""
    table: list[list[object]] = [["Time", "Speaker", "Text"]]
    table += [[dt.time(0, 0, int(s)), n, text] for n, s, text in _SAID]
    path = tmp_path / "P7.xlsx"
    path.write_bytes(workbook_of({"Transcript": table, "Notes": [["Observer notes"], ["Tired, in a hurry"]]}))
    t = load_transcript(path)
    assert [(x.speaker, x.start_s, x.text) for x in t.turns] == _SAID
    report = inspect_transcript(path)
    assert report.format == "table of turns (speaker, text)"
    assert report.warnings == ["1 other sheet(s) not read (no turns in them); read 'Transcript', not 'Notes'"]
    notes = tmp_path / "P8.xlsx"
    notes.write_bytes(
        workbook_of({"Sheet1": [["Question", "Notes"], ["How did you book?", "Online, 2 min."]]})
    )
    assert [(x.role, x.text) for x in load_transcript(notes).turns] == [
        ("interviewer", "How did you book?"),
        ("participant", "Online, 2 min."),
    ]


@pytest.mark.parametrize(
    ("sheets", "problem"),
    [
        (
            {"A": [["Speaker", "Text"], ["P1", "Hi."]], "B": [["Speaker", "Text"], ["P2", "Yo."]]},
            "2 sheets of turns",
        ),
        ({"People": [["id", "group"], ["P1", "commuters"]]}, "its first sheet's columns are 'id', 'group'"),
        (
            {"S": [["Speaker", "Start", "Text"], ["P1", "soon", "Hi."]]},
            "sheet 'S', row 2: 'start' must be seconds",
        ),
    ],
)
def test_an_excel_workbook_that_is_not_one_interview_is_one_clear_error(
    tmp_path: Path, sheets: dict[str, list[list[object]]], problem: str
) -> None:
    path = tmp_path / "P9.xlsx"
    path.write_bytes(workbook_of(sheets))
    with pytest.raises(InputError, match=re.escape(problem)):
        load_transcript(path)
    broken = tmp_path / "P10.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(InputError, match=r"P10\.xlsx: is not a readable \.xlsx file"):
        load_transcript(broken)


# --------------------------------------------------------------------------------------------- captions as text


def teams_blocks(said: list[tuple[str, float, str]]) -> list[str]:
    """Teams' older transcript export: an unpadded time range, the speaker's name, then the words."""
    lines = ["Meeting Transcript"]
    for name, start, text in said:
        lines += [f"0:0:{start:g}.0 --> 0:0:{start + 4:g}.250", name, text]
    return lines


def test_captions_written_out_as_text_or_word_with_the_name_on_its_own_line(tmp_path: Path) -> None:
    lines = teams_blocks(_SAID)
    t = load_transcript(write(tmp_path, "P3.txt", "\n\n".join(lines) + "\n"))
    assert [(x.speaker, x.role, x.start_s, x.text) for x in t.turns] == [
        (n, "interviewer" if n == "Interviewer" else "participant", s, text) for n, s, text in _SAID
    ]
    assert t.turns[1].end_s == 16.25
    report = inspect_transcript(tmp_path / "P3.txt")
    assert report.format == "caption blocks (time range, speaker, text)"
    assert report.warnings == ["1 line(s) before the first caption were left out as a title or preamble"]
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(tmp_path / "P4.docx"))
    assert [(x.speaker, x.start_s, x.text) for x in load_transcript(tmp_path / "P4.docx").turns] == _SAID


def test_a_subtitle_file_saved_as_text_with_names_in_its_cues(tmp_path: Path) -> None:
    """Numbered cues, `Name: ` in the text, a cue of two lines and a speaker's next cue joined to the turn."""
    srt_text = (
        "1\n00:00:05,000 --> 00:00:08,000\nInterviewer: How did you apply?\n\n"
        "2\n00:00:12,000 --> 00:00:14,000\nMary Jones: Online, but the form\ndid not fit my case.\n\n"
        "3\n00:00:15,000 --> 00:00:17,000\nMary Jones: So I called.\n"
    )
    t = load_transcript(write(tmp_path, "P5.txt", srt_text))
    assert [(x.speaker, x.start_s, x.text) for x in t.turns] == [
        ("Interviewer", 5.0, "How did you apply?"),
        ("Mary Jones", 12.0, "Online, but the form did not fit my case. So I called."),
    ]


def test_a_transcript_that_mentions_a_time_range_is_not_read_as_captions(tmp_path: Path) -> None:
    text = "Interviewer: When was the slot?\n\nP6: It said 9:00 --> 12:00 on the app.\n\nInterviewer: And?\n"
    t = load_transcript(write(tmp_path, "P6.txt", text))
    assert rows(t)[1] == ("P6", "participant", "It said 9:00 --> 12:00 on the app.")


# --------------------------------------------------------------------------------------------- rich text


def rtf_of(lines: list[str]) -> bytes:
    """A Rich Text file as macOS TextEdit saves one: a line per paragraph, curly quotes as code-page escapes."""
    escaped = [
        line.replace("\u2019", "\\'92").replace("\u201c", "\\'93").replace("\u201d", "\\'94")
        for line in lines
    ]
    head = "{\\rtf1\\ansi\\ansicpg1252\\cocoartf2761\n{\\fonttbl\\f0\\fswiss\\fcharset0 Helvetica;}\n\\pard\\f0\\fs24 "
    return (head + "\\\n".join(escaped) + "}\n").encode("ascii")


def test_a_rich_text_transcript_and_brief_read_as_their_text(tmp_path: Path) -> None:
    lines = [
        "Interviewer: How did you book?",
        "P1: Online, but the form didn\u2019t load. \u201cFine\u201d, they said.",
    ]
    (tmp_path / "P1.rtf").write_bytes(rtf_of(lines))
    t = load_transcript(tmp_path / "P1.rtf")
    assert rows(t) == [
        ("Interviewer", "interviewer", "How did you book?"),
        ("P1", "participant", "Online, but the form didn\u2019t load. \u201cFine\u201d, they said."),
    ]
    assert inspect_transcript(tmp_path / "P1.rtf").format == "Rich Text, speaker labels"
    (tmp_path / "brief.rtf").write_bytes(rtf_of(["Bike subscriptions for commuters.", "Churn is high."]))
    assert load_brief(tmp_path / "brief.rtf").text.split("\n")[:2] == [
        "Bike subscriptions for commuters.",
        "Churn is high.",
    ]
    (tmp_path / "P2.rtf").write_bytes(b"Interviewer: plain text named .rtf\n")
    with pytest.raises(InputError, match=r"P2\.rtf: is not a Rich Text file"):
        load_transcript(tmp_path / "P2.rtf")


def test_a_table_with_a_title_above_its_header(tmp_path: Path) -> None:
    """Sheets and their CSV exports often open with a title row or two; the header is found below them."""
    table = "Interview with P7\n\nSpeaker;Text\nInterviewer;How did you book?\nP7;Online, in two minutes.\n"
    path = write(tmp_path, "P7.csv", table)
    assert rows(load_transcript(path)) == [
        ("Interviewer", "interviewer", "How did you book?"),
        ("P7", "participant", "Online, in two minutes."),
    ]
    assert inspect_transcript(path).warnings == ["1 line(s) above the header were left out as a title"]
    sheet = tmp_path / "P8.xlsx"
    sheet.write_bytes(workbook_of({"S": [["Notes, 3 May"], [], ["Question", "Answer"], ["Why?", "Price."]]}))
    assert [x.text for x in load_transcript(sheet).turns] == ["Why?", "Price."]


def test_the_interviewers_label_in_a_heading_opens_their_turn_whatever_it_ends_with(tmp_path: Path) -> None:
    text = (
        "# Session notes\n\n"
        "#### Moderator: Thanks for joining. Before we start, a few things:\n\n"
        "- The session takes about 45 minutes.\n\n"
        "- Are you comfortable if I record?\n\n"
        "**Veteran**: Yes, that's fine.\n\n"
        "#### Moderator: Tell me about yourself (if stuck, ask about service)\n\n"
        "**Veteran**: I served in the army and I live out of town.\n\n"
        "#### Moderator: Would you apply online or on paper?\n\n"
        "**Veteran, Caregiver**: Online, definitely.\n\n"
        "**Caregiver**: The paper form took us a month.\n"
    )
    t = load_transcript(write(tmp_path, "P1.md", text))
    assert [(turn.speaker, turn.role, turn.text) for turn in t.turns] == [
        (
            "Moderator",
            "interviewer",
            "Thanks for joining. Before we start, a few things:\n\n- The session takes about 45 minutes.\n\n"
            "- Are you comfortable if I record?",
        ),
        ("Veteran", "participant", "Yes, that's fine."),
        ("Moderator", "interviewer", "Tell me about yourself (if stuck, ask about service)"),
        ("Veteran", "participant", "I served in the army and I live out of town."),
        ("Moderator", "interviewer", "Would you apply online or on paper?"),
        # Two who answer together are the participant side, not part of the question.
        ("Veteran, Caregiver", "participant", "Online, definitely."),
        ("Caregiver", "participant", "The paper form took us a month."),
    ]


def test_a_label_whose_emphasis_is_never_closed_still_opens_the_turn(tmp_path: Path) -> None:
    """A notetaker's slip (`**Moderator: What …?` with no closing `**`) is the moderator's line, not more of
    the answer before it; a line emphasised whole stays the interviewer's turn, without the emphasis that closes it."""
    text = (
        "**Moderator: How often do you visit the site?**\n\n"
        "**Participant:** About once a week.\n\n"
        "**Moderator: What are you normally doing?\n\n"
        "P: Checking refills.\n\n"
        "**Moderator: Why would you go there?\n\n"
        "**Participant:** It seems like the logical place.\n"
    )
    t = load_transcript(write(tmp_path, "P3.md", text))
    assert [(turn.speaker, turn.role, turn.text) for turn in t.turns] == [
        ("Moderator", "interviewer", "How often do you visit the site?"),
        ("Participant", "participant", "About once a week."),
        ("Moderator", "interviewer", "What are you normally doing?"),
        ("P", "participant", "Checking refills."),
        ("Moderator", "interviewer", "Why would you go there?"),
        ("Participant", "participant", "It seems like the logical place."),
    ]


def test_answers_set_apart_as_markdown_quotes_are_the_participants_turns(tmp_path: Path) -> None:
    """`> P2: …` lines, in a plain transcript and in captions written out with one time range to a question
    and its answer: each label opens its speaker's turn, and the quote mark is not part of the words."""
    plain = "Kim: How long have you been a Veteran?\n\n> P2: Since 2014.\n\nKim: And the VA?\n\n> P2: Right away.\n"
    captions = (
        "# P2, 24 January\n\n"
        "00:00:00.000 --> 00:00:02.000\n"
        "Kim: Are you comfortable if I record?\n\n> P2: Sure.\n\nKim: How long have you been a Veteran?\n\n"
        "00:00:23.000 --> 00:00:30.000\n\n> P2: Since 2014.\n\n"
        "00:00:30.000 --> 00:00:31.000\n\nKim: And did you use the VA right away?\n\n"
        "00:00:47.000 --> 00:00:54.000\n\n> P2: Yeah, right away. Note: for my health care.\n"
    )
    said = [
        (turn.speaker, turn.role, turn.text)
        for name, text in (("P2.md", plain), ("P3.md", captions))
        for turn in load_transcript(write(tmp_path, name, text)).turns
    ]
    assert said == [
        ("Kim", "interviewer", "How long have you been a Veteran?"),
        ("P2", "participant", "Since 2014."),
        ("Kim", "interviewer", "And the VA?"),
        ("P2", "participant", "Right away."),
        ("Kim", "interviewer", "Are you comfortable if I record?"),
        ("P2", "participant", "Sure."),
        ("Kim", "interviewer", "How long have you been a Veteran?"),
        ("P2", "participant", "Since 2014."),
        ("Kim", "interviewer", "And did you use the VA right away?"),
        ("P2", "participant", "Yeah, right away. Note: for my health care."),
    ]


def test_a_heading_that_is_not_the_interviewers_label_stays_a_heading(tmp_path: Path) -> None:
    text = "## Task 1: Find the form\n\nP3: I would search for it.\n\nM: Where would you look?\n\nP3: On the site.\n"
    t = load_transcript(write(tmp_path, "P3.md", text))
    assert [(turn.speaker, turn.text) for turn in t.turns] == [
        ("P3", "I would search for it."),
        ("M", "Where would you look?"),
        ("P3", "On the site."),
    ]

"""Label styles of machine transcripts, and conversation-guide text that a study's notes share."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjgen import pipeline
from cjgen.errors import InputError
from cjgen.ingest import (
    TranscriptReport,
    inspect_transcript,
    inspect_transcripts,
    load_transcript,
    load_transcripts,
)
from cjgen.schema import Transcript


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(t: Transcript) -> list[tuple[str, str]]:
    return [(turn.role, turn.text) for turn in t.turns]


# --------------------------------------------------------------------------------------------- labels


def test_square_bracket_labels_with_a_spaced_colon(tmp_path: Path) -> None:
    text = (
        "[Moderator] : Are you comfortable if I record?\n\n[P4] : Yes, that's fine.\n\n"
        "[Moderator] : How did you hear about it?\n\n[P4] : A friend told me. [REDACTED] was there too.\n"
    )
    t = load_transcript(write(tmp_path, "P4.md", text))
    assert rows(t) == [
        ("interviewer", "Are you comfortable if I record?"),
        ("participant", "Yes, that's fine."),
        ("interviewer", "How did you hear about it?"),
        ("participant", "A friend told me. [REDACTED] was there too."),
    ]
    assert t.participant_id == "P4"
    assert t.kind == "verbatim"


def test_a_role_label_alone_on_its_line_heads_the_text_below(tmp_path: Path) -> None:
    text = (
        "Moderator: What did you do next?\n\nP2: I called them.\n\nModerator \n"
        "Okay, got it. And would you mail it in?\n\nP2: I would try online.\n"
    )
    t = load_transcript(write(tmp_path, "P2.md", text))
    assert rows(t) == [
        ("interviewer", "What did you do next?"),
        ("participant", "I called them."),
        ("interviewer", "Okay, got it. And would you mail it in?"),
        ("participant", "I would try online."),
    ]


def test_a_word_alone_on_its_line_that_labels_no_turn_stays_text(tmp_path: Path) -> None:
    text = "Moderator: What happened?\n\nP2: Well.\nNothing\nreally happened.\n"
    t = load_transcript(write(tmp_path, "P2.md", text))
    assert rows(t)[-1] == ("participant", "Well.\nNothing\nreally happened.")


# --------------------------------------------------------------------------------------------- guide

_GUIDE = [
    "- How did you book your last visit? Did you go online or call?",
    "- Now we will pretend you are paying a bill on the new screen.",
    "- What did you like about it?",
    "Thanks so much for taking the time to talk with us today.",
]


def _notes(answers: list[str]) -> str:
    """A notetaker's copy of the guide with answers typed after some lines."""
    lines = [f"{line} {answer}".rstrip() for line, answer in zip(_GUIDE, answers, strict=True)]
    return "# Session notes\n\n" + "\n".join(lines) + "\n"


def _study(tmp_path: Path, answers: list[list[str]]) -> list[Transcript]:
    paths = [write(tmp_path, f"P{n}.md", _notes(a)) for n, a in enumerate(answers, start=1)]
    return load_transcripts(paths)


def test_guide_sentences_shared_by_the_study_go_to_the_interviewer(tmp_path: Path) -> None:
    loaded = _study(
        tmp_path,
        [
            ["I called, the line was busy for an hour.", "", "The big buttons.", ""],
            ["Online, it took two minutes.", "It looked cluttered.", "", ""],
            ["My daughter did it for me.", "", "Nothing much.", ""],
        ],
    )
    first = loaded[0]
    assert [t.text for t in first.participant_turns()] == [
        "I called, the line was busy for an hour.",
        "The big buttons.",
    ]
    interviewer = [t.text for t in first.turns if t.role == "interviewer"]
    assert "Did you go online or call?" in interviewer  # the second sentence of a two-sentence question
    assert "Now we will pretend you are paying a bill on the new screen." in interviewer  # no answer
    assert "Thanks so much for taking the time to talk with us today." in interviewer
    # The answer typed after an unanswered guide line stays the participant's.
    assert "It looked cluttered." in [t.text for t in loaded[1].participant_turns()]
    assert [t.index for t in first.turns] == list(range(len(first.turns)))


def test_guide_text_is_cut_out_as_exact_source_text(tmp_path: Path) -> None:
    loaded = _study(
        tmp_path, [["Online.", "", "", ""], ["By phone.", "", "", ""], ["In person.", "", "", ""]]
    )
    for transcript in loaded:
        source = Path(transcript.path).read_text(encoding="utf-8")
        for turn in transcript.turns:
            assert turn.text in source


def test_two_files_are_too_few_to_tell_a_guide_from_a_shared_answer(tmp_path: Path) -> None:
    paths = [write(tmp_path, f"P{n}.md", _notes(["I really did not know.", "", "", ""])) for n in (1, 2)]
    assert load_transcripts(paths) == [load_transcript(p) for p in paths]
    assert any("Did you go online or call?" in t.text for t in load_transcript(paths[0]).participant_turns())


def test_verbatim_transcripts_are_never_changed(tmp_path: Path) -> None:
    text = "Interviewer: How was it?\n\nP{n}: Thank you so much for asking me that.\n"
    paths = [write(tmp_path, f"P{n}.txt", text.format(n=n)) for n in range(1, 5)]
    loaded = load_transcripts(paths)
    assert loaded == [load_transcript(p) for p in paths]


def test_a_guide_question_closed_by_a_curly_quote_leaves_the_answer_after_it(tmp_path: Path) -> None:
    line = "- I have started recording. I’d like to confirm: Are you comfortable if I record our talk today?” {}\n"
    paths = [
        write(tmp_path, f"P{n}.md", "# Notes\n\n" + line.format(answer) + "- How was it? Fine, thanks.\n")
        for n, answer in enumerate(["Yes", "Yes, sure.", "Of course, go ahead."], start=1)
    ]
    loaded = load_transcripts(paths)
    assert loaded[2].participant_turns()[0].text == "Of course, go ahead."


def test_a_guide_question_answered_in_lower_case_on_its_line_gives_the_answer_alone(tmp_path: Path) -> None:
    """ "Did you go online or call? online, on my phone": one sentence to the splitter, but it opens with a
    question the other files share, so the question is the interviewer's and the rest the answer."""
    loaded = _study(
        tmp_path,
        [
            ["online, on my phone", "", "", ""],
            ["I called.", "", "", ""],
            ["In person.", "", "", ""],
        ],
    )
    first = loaded[0]
    assert first.participant_turns()[0].text == "online, on my phone"
    assert "Did you go online or call?" in [t.text for t in first.turns if t.role == "interviewer"]
    # A question no other file holds stays in the participant's answer.
    alone = _study(
        tmp_path, [["Why me? no idea", "", "", ""], ["I called.", "", "", ""], ["Online.", "", "", ""]]
    )
    assert "Why me? no idea" in alone[0].participant_turns()[0].text


def test_a_prompt_the_studys_notes_share_before_a_colon_is_the_guides(tmp_path: Path) -> None:
    """ "Where were you directed to go: the front desk.": the notetaker typed the answer after the guide's prompt
    and a colon; every file holds the prompt, so it is the interviewer's and the rest the answer. A prompt no
    other file holds, a link's colon and a guide sentence with a colon inside stay as they were."""
    answers = ["the front desk, then the lab.", "they call your name.", "I just know the area."]
    paths = [
        write(
            tmp_path,
            f"P{n}.md",
            "# Notes\n\n- How did you check in? At the kiosk.\n"
            f"- How did you know where to go next? Where were you directed to go: {answer}\n"
            f"- Anything else? {['The one thing I would change', 'What I liked most', 'Best of all'][n - 1]}: "
            "the kiosk.\n"
            "- (URL is https://example.org/form)\n",
        )
        for n, answer in enumerate(answers, start=1)
    ]
    loaded = load_transcripts(paths)
    said = [t.text for t in loaded[0].participant_turns()]
    assert "the front desk, then the lab." in said and not any("directed" in t for t in said)
    assert "Where were you directed to go:" in [t.text for t in loaded[0].turns if t.role == "interviewer"]
    assert "What I liked most: the kiosk." in [t.text for t in loaded[1].participant_turns()]
    assert not any(t.text.startswith("//") for t in loaded[2].turns)


def test_inspect_reads_a_study_together_and_says_what_guide_text_it_moved(tmp_path: Path) -> None:
    answers = [
        ["I called, the line was busy for an hour.", "", "The big buttons.", ""],
        ["Online, it took two minutes.", "It looked cluttered.", "", ""],
        ["My daughter did it for me.", "", "Nothing much.", ""],
    ]
    paths = [write(tmp_path, f"P{n}.md", _notes(a)) for n, a in enumerate(answers, start=1)]
    bad = write(tmp_path, "P9.md", "   \n")
    reports = inspect_transcripts([paths[0], bad, *paths[1:]])
    first, error = reports[0], reports[1]
    assert isinstance(error, InputError) and str(bad) in str(error)
    assert isinstance(first, TranscriptReport)
    together = load_transcripts(paths)[0]
    said = sum(len(t.text.split()) for t in together.participant_turns())
    assert first.words_by_role["participant"] == said
    alone = inspect_transcript(paths[0])
    moved = alone.words_by_role["participant"] - said
    assert moved > 0 and not any("conversation-guide" in w for w in alone.warnings)
    assert f"{moved} words in answers are conversation-guide text" in " ".join(first.warnings)


def test_a_summary_reads_its_file_with_the_study_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = [["Online.", "", "", ""], ["By phone.", "", "", ""], ["In person.", "", "", ""]]
    paths = [write(tmp_path, f"P{n}.md", _notes(a)) for n, a in enumerate(answers, start=1)]
    read: list[Transcript] = []
    monkeypatch.setattr(pipeline, "summarize_transcript", lambda transcript, **_: read.append(transcript))
    pipeline.summarize_file(paths[0])
    pipeline.summarize_file(paths[0], study=paths)  # the file itself among the study's is read once
    alone, together = read
    assert "Thanks so much for taking the time to talk with us today." in [
        t.text for t in alone.participant_turns()
    ]
    assert [t.text for t in together.participant_turns()] == ["Online."]


def test_a_short_question_the_studys_notes_share_is_the_guides(tmp_path: Path) -> None:
    answers = ["Quick. Fine, I think.", "Slow, the queue was long. Fine, I think.", "Fine, I think."]
    paths = [
        write(
            tmp_path, f"P{n}.md", f"- How was paying at the desk? Fast or slow? {a}\n- Anything else? No.\n"
        )
        for n, a in enumerate(answers, start=1)
    ]
    loaded = load_transcripts(paths)
    assert [t.text for t in loaded[0].participant_turns()] == ["Quick. Fine, I think.", "No."]
    assert "Fast or slow?" in [t.text for t in loaded[0].turns if t.role == "interviewer"]
    # A short sentence that is no question stays the participant's, though every file has it.
    assert [t.text for t in loaded[2].participant_turns()] == ["Fine, I think.", "No."]


def test_a_short_follow_up_question_after_a_guide_line_is_the_guides(tmp_path: Path) -> None:
    """ "Why?" typed after a guide question opens no answer: the notetaker copied the guide's follow-up."""
    answers = ["Why? The queue was long.", "Why?: it was quicker", "Why?"]
    paths = [
        write(tmp_path, f"P{n}.md", f"- Do you pay at the desk or online?\n    - {a}\n- Anything else? No.\n")
        for n, a in enumerate(answers, start=1)
    ]
    loaded = load_transcripts(paths)
    said = [[t.text for t in transcript.participant_turns()] for transcript in loaded]
    assert said == [["The queue was long.", "No."], ["it was quicker", "No."], ["No."]]
    for transcript in loaded:
        source = Path(transcript.path).read_text(encoding="utf-8")
        assert all(turn.text in source for turn in transcript.turns)
    # A longer question that opens an answer stays the participant's, and so does one that follows an answer.
    loaded = _study(
        tmp_path,
        [
            ["Why would I call them? I did it online.", "", "", ""],
            ["I called. Why not?", "", "", ""],
            ["In person.", "", "", ""],
        ],
    )
    assert loaded[0].participant_turns()[0].text == "Why would I call them? I did it online."
    assert loaded[1].participant_turns()[0].text == "I called. Why not?"


_OPTIONS = "This could be using the kiosk, talking to the staff, using text messages, or a video visit"


def test_a_guide_line_typed_with_the_answer_after_it_is_the_guides_up_to_the_answer(tmp_path: Path) -> None:
    """The notetaker typed each answer on the guide line, after its second sentence, with a colon, with no mark
    at all, or after dropping the guide's first words: no file shares the sentence whole, but the guide's
    runs of words give it away, and what follows them is the answer."""
    answers = [
        f"{_OPTIONS}: well, it is at a desk in the hallway.",
        f"{_OPTIONS} I normally check in where the appointment is.",
        f"{_OPTIONS}.",
        "kiosk, talking to the staff, using text messages, or a video visit",
    ]
    paths = [
        write(tmp_path, f"P{n}.md", f"- Which way do you check in most often? {a}\n- Anything else? No.\n")
        for n, a in enumerate(answers, start=1)
    ]
    loaded = load_transcripts(paths)
    said = [[t.text for t in transcript.participant_turns()] for transcript in loaded]
    assert said == [
        ["well, it is at a desk in the hallway.", "No."],
        ["I normally check in where the appointment is.", "No."],
        ["No."],
        ["No."],
    ]
    assert _OPTIONS in [t.text for t in loaded[0].turns if t.role == "interviewer"]
    for transcript in loaded:
        source = Path(transcript.path).read_text(encoding="utf-8")
        assert all(turn.text in source for turn in transcript.turns)


def test_shared_runs_that_stop_inside_a_phrase_or_in_two_files_leave_the_answer_whole(tmp_path: Path) -> None:
    """A run the files share that ends inside a phrase ("… about thirty minutes" of "… thirty minutes or so")
    cuts nothing; nor does a run only two files share, as two notes can copy a sentence between them."""
    said = "The whole visit at the clinic took about thirty minutes"
    answers = [f"{said} or so.", f"{said} or a bit more.", f"{said} and then some.", "In person."]
    paths = [write(tmp_path, f"P{n}.md", f"- How long did it take? {a}\n") for n, a in enumerate(answers, 1)]
    loaded = load_transcripts(paths)
    assert [t.participant_turns()[0].text for t in loaded] == answers
    copied = "I would click on the first one and read the whole page"
    answers = [f"{copied}. Then I stop.", f"{copied}, Then the next.", "In person."]
    paths = [write(tmp_path, f"Q{n}.md", f"- What next? {a}\n") for n, a in enumerate(answers, 1)]
    assert [t.participant_turns()[0].text for t in load_transcripts(paths)] == answers


def _same_label(tmp_path: Path, names: list[str]) -> list[Path]:
    """Files of one study whose participant is labelled `P1:` in each, as a notetaker's template leaves it."""
    return [
        write(
            tmp_path, name, f"Interviewer: How was booking?\nP1: Answer {n}, it took far too long to book.\n"
        )
        for n, name in enumerate(names)
    ]


def test_a_template_label_shared_by_a_studys_files_gives_way_to_their_file_names(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    paths = _same_label(tmp_path, ["P2.txt", "P3.txt", "03_P4_notes.txt"])
    with caplog.at_level("WARNING"):
        loaded = load_transcripts(paths)
    assert [t.participant_id for t in loaded] == ["P2", "P3", "P4"]
    assert caplog.text.count("its participant label reads as P1, as in 2 other file(s)") == 3
    reports = inspect_transcripts(paths)
    assert [r.participant_id for r in reports if isinstance(r, TranscriptReport)] == ["P2", "P3", "P4"]
    assert load_transcript(paths[0]).participant_id == "P1"  # a file read alone keeps its label's code


def test_one_persons_sessions_stay_one_participant_and_unclear_files_are_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sessions = _same_label(tmp_path, ["P1-week1.txt", "P1-week2.txt"])
    with caplog.at_level("WARNING"):
        assert [t.participant_id for t in load_transcripts(sessions)] == ["P1", "P1"]
    assert "count as one person" not in caplog.text and "label reads as" not in caplog.text
    (tmp_path / "more").mkdir()
    unclear = _same_label(tmp_path / "more", ["interview-a.txt", "interview-b.txt"])
    reports = inspect_transcripts(unclear)
    assert [r.participant_id for r in reports if isinstance(r, TranscriptReport)] == ["P1", "P1"]
    assert all(
        any("2 files read as participant P1 and count as one person" in w for w in r.warnings)
        for r in reports
        if isinstance(r, TranscriptReport)
    )

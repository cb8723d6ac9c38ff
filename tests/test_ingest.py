"""Reading transcripts and briefs: every format, exact turn text, and one-line errors that name the file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import docx
import pytest
import srt
import webvtt
import yaml

from cjgen.errors import InputError
from cjgen.ingest import brief_from_text, inspect_transcripts, load_brief, load_transcript, load_transcripts
from cjgen.schema import Transcript

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "evals" / "cases"
DATA = Path(__file__).parent / "data" / "ingest"
BIKE = CASES / "bike-subscription" / "transcripts"
# The synthetic cases, whose transcripts all use `Interviewer:` and the participant code as labels.
LABELLED_CASES = ("bike-subscription", "clinic-booking")
EXAMPLE_TRANSCRIPTS = sorted(p for case in LABELLED_CASES for p in (CASES / case / "transcripts").glob("*"))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------- examples


@pytest.mark.parametrize("path", EXAMPLE_TRANSCRIPTS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_example_transcripts_load(path: Path) -> None:
    t = load_transcript(path)
    assert t.id == path.name
    assert t.path == str(path)
    assert t.participant_id == path.stem
    assert t.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert t.language is None
    assert [turn.index for turn in t.turns] == list(range(len(t.turns)))
    assert {turn.speaker for turn in t.turns} == {"Interviewer", path.stem}
    assert {turn.role for turn in t.turns if turn.speaker == "Interviewer"} == {"interviewer"}
    assert len(t.participant_turns()) >= 15
    # Speakers alternate: same-speaker cues and paragraphs are merged into one turn.
    assert all(a.speaker != b.speaker for a, b in zip(t.turns, t.turns[1:], strict=False))
    for turn in t.turns:
        assert turn.text == turn.text.strip()
        assert not turn.text.startswith((f"{turn.speaker}:", "<v"))


def test_txt_turn_text_is_the_source_after_the_label() -> None:
    path = BIKE / "P3.txt"
    t = load_transcript(path)
    paragraphs = path.read_text(encoding="utf-8").strip().split("\n\n")
    assert len(paragraphs) == len(t.turns)
    for paragraph, turn in zip(paragraphs, t.turns, strict=True):
        assert paragraph == f"{turn.speaker}: {turn.text}"
        assert turn.start_s is None and turn.segments == ()


def _cue_texts_vtt(path: Path) -> list[tuple[str | None, str]]:
    captions = webvtt.WebVTT.from_string(path.read_text(encoding="utf-8")).captions
    return [(c.voice, c.text) for c in captions]


def _cue_texts_srt(path: Path) -> list[tuple[str | None, str]]:
    cues: list[tuple[str | None, str]] = []
    for sub in srt.parse(path.read_text(encoding="utf-8")):
        speaker, _, text = sub.content.partition(": ")
        cues.append((speaker, text))
    return cues


@pytest.mark.parametrize(
    ("name", "cues_of"), [("P5.vtt", _cue_texts_vtt), ("P6.srt", _cue_texts_srt)], ids=["vtt", "srt"]
)
def test_cues_merge_into_turns_with_segments(name: str, cues_of: Any) -> None:
    path = BIKE / name
    t = load_transcript(path)
    expected = cues_of(path)
    seen = [(turn.speaker, turn.text[seg.start : seg.end]) for turn in t.turns for seg in turn.segments]
    assert seen == expected
    assert len(t.turns) < len(expected)  # some consecutive cues share a speaker
    for turn in t.turns:
        assert turn.text == " ".join(turn.text[s.start : s.end] for s in turn.segments)
        assert turn.start_s == turn.segments[0].start_s
        assert turn.end_s == turn.segments[-1].end_s


def test_vtt_timestamps_and_merged_turn() -> None:
    t = load_transcript(BIKE / "P5.vtt")
    first_answer = t.turns[1]
    assert first_answer.speaker == "P5" and first_answer.role == "participant"
    assert first_answer.text == (
        "Hi! Yes, no problem. I hope this all works, I'm not very good with these video calls. "
        "My daughter set it up for me before she went to work."
    )
    assert [(s.start_s, s.end_s) for s in first_answer.segments] == [(7.666, 13.887), (14.122, 18.616)]
    assert (first_answer.start_s, first_answer.end_s) == (7.666, 18.616)


def _gold_quotes(gold: dict[str, Any]) -> list[tuple[str, str]]:
    quotes: list[tuple[str, str]] = []
    for key in ("pain_points", "delights"):
        for item in gold.get(key) or []:
            quotes += [(e["participant"], e["quote"]) for e in item.get("evidence") or []]
    for item in gold.get("contradictions") or []:
        quotes += [(s["participant"], s["quote"]) for s in item["sides"]]
    for item in gold.get("assumptions_from_brief") or []:
        quotes += [(e["participant"], e["quote"]) for e in item.get("related_quotes") or []]
    return quotes


GOLD_CASES = [p for p in sorted(CASES.glob("*/gold.yaml")) if (p.parent / "transcripts").is_dir()]


@pytest.mark.parametrize("gold_path", GOLD_CASES, ids=lambda p: p.parent.name)
def test_every_gold_quote_lies_in_exactly_one_participant_turn(gold_path: Path) -> None:
    gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
    transcripts = {pid: load_transcript(gold_path.parent / file) for pid, file in gold["transcripts"].items()}
    quotes = _gold_quotes(gold)
    assert len(quotes) >= 20
    for participant, quote in quotes:
        t = transcripts[participant]
        assert t.participant_id == participant
        hits = [turn for turn in t.participant_turns() if quote in turn.text]
        assert len(hits) == 1, (participant, quote)
        assert hits[0].text.count(quote) == 1
        if hits[0].segments:  # subtitle quotes lie inside one cue
            start = hits[0].text.index(quote)
            assert any(s.start <= start and start + len(quote) <= s.end for s in hits[0].segments)


# --------------------------------------------------------------------------------------------- label styles


@pytest.mark.parametrize(
    ("line", "speaker", "text", "start_s"),
    [
        ("P1: Hello there.", "P1", "Hello there.", None),
        ("Interviewer: How was it?", "Interviewer", "How was it?", None),
        ("**Anna:** It was fine.", "Anna", "It was fine.", None),
        ("**Anna**: It was fine.", "Anna", "It was fine.", None),
        ("Anna (00:01:02): Fine, really.", "Anna", "Fine, really.", 62.0),
        ("[00:01:02] Anna: Fine, really.", "Anna", "Fine, really.", 62.0),
        ("[01:02:03.5] Anna: Fine.", "Anna", "Fine.", 3723.5),
        ("Anna [02:03]: Fine.", "Anna", "Fine.", 123.0),
        ("Anna K.: Fine: mostly.", "Anna K.", "Fine: mostly.", None),
        ("P1:   Extra spaces go.", "P1", "Extra spaces go.", None),
    ],
)
def test_label_styles(tmp_path: Path, line: str, speaker: str, text: str, start_s: float | None) -> None:
    t = load_transcript(write(tmp_path, "x.txt", f"{line}\n\nP0: Next turn.\n"))
    first = t.turns[0]
    assert (first.speaker, first.text, first.start_s) == (speaker, text, start_s)
    assert len(t.turns) == 2


def test_unlabelled_paragraphs_continue_the_turn(tmp_path: Path) -> None:
    source = (
        "Interviewer: Go on.\n\n"
        "P2: First paragraph,\nwith a line break.\n\n\n"
        "Second paragraph: still P2.\n\n"
        "Interviewer: Thanks.\n\n"
        "P2: Welcome.  \n"
    )
    t = load_transcript(write(tmp_path, "P2.txt", source))
    assert [turn.text for turn in t.turns] == [
        "Go on.",
        "First paragraph,\nwith a line break.\n\nSecond paragraph: still P2.",
        "Thanks.",
        "Welcome.",
    ]


def test_turns_without_blank_lines_between_them(tmp_path: Path) -> None:
    t = load_transcript(write(tmp_path, "P3.txt", "Interviewer: Hi.\nP3: Hello.\nInterviewer: Bye.\n"))
    assert [(turn.speaker, turn.text) for turn in t.turns] == [
        ("Interviewer", "Hi."),
        ("P3", "Hello."),
        ("Interviewer", "Bye."),
    ]


def test_one_off_word_colon_in_a_long_file_is_text_not_a_speaker(tmp_path: Path) -> None:
    source = "I: Hi.\n\nP4: Hello.\n\nI: And?\n\nP4: Well.\n\nNote to self: buy milk.\n\nI: Ok.\n"
    t = load_transcript(write(tmp_path, "P4.txt", source))
    assert t.turns[3].text == "Well.\n\nNote to self: buy milk."
    assert "Note to self" not in {turn.speaker for turn in t.turns}


def test_markdown_fixture_bold_labels_headings_and_rules() -> None:
    t = load_transcript(DATA / "bold_labels.md")
    assert t.participant_id == "P7"
    assert [(turn.speaker, turn.role) for turn in t.turns] == [
        ("Interviewer", "interviewer"),
        ("P7", "participant"),
        ("Interviewer", "interviewer"),
        ("P7", "participant"),
    ]
    assert t.turns[1].text == (
        "From a friend. She had one of the *turquoise* bikes.\n\n"
        "And honestly: I was sold the moment I saw it."
    )
    assert t.turns[3].text == "Then I signed up."


def test_timestamp_fixture() -> None:
    t = load_transcript(DATA / "timestamps.txt")
    assert t.participant_id == "timestamps"  # "Sam" is a name, not a participant code
    assert [(turn.speaker, turn.role, turn.start_s) for turn in t.turns] == [
        ("Moderator", "interviewer", 5.0),
        ("Sam", "participant", 9.0),
        ("Moderator", "interviewer", 62.0),
        ("Sam", "participant", 70.0),
    ]
    assert t.turns[1].text == "Happy to help. Note: I only have half an hour."
    assert t.turns[3].text == "Good.\nSo let's go."


def test_json_list_fixture() -> None:
    t = load_transcript(DATA / "turns.json")
    assert t.participant_id == "R3"
    assert [(turn.speaker, turn.text, turn.start_s, turn.end_s) for turn in t.turns] == [
        ("Interviewer", "What happened next?", 1.5, 3.0),
        ("R3", "The bike arrived late.\nNobody called.", 4.0, 9.5),
        ("R3", "Then it was fine.", None, None),
    ]


def test_json_object_fixture_declares_the_participant() -> None:
    t = load_transcript(DATA / "turns_object.json")
    assert t.participant_id == "P9"
    assert [turn.role for turn in t.turns] == ["interviewer", "participant"]
    assert load_transcript(DATA / "turns_object.json", participant_id="X1").participant_id == "X1"


def test_docx_paragraphs_are_turns(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Interview P8", level=1)
    document.add_paragraph("Interviewer: How did it start?")
    document.add_paragraph("P8: With a flat tyre.")
    document.add_paragraph("")
    document.add_paragraph("Then a second one, a week later.")
    path = tmp_path / "session.docx"
    document.save(str(path))
    t = load_transcript(path)
    assert t.id == "session.docx"
    assert t.participant_id == "P8"
    assert [turn.text for turn in t.turns] == [
        "How did it start?",
        "With a flat tyre.\n\nThen a second one, a week later.",
    ]


def test_srt_with_multiline_cue_and_unlabelled_continuation(tmp_path: Path) -> None:
    source = (
        "1\n00:00:01,000 --> 00:00:02,000\nInterviewer: Hi.\n\n"
        "2\n00:00:03,000 --> 00:00:04,500\nP2: Two lines\n<i>of text</i>\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nand more.\n"
    )
    t = load_transcript(write(tmp_path, "P2.srt", source))
    answer = t.turns[1]
    assert answer.text == "Two lines of text and more."
    assert [answer.text[s.start : s.end] for s in answer.segments] == ["Two lines of text", "and more."]
    assert (answer.start_s, answer.end_s) == (3.0, 6.0)


def test_vtt_without_voice_tags_uses_name_prefixes(tmp_path: Path) -> None:
    source = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nModerator: Hi &amp; welcome.\n\n"
        "00:00:02.500 --> 00:00:04.000\nP3: Thanks.\n"
    )
    t = load_transcript(write(tmp_path, "call.vtt", source))
    assert [(turn.speaker, turn.text) for turn in t.turns] == [
        ("Moderator", "Hi & welcome."),
        ("P3", "Thanks."),
    ]
    assert t.participant_id == "P3"


# --------------------------------------------------------------------------------------------- roles and ids


@pytest.mark.parametrize(
    "label",
    [
        "Interviewer",
        "interviewer",
        "Moderator",
        "Researcher",
        "Facilitator",
        "Host",
        "I",
        "Q",
        "Int",
        "INT",
        "Interviewer 2",
        "Researcher Kim",
    ],
)
def test_interviewer_labels(tmp_path: Path, label: str) -> None:
    t = load_transcript(write(tmp_path, "P1.txt", f"{label}: Question?\n\nP1: Answer.\n"))
    assert [turn.role for turn in t.turns] == ["interviewer", "participant"]


@pytest.mark.parametrize("label", ["Ingrid", "Participant", "Interviewee", "Hostess", "A", "Customer"])
def test_participant_labels(tmp_path: Path, label: str) -> None:
    t = load_transcript(write(tmp_path, "session.txt", f"Interviewer: Question?\n\n{label}: Answer.\n"))
    assert t.turns[1].role == "participant"
    assert t.participant_id == "session"


def test_participant_id_from_argument_then_label_then_stem(tmp_path: Path) -> None:
    path = write(tmp_path, "interview-3.txt", "Interviewer: Hi.\n\nP12: Hello.\n")
    assert load_transcript(path).participant_id == "P12"
    assert load_transcript(path, participant_id="P3").participant_id == "P3"


def test_several_participants_use_the_file_stem(tmp_path: Path) -> None:
    source = "Interviewer: Hi both.\n\nP1: Hello.\n\nP2: Hi.\n"
    t = load_transcript(write(tmp_path, "pair.txt", source))
    assert t.participant_id == "pair"
    assert [turn.speaker for turn in t.participant_turns()] == ["P1", "P2"]


def test_bom_and_crlf_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "P1.txt"
    raw = "\ufeffInterviewer: Hi.\r\n\r\nP1: Line one\r\nline two.\r\n".encode()
    path.write_bytes(raw)
    t = load_transcript(path)
    assert [turn.text for turn in t.turns] == ["Hi.", "Line one\nline two."]
    assert t.sha256 == hashlib.sha256(raw).hexdigest()


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "P1.txt"
    path.write_bytes("Interviewer: Hei.\n\nP1: Hei på deg.\n".encode("utf-16"))
    assert load_transcript(path).turns[1].text == "Hei på deg."


def test_windows_1252_text_is_read_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """As Word and Notepad save "ANSI" text on Western systems: curly quotes, dashes and Latin-1 letters."""
    said = "Ærlig talt \u2013 det gikk fint. \u201cGreat\u201d, she said\u2026 and I didn\u2019t mind."
    path = tmp_path / "P1.txt"
    path.write_bytes(f"Interviewer: Hei.\r\n\r\nP1: {said}\r\n".encode("cp1252"))
    with caplog.at_level("WARNING"):
        transcript = load_transcript(path)
    assert transcript.turns[1].text == said
    assert "read as Windows-1252" in caplog.text
    [report] = inspect_transcripts([path])
    assert any("read as Windows-1252" in w for w in report.warnings)
    utf8 = tmp_path / "P2.txt"
    utf8.write_text(f"Interviewer: Hei.\n\nP2: {said}\n", encoding="utf-8")
    assert not any("Windows-1252" in w for w in inspect_transcripts([utf8])[0].warnings)
    brief = tmp_path / "brief.txt"
    brief.write_bytes(f"Kunder sier: {said}\r\n".encode("cp1252"))
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert load_brief(brief).text == f"Kunder sier: {said}\n"
    assert "the brief (name withheld): is not UTF-8 and was read as Windows-1252" in caplog.text


# --------------------------------------------------------------------------------------------- several files


def test_load_transcripts_rejects_a_duplicate_file(tmp_path: Path) -> None:
    source = (BIKE / "P1.txt").read_text(encoding="utf-8")
    copy = write(tmp_path, "P1.txt", source)
    with pytest.raises(InputError) as info:
        load_transcripts([BIKE / "P1.txt", BIKE / "P2.txt", copy])
    assert str(copy) in str(info.value)
    assert "P1" in info.value.problem


def test_load_transcripts_keeps_order_and_allows_two_sessions(tmp_path: Path) -> None:
    second = write(tmp_path, "P1-followup.txt", "Interviewer: Again?\n\nP1: Again.\n")
    loaded = load_transcripts([BIKE / "P2.txt", BIKE / "P1.txt", second])
    assert [t.id for t in loaded] == ["P2.txt", "P1.txt", "P1-followup.txt"]
    assert all(isinstance(t, Transcript) for t in loaded)


# --------------------------------------------------------------------------------------------- brief


def test_load_brief_keeps_text() -> None:
    path = CASES / "bike-subscription" / "brief.md"
    brief = load_brief(path)
    assert brief.text == path.read_text(encoding="utf-8")
    assert brief.path == str(path)
    assert brief.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_load_brief_txt_and_docx(tmp_path: Path) -> None:
    assert load_brief(write(tmp_path, "brief.txt", "We sell bikes.\n")).text == "We sell bikes.\n"
    document = docx.Document()
    document.add_paragraph("We sell bikes.")
    document.add_paragraph("To commuters.")
    document.save(str(tmp_path / "brief.docx"))
    assert load_brief(tmp_path / "brief.docx").text == "We sell bikes.\n\nTo commuters."


def test_brief_from_text() -> None:
    brief = brief_from_text("A brief.")
    assert brief.path is None
    assert brief.text == "A brief."
    assert brief.sha256 == hashlib.sha256(b"A brief.").hexdigest()
    with pytest.raises(InputError):
        brief_from_text("  \n")


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("brief.pages", b"PK\x03\x04 x", "supported: .docx, .md, .pdf, .rtf, .txt"),
        ("brief.md", b"\n \n", "empty"),
        ("brief.md", b"caf\xe9", "UTF-8"),
    ],
)
def test_brief_errors(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_brief(path)
    assert str(path) in str(info.value)
    assert problem in str(info.value)


# --------------------------------------------------------------------------------------------- errors


ERROR_CASES: list[tuple[str, bytes, str]] = [
    (
        "notes.pages",
        b"PK\x03\x04 x",
        "supported: .csv, .docx, .json, .md, .pdf, .rtf, .srt, .tsv, .txt, .vtt, .xlsx",
    ),
    ("notes", b"P1: hi", "no extension"),
    ("P1.txt", b"", "empty"),
    ("P1.txt", b"  \n\n", "empty"),
    ("P1.txt", b"P1: hi\x00\x01\x02", "NUL bytes"),
    ("P1.txt", "P1: Честно говоря, всё прошло хорошо.".encode("cp1251"), "nor Western Windows-1252"),
    ("P1.txt", b"P1: an undefined byte \x81 here.", "not UTF-8 text (byte 0x81"),
    ("P1.md", b"# Title only\n", "no text found"),
    ("P1.txt", b"Interviewer: Hello?\n\nModerator: Anyone?\n", "only interviewer turns"),
    ("P1.vtt", b"00:00:01.000 --> 00:00:02.000\n<v P1>hi</v>\n", "not a valid WebVTT file"),
    ("P1.srt", b"1\n00:00:01,000 -> nonsense\nP1: hi\n\nrandom", "not a valid SubRip"),
    ("P1.docx", b"PK\x03\x04 not really a zip archive", "not a readable .docx"),
    ("P1.docx", b"plain text pretending", "not a readable .docx"),
    ("P1.json", b"{not json", "not valid JSON"),
    ("P1.json", b'{"turns": "nope"}', "expected a list"),
    ("P1.json", b'[{"speaker": "P1"}]', "turn 0 needs a 'speaker' and a 'text'"),
    ("P1.json", b'[{"speaker": "P1", "text": "hi", "start": "soon"}]', "'start' must be seconds"),
    ("P1.json", b'{"participant_id": 7, "turns": []}', "'participant_id' must be a non-empty string"),
    ("P1.json", b"[]", "no text found"),
]


@pytest.mark.parametrize(("name", "content", "problem"), ERROR_CASES, ids=[c[2] for c in ERROR_CASES])
def test_bad_transcripts_raise_input_error_naming_the_file(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_transcript(path)
    assert info.value.where == str(path)
    assert str(info.value).startswith(f"{path}: ")
    assert problem in info.value.problem
    assert "\n" not in str(info.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found") as info:
        load_transcript(tmp_path / "P9.txt")
    assert "P9.txt" in str(info.value)
    with pytest.raises(InputError, match="is a folder") as info:
        load_transcript(tmp_path)
    assert str(tmp_path) in str(info.value)
    with pytest.raises(InputError, match="file not found"):
        load_brief(tmp_path / "brief.md")

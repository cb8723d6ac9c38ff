"""Redaction: what is replaced, what is left alone, and how offsets map between the two texts."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import cjgen.redact
import cjgen.spoken
from cjgen.ingest import load_brief, load_transcript
from cjgen.redact import (
    RedactedText,
    RedactionReport,
    no_redaction,
    redact_brief,
    redact_text,
    redact_transcript,
    report_for,
)
from cjgen.schema import Segment, Transcript, Turn

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "evals" / "cases"


def kinds(text: str) -> list[tuple[str, str]]:
    """(kind, original value) for each replaced value."""
    return [(s.kind, text[s.start : s.end]) for s in redact_text(text).spans]


# --------------------------------------------------------------------------------------------- positives


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("email", "marta.kowalczyk84@example.com"),
        ("email", "a.b+tag@mail.co.uk"),
        ("email", "ola.nordmann@eksempel.no"),
        ("phone", "06 1837 2264"),
        ("phone", "+31 6 1234 5678"),
        ("phone", "+31 (0)6 12345678"),
        ("phone", "0612345678"),
        ("phone", "(555) 123-4567"),
        ("phone", "555-123-4567"),
        ("phone", "+47 912 34 567"),
        ("phone", "912 34 567"),
        ("phone", "22 33 44 55"),
        ("phone", "0044 20 7946 0958"),
        ("phone", "+44 20 7946 0958"),
        ("phone", "020 7946 0958"),
        ("phone", "030/1234567"),
        ("card", "4111 1111 1111 1111"),
        ("card", "4111-1111-1111-1111"),
        ("card", "5500000000000004"),
        ("card", "3782 822463 10005"),
        ("national_id", "123-45-6789"),
        ("national_id", "1112.22.333"),
        ("national_id", "15059012387"),
        ("national_id", "150590 12387"),
        ("url", "https://pedalpass.example/reset?token=abc123"),
        ("url", "http://example.com/?ref=marta"),
        ("url", "https://example.com/u/aB3dE5fG7hJ9kL1mN3pQ"),
        ("url", "https://user:secret@example.com/"),
        ("url", "www.example.com/track?id=991"),
        ("street_address", "Kastanjelaan 14B"),
        ("street_address", "Storgata 12"),
        ("street_address", "Trondheimsveien 2"),
        ("street_address", "Karl Johans gate 22"),
        ("street_address", "Hauptstraße 5"),
        ("street_address", "Bahnhofstrasse 17a"),
        ("street_address", "Prinsengracht 263-267"),
        ("street_address", "221B Baker Street"),
        ("street_address", "10 Downing Street"),
        ("street_address", "Station Road 4"),
    ],
)
def test_detects(kind: str, value: str) -> None:
    text = f"Sure, it is {value}, I think."
    assert kinds(text) == [(kind, value)]
    assert value not in redact_text(text).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Found by the property tests: a value next to another must not hide it or be dropped for it.
        ("Storgata 12, 0155 Oslo AB 12 34 56 C", "[ADDRESS] [NATIONAL_ID]"),
        ("call +47 912 34 567 or email jane@example.com", "call [PHONE] or email [EMAIL]"),
        ("07700900123 4111 1111 1111 1111", "[PHONE] [CARD]"),
        ("NO93 8601 1117 947 NO93 8601 1117 947", "[ACCOUNT] [ACCOUNT]"),
    ],
)
def test_neighbouring_values_are_each_redacted(text: str, expected: str) -> None:
    assert redact_text(text).text == expected
    assert redact_text(expected).text == expected


def test_a_phone_number_next_to_an_ip_address_leaves_no_digit() -> None:
    # Where the phone number ends is a guess ("+47 912 34 567 192" may be one number); nothing is left.
    redacted = redact_text("+47 912 34 567 192.168.1.23")
    assert {s.kind for s in redacted.spans} == {"phone", "ip_address"}
    assert not any(c.isdigit() for c in redacted.text)


def test_an_introduced_name_is_redacted_wherever_it_recurs_in_the_transcript() -> None:
    turns = (
        Turn(
            index=0, speaker="Interviewer", role="interviewer", text="Welcome! Could you introduce yourself?"
        ),
        Turn(index=1, speaker="P1", role="participant", text="Sure, I'm Kari Nordmann, I ride daily."),
        Turn(
            index=2,
            speaker="Interviewer",
            role="interviewer",
            text="Thanks, Kari. And Nordmann is Norwegian?",
        ),
        Turn(index=3, speaker="P1", role="participant", text="Yes. Karin, my sister, rides too."),
    )
    transcript = Transcript(id="P1.txt", path="P1.txt", participant_id="P1", sha256="x", turns=turns)
    shown = [turn.text for turn in redact_transcript(transcript).redacted.turns]
    assert shown[1] == "Sure, I'm [NAME], I ride daily."
    assert shown[2] == "Thanks, [NAME]. And [NAME] is Norwegian?"
    assert shown[3] == "Yes. Karin, my sister, rides too."  # another name, not the introduced one


def test_long_tokens_and_number_runs_stay_fast() -> None:
    # A pasted blob (50,000 characters without a space) once took half a minute through a lookahead.
    started = time.perf_counter()
    redact_text("https://x.example/" + "a" * 50_000)
    redact_text("12.34.56 " * 5_000)
    assert time.perf_counter() - started < 5


def test_bare_nine_digits_need_a_keyword() -> None:
    assert kinds("my BSN is 111222333") == [("national_id", "111222333")]
    assert kinds("order 111222333 came late") == []


def test_placeholders() -> None:
    text = "Mail a@b.org, call +31 6 1234 5678 at Storgata 12, card 4111 1111 1111 1111, id 123-45-6789."
    assert redact_text(text).text == (
        "Mail [EMAIL], call [PHONE] at [ADDRESS], card [CARD], id [NATIONAL_ID]."
    )
    assert redact_text("see https://x.example/r?t=1 now").text == "see [URL] now"


def test_phone_after_an_unrelated_number() -> None:
    assert kinds("back in 2019 06 1837 2264 was my number") == [("phone", "06 1837 2264")]


# --------------------------------------------------------------------------------------------- negatives


@pytest.mark.parametrize(
    "text",
    [
        "It started in 2023, or was it 1998?",
        "We met at 10:30 and left at 16:00.",
        "Opening hours 08:00-16:00, Monday to Friday.",
        "It costs €59 a month, or €79 for the cargo bike, €2.90 delivery.",
        "About 15% churn, 60% commuters, 9.5% growth.",
        "About 2,100 subscribers in a city of 230,000 people.",
        "Fifty-nine a month, fifty euros, twenty past one.",
        "Seven to fifteen km, 7-15 km, 7–15 km.",
        "On 01.02.2023 10:30 we spoke; also 2023-05-12 and 12/05/2023.",
        "Between 1990 and 2005, 1990-2005, 1990 2005.",
        "Det kostet 1 234 567 kroner, eller 12 345 678 kr.",
        "Q1 results, P3 said, room 12B, version 2.0.1, 3 of 4.",
        "Card ending 4111 1111 1111 1112 (fails Luhn).",
        "A 9-digit number that fails the 11-test: 123456789.",
        "An 11-digit number that is no birth number: 01019012345.",
        "Visit https://pedalpass.example or https://pedalpass.example/about/faq for details.",
        "I live on Main Street, near the Storgata, by the Kastanjelaan.",
        "Delivery between 8 and 1, then 2 hours, 45 minutes, 3 kids.",
        "Score 4/5, ratio 3:2, 100 km/h.",
        "Room 00, code 00 1, +1, (0), 0.",
    ],
)
def test_leaves_ordinary_text_alone(text: str) -> None:
    assert redact_text(text).text == text


# --------------------------------------------------------------------------------------------- example cases


def _example_transcripts() -> list[Path]:
    return sorted(CASES.glob("*/transcripts/*"))


def test_example_cases_planted_pii_is_caught_and_nothing_else() -> None:
    planted: dict[Path, list[dict[str, str]]] = {}
    for gold_path in CASES.glob("*/gold.yaml"):
        for item in yaml.safe_load(gold_path.read_text(encoding="utf-8"))["pii"] or []:
            planted.setdefault(gold_path.parent / item["file"], []).append(item)
    assert sum(len(v) for v in planted.values()) == 3

    others_total = 0
    for path in _example_transcripts():
        result = redact_transcript(load_transcript(path))
        redacted_text = "\n".join(turn.text for turn in result.redacted.turns)
        if path in planted:
            for item in planted[path]:
                assert item["value"] not in redacted_text
                assert result.counts().get(item["type"], 0) >= 1
        else:
            # Participants who introduce themselves ("I'm Daan") lose their name, a link with a token and a
            # query string (a prototype the interviewer shared) goes as a possible login, and a bank routing
            # number a moderator reads out for a test form goes as an account number; nothing else is found.
            others_total += sum(
                n for kind, n in result.counts().items() if kind not in ("name", "url", "account")
            )
    assert others_total == 0


def test_example_p3_counts() -> None:
    result = redact_transcript(load_transcript(CASES / "bike-subscription" / "transcripts" / "P3.txt"))
    assert result.counts() == {"email": 1, "street_address": 2, "phone": 1}


def test_example_briefs_are_not_redacted() -> None:
    for path in sorted(CASES.glob("*/brief.md")):
        brief, redacted = redact_brief(load_brief(path))
        assert redacted.spans == (), path
        assert brief.text == path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------- offsets


def test_spans_and_mapping() -> None:
    original = "Call 06 1837 2264 or mail a@b.org today."
    r = redact_text(original)
    assert r.text == "Call [PHONE] or mail [EMAIL] today."
    phone, email = r.spans
    assert (phone.kind, original[phone.start : phone.end], r.text[phone.new_start : phone.new_end]) == (
        "phone",
        "06 1837 2264",
        "[PHONE]",
    )
    assert r.text[email.new_start : email.new_end] == "[EMAIL]"
    # Spans away from placeholders shift by the length difference.
    assert r.to_original(0, 4) == (0, 4)
    s = r.text.index("today")
    o_start, o_end = r.to_original(s, s + 5)
    assert original[o_start:o_end] == "today"
    # A span touching a placeholder covers the whole original value.
    s = r.text.index("[PHONE]")
    assert original.__getitem__(slice(*r.to_original(s + 2, s + 4))) == "06 1837 2264"
    o_start, o_end = r.to_original(0, s + 1)
    assert original[o_start:o_end] == "Call 06 1837 2264"
    o_start, o_end = r.to_original(s, len(r.text))
    assert original[o_start:o_end] == "06 1837 2264 or mail a@b.org today."
    # Ending right before, or starting right after, a placeholder does not pull the value in.
    assert original.__getitem__(slice(*r.to_original(0, s))) == "Call "
    after = s + len("[PHONE]")
    assert original.__getitem__(slice(*r.to_original(after, after + 4))) == " or "


def test_to_redacted_is_the_inverse() -> None:
    original = "Call 06 1837 2264 or mail a@b.org today."
    r = redact_text(original)
    start = original.index("or mail")
    n_start, n_end = r.to_redacted(start, len(original))
    assert r.text[n_start:n_end] == "or mail [EMAIL] today."
    value = original.index("1837")
    assert r.text.__getitem__(slice(*r.to_redacted(value, value + 4))) == "[PHONE]"


def test_mapping_round_trip_outside_placeholders() -> None:
    rng = random.Random(7)
    original = " ".join(
        rng.choice(["word", "Storgata 12", "a@b.org", "+47 912 34 567", "2023", "ok."]) for _ in range(200)
    )
    r = redact_text(original)
    assert r.spans
    inside = {i for s in r.spans for i in range(s.new_start, s.new_end)}
    for _ in range(300):
        a, b = sorted(rng.sample(range(len(r.text) + 1), 2))
        o_start, o_end = r.to_original(a, b)
        assert 0 <= o_start <= o_end <= len(original)
        if (
            a not in inside
            and (b - 1) not in inside
            and not any(a < s.new_start and s.new_end < b for s in r.spans)
        ):
            assert original[o_start:o_end] == r.text[a:b]
        assert r.to_redacted(o_start, o_end)[0] <= a


def test_mapping_rejects_out_of_range() -> None:
    r = redact_text("Storgata 12")
    with pytest.raises(ValueError):
        r.to_original(0, len(r.text) + 1)
    with pytest.raises(ValueError):
        r.to_original(3, 2)


def test_unchanged_text_has_no_spans() -> None:
    r = redact_text("Nothing to see.")
    assert r == RedactedText("Nothing to see.", ())
    assert r.to_original(2, 5) == (2, 5)


# --------------------------------------------------------------------------------------------- transcripts


def test_redact_transcript_remaps_segments(tmp_path: Path) -> None:
    path = tmp_path / "P2.vtt"
    path.write_text(
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v Interviewer>Where do you live?</v>\n\n"
        "00:00:03.000 --> 00:00:04.000\n<v P2>At Storgata 12, second floor.</v>\n\n"
        "00:00:04.000 --> 00:00:05.000\n<v P2>Or mail me, p2@example.org.</v>\n\n"
        "00:00:05.000 --> 00:00:06.000\n<v P2>That's it.</v>\n",
        encoding="utf-8",
    )
    original = load_transcript(path)
    result = redact_transcript(original)
    turn = result.redacted.turns[1]
    assert turn.text == "At [ADDRESS], second floor. Or mail me, [EMAIL]. That's it."
    assert [turn.text[s.start : s.end] for s in turn.segments] == [
        "At [ADDRESS], second floor.",
        "Or mail me, [EMAIL].",
        "That's it.",
    ]
    assert [s.start_s for s in turn.segments] == [3.0, 4.0, 5.0]
    assert set(result.turns) == {1}
    assert result.redacted.turns[0] is original.turns[0]
    assert result.original is original
    assert result.redacted.participant_id == "P2"
    start = turn.text.index("[EMAIL]")
    o_start, o_end = result.to_original(1, start, start + len("[EMAIL]"))
    assert original.turns[1].text[o_start:o_end] == "p2@example.org"
    assert result.to_original(0, 3, 8) == (3, 8)
    assert result.to_redacted(1, o_start, o_end) == (start, start + len("[EMAIL]"))


def test_no_redaction_is_identity() -> None:
    original = load_transcript(CASES / "bike-subscription" / "transcripts" / "P3.txt")
    result = no_redaction(original)
    assert result.redacted is original and result.original is original
    assert result.turns == {}
    assert result.to_original(1, 5, 9) == (5, 9)
    assert result.counts() == {}


def test_redact_brief() -> None:
    brief = load_brief(CASES / "bike-subscription" / "brief.md").model_copy(
        update={"text": "Contact ines@pedalpass.example for details."}
    )
    redacted_brief, redacted = redact_brief(brief)
    assert redacted_brief.text == "Contact [EMAIL] for details."
    assert redacted_brief.sha256 == brief.sha256
    assert redacted.counts() == {"email": 1}


def test_report_counts_by_kind_and_merges() -> None:
    a = redact_text("a@b.org and c@d.org")
    b = redact_text("+47 912 34 567")
    report = report_for([a, b])
    assert report.counts == {"email": 2, "phone": 1}
    assert report.total == 3
    merged = report.merge(RedactionReport({"phone": 2, "url": 1}), RedactionReport())
    assert merged.counts == {"email": 2, "phone": 3, "url": 1}
    assert report.counts == {"email": 2, "phone": 1}  # merge does not change the original
    p3 = redact_transcript(load_transcript(CASES / "bike-subscription" / "transcripts" / "P3.txt"))
    assert report_for([p3]).counts == {"email": 1, "phone": 1, "street_address": 2}
    assert all(isinstance(v, int) for v in report_for([p3, a]).counts.values())


# --------------------------------------------------------------------------------------------- linear time

PLAIN = "\n".join(path.read_text(encoding="utf-8") for path in sorted(CASES.glob("*/transcripts/*")))


def _pattern_sources() -> list[str]:
    """The text of every pattern and pattern fragment the redaction modules define."""
    modules = [cjgen.redact, cjgen.spoken]
    sources = []
    for module in modules:
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                sources.append(value.pattern)
            elif isinstance(value, str) and name.startswith("_") and not name.startswith("__"):
                sources.append(value)
    return sources


def pattern_parts() -> list[str]:
    """Each alternative and literal stretch of every pattern, regex syntax stripped ("de[ ]la" → "de la"):
    the pieces whose repeats a pattern could read in more than one way."""
    parts = set()
    for source in _pattern_sources():
        cleaned = source.replace(r"\s", " ").replace("[ ]", " ").replace(r"\.", ".")
        for alternative in re.split(r"[|()\n]", cleaned):
            piece = re.sub(r"\\[wdWDbS]|\[[^\]]*\]|\{[^}]*\}|[?*+^$]|\?[:!=<]+", "", alternative).strip()
            if 1 <= len(piece) <= 24:
                parts.add(piece)
    return sorted(parts)


def adversarial_units() -> dict[str, str]:
    """Short units whose repeats make an adversarial text: each pattern part alone, after a house number,
    spelled out between brackets and before filler, runs of digits, separators and capitals, and numbers
    in groups."""
    units = {}
    for part in pattern_parts():
        units[f"{part!r} "] = part + " "
        units[f"1 {part!r} "] = f"1 {part} "
        units[f"a({part!r})"] = f"a({part})"
        units[f"{part!r} + filler"] = f"{part} is the one for me, "
    for unit in [
        "1",
        "1 ",
        "12-",
        "1.",
        "(1) ",
        "+1 ",
        "1:",
        "1/",
        "a@",
        "@a ",
        "a.",
        "A1",
        "AB12 ",
        "Ab ",
        "ab ",
        "12 rue de la ",
        "de la ",
        "a(dot)",
        "a dot ",
        "a at ",
        "http://a",
        "www.",
        ":a",
        "zero ",
        "oh seven ",
        "double four ",
        "one two ",
        "nulis ",
        "to ",
        "null eins ",
        "zéro six, ",
        "My wife ",
        "Mr A ",
    ]:
        units[repr(unit)] = unit
    # Numbers alone: digit groups of each length, with and without a trunk 0, under each separator
    # ("0 1 0 1 …", "12.1.1990 12.1.1990 …").
    for group in ["0", "1", "01", "12", "199", "1990"]:
        for separator in [" ", ".", "-", "/", ", "]:
            units[repr(f"{group}{separator}1 ")] = f"{group}{separator}1 "
            units[repr(f"12{separator}1{separator}{group} ")] = f"12{separator}1{separator}{group} "
    return units


def repeat_to(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def seconds(text: str, runs: int = 1, clock: Callable[[], float] = time.perf_counter) -> float:
    best = float("inf")
    for _ in range(runs):
        started = clock()
        redact_text(text)
        best = min(best, clock() - started)
    return best


def cpu_seconds(text: str, runs: int = 3) -> float:
    """CPU time of the fastest of `runs` redactions: the machine's other work does not count."""
    return seconds(text, runs, time.process_time)


def test_adversarial_repeats_of_every_pattern_part_take_linear_time() -> None:
    """Each unit repeated to 10 KB costs at most a few times what plain interview text costs; the slowest
    grow about linearly to 200 KB (a quadratic one grows 400 times, an exponential one never ends)."""
    small, large = 10_000, 200_000
    plain_small = seconds(repeat_to(PLAIN, small), runs=3)
    plain_large = seconds(repeat_to(PLAIN, large), runs=2)
    units = adversarial_units()
    assert len(units) > 400
    timed = {name: seconds(repeat_to(unit, small)) for name, unit in units.items()}
    # One run each finds the candidates; the slowest are timed again, best of three, so that a pause of the
    # machine is not taken for a slow pattern.
    slowest = sorted(timed, key=timed.__getitem__, reverse=True)[:8]
    timed.update({name: seconds(repeat_to(units[name], small), runs=3) for name in slowest})
    slowest = sorted(slowest, key=timed.__getitem__, reverse=True)
    assert timed[slowest[0]] < 40 * plain_small, {name: timed[name] / plain_small for name in slowest}
    for name in slowest:
        at_small = seconds(repeat_to(units[name], small), runs=3)
        at_large = seconds(repeat_to(units[name], large), runs=2)
        # Linear growth is 20x and quadratic 400x; allow three times linear for a loaded machine, and the
        # same cost per character as plain text within the factor above.
        assert at_large < 60 * at_small, (name, at_small, at_large)
        assert at_large < 40 * plain_large, (name, at_large, plain_large)


def test_the_french_street_particles_and_a_spelled_email_stay_fast() -> None:
    # "de la " can be read as one particle or two; 212 characters of it once took 40 s, and "a(dot)"
    # repeated 8,000 times 14 s (each start read the whole chain).
    baseline = seconds(repeat_to(PLAIN, 50_000), runs=2)
    assert seconds("12 rue " + "de la " * 40 + "x") < 0.1 + baseline
    assert seconds("a(dot)" * 8_000 + "(at)b.com") < 10 * baseline + 0.05


def test_a_long_run_of_digits_beside_number_words_is_read() -> None:
    # Reading a 10,000-digit run as one integer raised ValueError (Python refuses over 4,300 digits).
    text = "one two three four " + "7" * 10_000 + " five six"
    assert redact_text(text).spans


def test_a_number_said_with_words_between_its_digits_is_read() -> None:
    # A number word between digits on both sides ("07 nine 44 five…") once left the whole number unread:
    # only two number words side by side started a reading.
    for text in [
        "my number is 07 nine 44 five 6 two 3 one 1",
        "mitt nummer er 9 to 4 fem 6 sju 8 ni",
        "mon numéro, c'est le 06 douze 34 cinquante-six 78",
    ]:
        assert "[PHONE]" in redact_text(text).text, text
    assert redact_text("I paid 20 pounds for two 30 minute sessions in 2019").spans == ()


def test_a_long_transcript_turn_is_redacted_and_mapped_in_linear_time() -> None:
    """Offsets of many segments map through many spans by binary search, not one span at a time."""
    text = "call 06 1837 2264 now. " * 4_000
    segments = tuple(Segment(start=i * 23, end=i * 23 + 22, start_s=i, end_s=i + 1) for i in range(4_000))
    turn = Turn(index=0, speaker="P1", role="participant", text=text, segments=segments)
    transcript = Transcript(id="P1.txt", path="P1.txt", participant_id="P1", sha256="x", turns=(turn,))
    started = time.perf_counter()
    redacted = redact_transcript(transcript)
    elapsed = time.perf_counter() - started
    assert redacted.redacted.turns[0].text.count("[PHONE]") == 4_000
    assert redacted.redacted.turns[0].segments[-1].start == 3_999 * len("call [PHONE] now. ")
    assert elapsed < 40 * seconds(repeat_to(PLAIN, len(text)))


def test_a_date_is_tried_wherever_one_can_start() -> None:
    # Dates of birth are tried only where a linear-time pass finds one can start; that pass must find every
    # start the full pattern matches at, in any case, with any spaces, with "ı" or "İ" for "i".
    pattern = re.compile(rf"(?<![\w])(?:{cjgen.redact._DATE_VALUE})", re.VERBOSE)
    parts = [
        "12", "7", "1984", "19840512", ".", "/", "-", " ", "\u00a0", "\u2009", "\n", ",", "of ", "the ", "m. ", "d.",
        "March", "MAI", "kovo", "décembre", "Fırst", "fİrst", "twenty-third", "fünfzehnten", "le douze",
        "nineteen eighty-four", "nittensyttiåtte", "septintais", "metų", "1er", "x", "Dr", "født",
    ]  # fmt: skip
    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(1, 12)))
        expected = [p for p in range(len(text)) if pattern.match(text, p)]
        starts = set(cjgen.spoken.match_starts(cjgen.redact._DATE_START, text))
        assert set(expected) <= starts, (text, expected, sorted(starts))
    # And it finds none where no date stands: a birth word repeated before digits costs one pass.
    assert cjgen.spoken.match_starts(cjgen.redact._DATE_START, "1 født 1 geboren 12 gimusi " * 50) == []


def test_a_greeting_before_a_cue_is_found_within_its_reach() -> None:
    # The greeting before "I'm" is looked for only as far back as one can start; any further finds nothing more.
    greeting = cjgen.spoken._GREETING
    parts = ["Hi", "laba diena", "Grüß Gott", "yeah hi", " ", ",", "!", ".", "\n", "x", "ahi", "hello there"]
    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(1, 8)))
        near = greeting.search(text, max(0, len(text) - cjgen.spoken._GREETING_REACH), len(text))
        far = greeting.search(text, 0, len(text))
        assert (near is None) == (far is None), text


def test_windows_around_digits_are_the_runs_merged_one_by_one() -> None:
    # Windows come from one match per stretch of close digit runs; they must be what merging each run's
    # window into the last gives.
    rng = random.Random(7)
    for _ in range(500):
        text = "".join(rng.choice(["1", "23", " ", "a", "\n", "x" * rng.randint(1, 160)]) for _ in range(40))
        runs = [m.span() for m in re.finditer(r"\d+", text)]
        for before, after in [(140, 0), (70, 0), (3, 2), (0, 1), (0, 0)]:
            expected = cjgen.redact._merge(runs, before, after, len(text))
            assert cjgen.redact._digit_windows(text, before, after) == expected, (text, before, after)


def test_a_repeated_keyword_does_not_hide_the_value_after_the_second() -> None:
    # The value lies more than 30 characters after the first keyword but within 30 of the second: the search
    # after the first gave up short of it, and the second keyword was once skipped as already searched.
    filler = " aaaa "
    for keyword, value, placeholder in [
        ("født", "12.05.1980", "[DATE_OF_BIRTH]"),
        ("acct", "12345678", "[ACCOUNT]"),
    ]:
        text = f"{keyword}{filler}{keyword} {'b' * 24} {value}"
        assert redact_text(text).text == text.replace(value, placeholder)


def test_overlapping_names_after_repeated_cues_are_each_redacted() -> None:
    # Each "Mama" starts a name that overlaps the one before; the first name is replaced whole and each
    # later one where it runs past the names already replaced.
    redacted = redact_text("Mama " * 8)
    assert redacted.text == "Mama [NAME] [NAME] [NAME] [NAME] "
    assert [(s.start, s.end) for s in redacted.spans] == [(5, 24), (25, 29), (30, 34), (35, 39)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A title is no name: "Dr" after "Frau" or "my wife" was redacted as the first word of one.
        ("Frau Dr. Weber hat mir das empfohlen.", "Frau Dr. [NAME] hat mir das empfohlen."),
        ("my wife Dr Smith", "my wife Dr [NAME]"),
        ("Herr Herr Weber", "Herr Herr [NAME]"),
        ("Dr " * 8, "Dr " * 8),
        ("Dr Ab " * 3, "Dr [NAME] " * 3),
    ],
)
def test_a_title_is_not_taken_for_a_name(text: str, expected: str) -> None:
    assert redact_text(text).text == expected


def test_overlapping_redactions_leave_the_cycle_collector_as_it_was() -> None:
    """Two redactions in threads, the second starting inside the first and ending after it: the collector is
    off while either runs and on again once both are done (a save-and-restore per call leaves it off)."""
    import gc
    import threading

    pause = cjgen.redact._no_cycle_collection
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def first() -> None:
        with pause():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=first)
    worker.start()
    inside.wait(5)
    with pause():
        release.set()
        worker.join(5)
        assert not gc.isenabled()  # the second is still running
    assert gc.isenabled()
    assert "900123" not in redact_text("call me on 07700 900123").text and gc.isenabled()


def _pii_texts() -> list[str]:
    """Every string of the PII corpora: values said and written, in five languages, and ordinary lines."""
    texts = []
    for path in sorted((ROOT / "tests" / "data").glob("pii_*.yaml")):
        texts += [text for text in _strings_of(yaml.safe_load(path.read_text(encoding="utf-8"))) if text]
    return texts


def _strings_of(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings_of(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings_of(item)]
    return []


@pytest.mark.parametrize(
    "pattern",
    [cjgen.redact._ADDRESS, cjgen.redact._SPOKEN_ADDRESS],
    ids=["address", "spoken address"],
)
def test_the_linear_time_superset_of_a_pattern_starts_wherever_the_pattern_matches(
    pattern: re.Pattern[str],
) -> None:
    """The RE2 pattern that finds where an address may start misses no start the Python pattern matches at,
    on the PII corpora (with the values repeated after a house number and between other words) and on
    random mixes of their words, so trying the pattern only there finds every address."""
    superset = cjgen.spoken.superset_pattern(pattern.pattern)
    texts = _pii_texts()
    words = " ".join(texts).split()
    generator = random.Random(7)
    texts += [" ".join(generator.choice(words) for _ in range(12)) for _ in range(3000)]
    texts += [f"1 {text}, 12 {text}" for text in texts[:400]]
    matched = 0
    for text in texts:
        starts = set(cjgen.spoken.match_starts(superset, text))
        at = [p for p in range(len(text) + 1) if pattern.match(text, p)]
        matched += len(at)
        assert set(at) <= starts, text
    assert matched > 20  # the corpora hold addresses, so the check is not empty


def test_a_superset_leaves_out_lookarounds_and_refuses_what_it_cannot_widen() -> None:
    pattern = r"(?<![\d.])\d{1,3}(?>[ ]de)?\b(?![\w])"
    superset = cjgen.spoken.superset_pattern(pattern)
    assert [m.start() for m in re.finditer(pattern, "x 12 de la", re.VERBOSE)] == [2]
    assert cjgen.spoken.match_starts(superset, "x 12 de la") == [2, 3]  # the lookbehind is left out
    with pytest.raises(ValueError, match="negated class"):
        cjgen.spoken.superset_pattern(r"[^\d\s]+")
    with pytest.raises(ValueError, match="any length"):
        cjgen.spoken.superset_pattern(r"\d+[ ]rue")
    for unread in (r"a\Bb", "ab$"):
        with pytest.raises(ValueError, match="no RE2 superset"):
            cjgen.spoken.superset_pattern(unread, 0)
    # Flags count: a pattern compiled to ignore case is matched so.
    assert cjgen.spoken.match_starts(cjgen.spoken.superset_pattern("street", re.IGNORECASE), "A STREET") == [
        2
    ]
    # "ı" is read both as itself and as "i": a case-sensitive class and an ignored case both find their start.
    plain = cjgen.spoken.superset_pattern("[^a-z]x", 0)
    folded = cjgen.spoken.superset_pattern("(?i:ix)", 0)
    assert cjgen.spoken.match_starts(plain, "ıx") == [0]
    assert cjgen.spoken.match_starts(folded, "a ıx") == [2]


def test_finding_where_an_address_may_start_takes_linear_time() -> None:
    """Each search for the next start reads a bounded window: a street word repeated, where an alternative
    that never matches keeps the search alive to the end of the text, costs the same per character at
    20 KB and at 200 KB."""
    superset = cjgen.spoken.superset_pattern(cjgen.redact._SPOKEN_ADDRESS.pattern)

    def per_char(size: int) -> float:
        text = repeat_to("12 rue de la ", size)
        started = time.perf_counter()
        starts = cjgen.spoken.match_starts(superset, text)
        assert len(starts) >= size // 13  # at each house number
        return (time.perf_counter() - started) / size

    small = min(per_char(20_000) for _ in range(3))
    large = min(per_char(200_000) for _ in range(2))
    assert large < 3 * small


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I told my wife My sister came too.", "I told my wife My sister came too."),
        ("my husband His brother said so", "my husband His brother said so"),
        ("ma femme Sa soeur est venue", "ma femme Sa soeur est venue"),
        ("my wife Natalie came", "my wife [NAME] came"),
        ("mein Mann Hans kommt", "mein Mann [NAME] kommt"),
    ],
)
def test_a_possessive_after_a_cue_is_no_name(text: str, expected: str) -> None:
    assert redact_text(text).text == expected

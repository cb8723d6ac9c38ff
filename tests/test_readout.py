"""Labels read from hidden states: the head's arithmetic, and where each sentence's tokens are found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cjgen.ask import Runtime
from cjgen.cache import ResponseCache
from cjgen.errors import ModelError
from cjgen.ingest import load_transcript
from cjgen.label import head_for, label_transcript
from cjgen.local import Choices, Completions, States, _token_spans
from cjgen.readout import LabelHead
from cjgen.redact import RedactedTranscript, redact_transcript


def _head(feature: str, width: int = 3, *, meaning: bool = False) -> LabelHead:
    weights = np.zeros((width * (2 if feature == "both" else 1), 4))
    weights[0, 0] = 4.0  # the first dimension speaks for a problem
    weights[1, 1] = 4.0  # the second for a good moment
    return LabelHead(
        model="m",
        layer=7,
        feature=feature,
        centre=np.zeros(weights.shape[0]),
        scale=np.ones(weights.shape[0]),
        weights=weights,
        bias=np.zeros(4),
        baseline=(0.25, 0.25, 0.25),
        version="v",
        # Two meaning axes: the first and second hidden units, the first read at half scale.
        meaning_scale=np.array([2.0, 1.0, 1.0]) if meaning else None,
        meaning_axes=np.eye(2, 3) if meaning else None,
    )


def test_head_reads_each_sentence_into_probabilities_that_sum_to_one() -> None:
    mean = [np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])]
    last = [np.zeros(3), np.zeros(3)]
    problem, good = _head("mean").probabilities(mean, last)
    assert problem[0] > problem[1] and good[1] > good[0]
    assert sum(problem) == pytest.approx(1.0) and sum(good) == pytest.approx(1.0)
    # The same head on the last-token state reads nothing from these sentences: all kinds equally likely.
    assert _head("last").probabilities(mean, last)[0] == pytest.approx([0.25] * 4)
    assert np.allclose(_head("both").probabilities(mean, last), [problem, good])
    assert _head("mean").probabilities([], []) == []


class _Letters:
    """A tokenizer double: one token per character, as llama.cpp's detokenize answers."""

    def __init__(self, text: str) -> None:
        self.text = text

    def detokenize(self, tokens: list[int], special: bool = False) -> bytes:
        return bytes(tokens)


def test_each_sentence_is_found_after_its_marker_in_order() -> None:
    text = "P1: [1.1] It broke. [1.2] It broke. [1.3] Fine."
    tokens = list(text.encode())
    spans = _token_spans(_Letters(text), text, tokens, [("[1.1] ", "It broke."), ("[1.2] ", "It broke.")])
    assert [text[a : b + 1] for a, b in spans] == ["It broke.", "It broke."]
    assert spans[0] != spans[1]


def test_a_sentence_not_in_the_prompt_is_a_clear_error() -> None:
    text = "P1: [1.1] It broke."
    with pytest.raises(ModelError, match=r"\[1\.2\]"):
        _token_spans(_Letters(text), text, list(text.encode()), [("[1.2] ", "Gone.")])


class _Reader:
    """A model double that reads states: dimension 0 is set for a sentence that says "broke", 1 for "great".
    Asked a question instead, it fails the test."""

    def __init__(self) -> None:
        self.read: list[list[str]] = []
        self.kept: list[bool] = []

    def read_states(
        self, system: str, context: str, spans: list[tuple[str, str]], layers: list[int], keep: bool = False
    ) -> States:
        self.kept.append(keep)
        for lead, said in spans:
            assert lead + said in context
        assert layers == [7], "the head's layer is read"
        self.read.append([said for _, said in spans])
        mean = [np.array([float("broke" in s), float("great" in s), 0.0]) for _, s in spans]
        return States({7: mean}, {7: [np.zeros(3) for _ in spans]}, prompt_tokens=len(context.split()))

    def choose(self, *args: object) -> Choices:
        raise AssertionError("a model whose states are read is asked no label question")

    def complete_each(self, *args: object) -> Completions:
        raise AssertionError("not asked")


INTERVIEW = """Interviewer: How did it go?

P1: The app broke on the first day. The driver was great though, really kind.
"""


def test_a_run_reads_labels_from_states_once_and_caches_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _headed(tmp_path, monkeypatch, INTERVIEW)
    model = _Reader()
    runtime = Runtime(model=model, backend="local", model_name="m", cache=ResponseCache.in_dir(tmp_path))  # type: ignore[arg-type]
    labels = {lab.sentence.text: lab for lab in label_transcript(runtime, source).labels}
    broke, great = (
        labels["The app broke on the first day."],
        labels["The driver was great though, really kind."],
    )
    assert broke.pain > broke.delight and great.delight > great.pain
    assert runtime.calls[0].completion_tokens == 0 and runtime.calls[0].prompt_tokens > 0
    again = {lab.sentence.text: lab.pain for lab in label_transcript(runtime, source).labels}
    assert len(model.read) == 1, "the second reading came from the cache"
    assert again == {text: lab.pain for text, lab in labels.items()}
    assert broke.meaning is None, "a head without meaning axes gives no meanings"


def _headed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, *, meaning: bool = False
) -> RedactedTranscript:
    """The interview `text`, redacted, and a test head (with meaning axes where asked) in place of the shipped
    one."""
    monkeypatch.setattr("cjgen.label.label_head", lambda: _head("mean", meaning=meaning))
    path = tmp_path / "P1.txt"
    path.write_text(text)
    return redact_transcript(load_transcript(path))


def test_meanings_are_read_along_the_heads_axes_and_centred_on_the_interview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _headed(tmp_path, monkeypatch, INTERVIEW, meaning=True)
    runtime = Runtime(model=_Reader(), backend="local", model_name="m", cache=ResponseCache.in_dir(tmp_path))  # type: ignore[arg-type]
    first = {lab.sentence.text: lab.meaning for lab in label_transcript(runtime, source).labels}
    # States (1, 0, 0) and (0, 1, 0): read as (0.5, 0) and (0, 1), less their mean (0.25, 0.5).
    assert first["The app broke on the first day."] == pytest.approx((0.25, -0.5))
    assert first["The driver was great though, really kind."] == pytest.approx((-0.25, 0.5))
    cached = {lab.sentence.text: lab.meaning for lab in label_transcript(runtime, source).labels}
    assert cached == first, "meanings come back from the cache with the labels"


def test_a_head_for_another_model_or_the_question_setting_asks_questions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("cjgen.label.label_head", lambda: _head("mean"))
    reader = _Reader()
    assert head_for(Runtime(model=reader, backend="local", model_name="m")) is not None  # type: ignore[arg-type]
    assert head_for(Runtime(model=reader, backend="local", model_name="other.gguf")) is None  # type: ignore[arg-type]
    asked = Runtime(model=reader, backend="local", model_name="m", labels="questions")  # type: ignore[arg-type]
    assert head_for(asked) is None
    assert head_for(asked.start()) is None, "a run keeps the runtime's setting"


class _Recorder(_Reader):
    """A states reader that answers choice questions evenly and keeps each question's context."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[str, str]] = []

    def choose(  # type: ignore[override]
        self, system: str, context: str, questions: list[str], options: list[str], keep: bool = False
    ) -> Choices:
        self.asked += [(context, question) for question in questions]
        return Choices([[1.0 / len(options)] * len(options) for _ in questions], len(questions))


class _Asker:
    """A model whose states cannot be read: its labels are asked, one question a sentence."""

    def __init__(self) -> None:
        self.kept: list[bool] = []

    def choose(
        self, system: str, context: str, questions: list[str], options: list[str], keep: bool = False
    ) -> Choices:
        if options[0] == "A" and len(options) == 4:  # the label questions
            self.kept.append(keep)
        return Choices([[1.0 / len(options)] * len(options) for _ in questions], len(questions))

    def complete_each(self, *args: object) -> Completions:
        raise AssertionError("not asked")


LONG_INTERVIEW = """Interviewer: How did the first week go?

P1: The app broke on the first day and I lost my booking. The driver was great though, really kind and calm.

Interviewer: And after that?

P1: The invoice broke my budget, it was twice the price. The support team was great and called me back.
"""


def test_stage_questions_go_chunk_by_chunk_from_the_one_the_model_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cjgen.read import read_transcript
    from cjgen.schema import Stage
    from cjgen.stages import Segment

    monkeypatch.setattr("cjgen.label.label_head", lambda: _head("mean"))
    monkeypatch.setattr("cjgen.label.CHUNK_WORDS", 25)  # one answer a chunk
    path = tmp_path / "P1.txt"
    path.write_text(LONG_INTERVIEW)
    model = _Recorder()
    runtime = Runtime(model=model, backend="local", model_name="m")  # type: ignore[arg-type]
    stages = [Stage(id="s1", name="Start", description="d"), Stage(id="s2", name="Use", description="d")]
    groups = [Segment(name="New", description="new"), Segment(name="Old", description="old")]
    read = read_transcript(runtime, redact_transcript(load_transcript(path)), stages, groups)
    assert len(model.read) == 2 and len(read.report.observations) >= 4
    personas = [context for context, question in model.asked if "groups" in question]
    assert len(personas) == 2 and not any("a good moment" in c for c in personas), "no label legend"
    staged = [context for context, question in model.asked if "Stage number" in question]
    chunks = [c for n, c in enumerate(staged) if n == 0 or staged[n - 1] != c]
    assert len(chunks) == 2, "each chunk is a stage context once"
    assert "invoice" in chunks[0] and "invoice" not in chunks[1], "the last chunk read goes first"
    assert model.kept == [True, False], "the model keeps each chunk it reads but the last, which it holds"


def test_asked_labels_keep_each_chunk_but_the_last_for_its_stage_questions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where labels are asked (no head for this model), the model keeps what it read after each chunk's label
    questions but the last, as after a states read."""
    from cjgen.read import read_transcript
    from cjgen.schema import Stage

    monkeypatch.setattr("cjgen.label.CHUNK_WORDS", 25)  # one answer a chunk
    path = tmp_path / "P1.txt"
    path.write_text(LONG_INTERVIEW)
    model = _Asker()
    runtime = Runtime(model=model, backend="local", model_name="m")  # type: ignore[arg-type]
    assert head_for(runtime) is None
    read_transcript(
        runtime, redact_transcript(load_transcript(path)), [Stage(id="s1", name="S", description="d")]
    )
    assert model.kept == [True, False]


def test_each_observation_carries_the_meaning_of_its_sentences_and_the_labels_leave_theirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cjgen.read import read_transcript
    from cjgen.schema import Stage

    source = _headed(tmp_path, monkeypatch, LONG_INTERVIEW, meaning=True)
    runtime = Runtime(model=_Recorder(), backend="local", model_name="m")  # type: ignore[arg-type]
    stages = [Stage(id="s1", name="Start", description="d"), Stage(id="s2", name="Use", description="d")]
    read = read_transcript(runtime, source, stages)
    observed = {o.id: o for o in read.report.observations if o.kind in ("pain", "delight")}
    assert observed and set(observed) <= set(read.meanings)
    for oid, observation in observed.items():
        # Along the first axis a problem's sentences read 0.5 and the others 0, less the interview's mean.
        first = read.meanings[oid][0]
        assert (first > 0) == (observation.kind == "pain"), observation.text
    assert all(lab.meaning is None for lab in read.labels)


SET_UP_CALL = """Interviewer: How did the first week go?

P1: The app broke on the first day and I lost my booking for the morning.

Interviewer: Now, could you share your screen with me from the meeting app?

P1: It broke again, it keeps asking me for some permission and I have no idea what that is.

Interviewer: Thanks. And what did you think of the driver who brought the bike to you?

P1: The driver was great though, really kind and calm with the handover.
"""


def test_what_is_said_while_setting_up_the_call_is_no_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cjgen.read import read_transcript
    from cjgen.schema import Stage

    source = _headed(tmp_path, monkeypatch, SET_UP_CALL)
    runtime = Runtime(model=_Recorder(), backend="local", model_name="m")  # type: ignore[arg-type]
    read = read_transcript(runtime, source, [Stage(id="s1", name="S", description="d")])
    said = {o.kind: o.text for o in read.report.observations if o.kind in ("pain", "delight")}
    assert said["pain"].startswith("The app broke") and said["delight"].startswith("The driver was great")
    assert not any("permission" in o.text for o in read.report.observations)
    assert any("permission" in lab.sentence.text for lab in read.labels), (
        "the turn is still read and labelled"
    )

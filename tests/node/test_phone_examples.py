"""The second reader: labelled examples (meshaid.node.phone.examples) and the nearest of
them to a message (meshaid.node.phone.nearest)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from meshaid.node.phone import Intent, examples, nearest, parse
from meshaid.node.phone.examples import labelled, parse_examples
from meshaid.node.phone.message import read

DATA = Path(__file__).parents[1] / "data"
UNTUNED = sorted(DATA.glob("commands_untuned_*.jsonl"))


def test_every_examples_file_is_plain_data_and_registered() -> None:
    folder = Path(examples.__file__).parent
    files = {path.stem.removeprefix("examples_") for path in folder.glob("examples_*.py")}
    assert files == set(examples.SOURCES)
    for name in files:
        tree = ast.parse((folder / f"examples_{name}.py").read_text(encoding="utf-8"))
        docstring, assignment = tree.body
        assert isinstance(docstring, ast.Expr) and isinstance(assignment, ast.Assign)
        assert isinstance(ast.literal_eval(assignment.value), str)


def test_every_intent_has_examples_in_english_and_spanish() -> None:
    for source in ("en", "es"):
        found = {intent for intent, _ in parse_examples(examples.SOURCES[source], source)}
        assert found == set(Intent) - {Intent.SHOW, Intent.REPLY}, source


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("chat | hello", "line 1: unknown intent 'chat'"),
        ("list", "line 1: expected 'intent | message'"),
        ("\n# a comment\nlist |  ", "line 3: expected 'intent | message'"),
    ],
)
def test_a_bad_examples_line_is_named(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_examples(text, "xx")


def test_no_example_is_a_line_of_a_held_out_command_set() -> None:
    # Bare commands ("help", "my posts", "mas") are written alike by anyone; anything
    # longer found in both would be a held-out line taught to the reader it measures.
    held_out = {
        " ".join(read(json.loads(line)["text"]).words)
        for path in UNTUNED
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert len(UNTUNED) == 3
    copied = [
        text for _, text in labelled()
        if len(read(text).words) > 2 and " ".join(read(text).words) in held_out
    ]
    assert copied == []


def test_the_nearest_examples_vote() -> None:
    vote = nearest.vote(read("have extra blankets to give away"))
    assert vote is not None and vote.intent is Intent.POST_OFFER
    assert 0 < vote.similarity <= 1 and 0 < vote.share <= 1
    assert nearest.vote(read("qwrtzp zzkx")) is None  # shares no word with any example


def test_a_mark_alone_is_no_likeness() -> None:
    # "7c9d?" shares only its question mark with the example "?": that says nothing.
    assert nearest.vote(read("zzkx?")) is None


def test_a_misread_is_fixed_by_adding_an_example() -> None:
    msg = read("sinkhole on magnolia")
    before = nearest.build(labelled())
    after = nearest.build([*labelled(), (Intent.POST_ALERT, "big sinkhole opened up on pine st")])
    was = nearest.vote(msg, before)
    now = nearest.vote(msg, after)
    assert was is None or was.intent is not Intent.POST_ALERT
    assert now is not None and now.intent is Intent.POST_ALERT


def test_an_example_almost_the_same_as_the_message_outweighs_the_rules() -> None:
    # The rules read "the swap is off" as a trade; the examples have it as a withdrawal.
    command = parse("the swap is off")
    assert command.intent is Intent.WITHDRAW
    assert not command.sure  # an inferred withdrawal is always asked first

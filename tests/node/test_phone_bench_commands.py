"""``meshaid bench commands``: the report, its errors, and the goal on both command files."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from meshaid.cli.bench_commands import commands
from meshaid.node.bench import commands as bench_commands
from meshaid.node.phone import parse
from meshaid.node.phone.replies import MAX_REPLY_BYTES

SHARED = Path(__file__).parents[2].parent / "shared" / "corpus" / "commands.jsonl"
HELDOUT = Path(__file__).parents[1] / "data" / "commands_heldout.jsonl"
UNTUNED = sorted((Path(__file__).parents[1] / "data").glob("commands_untuned_*.jsonl"))

TINY = "\n".join(
    [
        '{"text": "need a ladder sat", "lang": "en", "intent": "post_need"}',
        '{"text": "ver ofertas de comida", "lang": "es", "intent": "list"}',
        '{"text": "hello there", "lang": "en", "intent": "post_offer"}',
        "",
        '{"text": "más", "intent": "list"}',
        '{"text": "offer: 2 bags rice", "intent": "post_need"}',
        '{"text": "got it thanks", "intent": "unknown"}',
    ]
)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.jsonl"
    path.write_text(TINY + "\n", encoding="utf-8")
    return path


def test_report(tiny: Path) -> None:
    result = CliRunner().invoke(commands, [str(tiny)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "lines: 6\n"
        "understood: 3/6 (50.0%)\n"
        "language guessed: 3/3\n"
        "harmful misses: 1\n"
        "asked first: 1 (0 of them read right)\n"
        "rules alone: 3/6 (1 harmful, 1 asked first), examples alone: 3/6\n"
        "intent       lines  understood\n"
        "post_offer       1           0\n"
        "post_need        2           1\n"
        "list             2           2\n"
        "unknown          1           0\n"
        "misses: 3\n"
        '  line 3: "hello there" expected post_offer, got unknown\n'
        '  line 6: "offer: 2 bags rice" expected post_need, got post_offer (harmful)\n'
        '  line 7: "got it thanks" expected unknown, got close (asked first)\n'
        "longest reply: 198 bytes\n"
        "understood ≥ 95 %: no\n"
        "harmful misses ≤ 0: no\n"
        "every reply ≤ 200 bytes: yes\n"
    )


def test_json_report(tiny: Path) -> None:
    result = CliRunner().invoke(commands, [str(tiny), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["lines"] == 6
    assert figures["understood"] == 0.5
    assert figures["misses"][0] == {
        "line": 3, "text": "hello there", "expected": "post_offer", "got": "unknown",
        "asked_first": False, "harmful": False,
    }
    assert [m["harmful"] for m in figures["misses"]] == [False, True, False]
    assert [m["asked_first"] for m in figures["misses"]] == [False, False, True]
    assert figures["harmful_misses"] == 1
    assert (figures["asked_first"], figures["asked_first_read_right"]) == (1, 0)
    assert figures["max_reply_bytes"] == 198
    assert figures["goal"] == {"understood": 0.95, "harmful_misses": 0, "max_reply_bytes": 200}
    assert figures["per_intent"]["list"] == {"lines": 2, "understood": 2}
    assert figures["goal_met"] is False


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "hi", "intent": "list"}\nnot json\n', "Error: line 2: not valid JSON"),
        ('["list"]\n', "Error: line 1: expected a JSON object"),
        ('{"intent": "list"}\n', "Error: line 1: missing or non-text field 'text'"),
        ('{"text": "hi", "intent": "chat"}\n', "Error: line 1: unknown intent 'chat' (one of:"),
        ('{"text": "hi", "intent": "help", "lang": 3}\n', "Error: line 1: 'lang' must be text"),
        ("\n\n", "holds no commands"),
    ],
)
def test_bad_lines_are_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(commands, [str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    missing = CliRunner().invoke(commands, [str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 1
    assert "cannot read" in missing.output
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00")
    assert "cannot read" in CliRunner().invoke(commands, [str(binary)]).output


def test_help_documents_the_command() -> None:
    result = CliRunner().invoke(commands, ["--help"])
    assert "meshaid bench commands commands.jsonl --json" in result.output


def test_every_intent_gets_an_answer_that_fits() -> None:
    for text in ["offer: rice", "list", "more", "search tarp", "show 7Q2M", "show 9ZZZ",
                 "done", "cancel 2C8V", "R H3VX " + "on my way " * 30, "R H3VX", "help",
                 "lol", "need " + "x" * 300]:
        answers = bench_commands.answer(parse(text))
        assert answers
        assert all(len(a.encode("utf-8")) <= MAX_REPLY_BYTES for a in answers)


@pytest.mark.parametrize(
    "path", [SHARED, HELDOUT, *UNTUNED], ids=["shared", "heldout", *(p.stem for p in UNTUNED)]
)
def test_goal_met(path: Path) -> None:
    # Every set, the untuned ones too once their first score was taken (see their test
    # below): at least 95 % understood, no line acted on unasked that was not meant so.
    if not path.exists():
        pytest.skip(f"{path} is not here")
    result = bench_commands.bench_file(path)
    assert result.understood_fraction >= bench_commands.GOAL_UNDERSTOOD, result.misses
    assert result.harmful == 0, [m for m in result.misses if m.harmful]
    assert result.replies_ok


def test_heldout_file_covers_every_intent_and_is_a_third_spanish() -> None:
    lines = bench_commands.read_lines(HELDOUT)
    assert {item.intent for item in lines} == set(bench_commands.LABELS) - {"more"}
    spanish = sum(1 for item in lines if item.lang == "es")
    assert 0.25 <= spanish / len(lines) <= 0.4
    assert {item.lang for item in lines} - {"en", "es"}  # and a few others




@pytest.mark.parametrize("path", UNTUNED, ids=[p.stem for p in UNTUNED])
def test_untuned_sets_cover_every_intent_in_english_and_spanish(path: Path) -> None:
    # Written before the desk's misses on them were looked at, and never tuned on: they
    # measure the desk (their scores are in the report), they do not set a goal here.
    lines = bench_commands.read_lines(path)
    assert len(lines) >= 100
    assert {item.intent for item in lines} == set(bench_commands.LABELS) - {"more"}
    langs = [item.lang for item in lines]
    assert 0.25 <= langs.count("es") / len(lines) <= 0.5
    assert all(len(item.text.encode("utf-8")) <= 200 for item in lines)
    result = bench_commands.bench_lines(lines)
    assert result.replies_ok, result.max_reply_bytes


def test_untuned_sets_are_three_and_distinct() -> None:
    assert len(UNTUNED) == 3
    texts = [{i.text.lower() for i in bench_commands.read_lines(p)} for p in UNTUNED]
    for n, one in enumerate(texts):
        for other in texts[n + 1 :]:
            assert not one & other

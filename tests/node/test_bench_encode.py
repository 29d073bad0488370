import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from meshaid.cli.bench import bench
from meshaid.node.bench import encode as bench_encode
from meshaid.protocol import record, timebase
from meshaid.protocol.record import Category, Kind, Urgency

DEV = Path(__file__).parents[2].parent / "shared" / "corpus" / "dev.jsonl"
HELDOUT = Path(__file__).parents[1] / "data" / "posts_heldout.jsonl"

SMALL = [
    {
        "kind": "offer",
        "category": "food",
        "community": "Fig Hollow",
        "zone": "Birch & 2nd",
        "text": "soup on my porch 5-7pm, bring a bowl",
        "lang": "en",
    },
    {
        "kind": "need",
        "category": "medicine",
        "community": "Fig Hollow",
        "zone": "the old depot",
        "text": "need insulin, fridge died last night",
        "lang": "en",
        "urgency": "critical",
    },
    {
        "kind": "trade",
        "category": "clothing",
        "community": "Lark Point",
        "zone": "Birch & 2nd",
        "text": "intercambio de ropa de niños, sáb 10am",
        "lang": "es",
        "when": "2026-10-03T10:00:00",
    },
]


def write_posts(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small(tmp_path: Path) -> Path:
    lines = [json.dumps(post, ensure_ascii=False) for post in SMALL]
    lines.insert(2, "")  # blank lines are skipped
    return write_posts(tmp_path / "posts.jsonl", lines)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(bench, ["encode", *args])
    return result.exit_code, result.output


def test_report_lines(small: Path) -> None:
    code, output = run(str(small))
    assert code == 0
    assert output.splitlines() == [
        "records: 3",
        "bytes      median   p95   max  fit one 231-byte frame",
        "signed         98   101   101  3 (100.0%)",
        "json          309   310   310  0 (0.0%)",
        "msgpack       204   206   206  3 (100.0%)",
        "median ≤ 130: yes",
        "p95 ≤ 200: yes",
    ]


def test_json_report(small: Path) -> None:
    code, output = run(str(small), "--json")
    assert code == 0
    figures = json.loads(output)
    assert figures["records"] == 3
    assert figures["signed"] == {
        "median": 98,
        "p95": 101,
        "max": 101,
        "fit_one_frame": 3,
        "fit_one_frame_pct": 100.0,
    }
    assert figures["json"]["median"] == 309
    assert figures["msgpack"]["max"] == 206
    assert figures["goal_met"] is True


def test_records_carry_the_posts(small: Path) -> None:
    posts = bench_encode.read_posts(small)
    assert [p.line for p in posts] == [1, 2, 4]
    signed = bench_encode.sign_posts(posts)
    bodies = [record.decode(s.raw).body for s in signed]
    key = bench_encode.bench_key()
    for s in signed:
        s.verify(bytes(key.verify_key))
    assert [b.seq for b in bodies] == [1, 2, 3]
    assert [b.kind for b in bodies] == [Kind.OFFER, Kind.NEED, Kind.TRADE]
    assert bodies[1].category == Category.MEDICINE
    assert bodies[1].urgency == Urgency.CRITICAL
    # Communities and zones are numbered in order of first appearance; a zone name is
    # only a place within its community.
    assert [(b.community, b.zone_id) for b in bodies] == [(1, 1), (1, 2), (2, 3)]
    assert bodies[2].when == timebase.to_minutes(1_791_021_600)  # 2026-10-03T10:00Z
    assert {b.created for b in bodies} == {bench_encode.BENCH_CREATED}
    assert bodies[2].text == SMALL[2]["text"]


def test_nearest_rank_percentile() -> None:
    sizes = list(range(1, 21))
    assert bench_encode.nearest_rank(sizes, 95) == 19
    assert bench_encode.nearest_rank(sizes, 100) == 20
    assert bench_encode.nearest_rank([7], 95) == 7


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ('["a list"]', "line 2: expected a JSON object"),
        ('{"kind": "gift", "category": "food"}', "line 2: unknown kind 'gift'"),
        ('{"kind": "offer", "category": "toys"}', "line 2: unknown category 'toys'"),
        (
            '{"kind": "offer", "category": "food", "community": "A", "zone": "B"}',
            "line 2: missing or non-text field 'text'",
        ),
        (
            '{"kind": "trade", "category": "food", "community": "A", "zone": "B", '
            '"text": "x", "when": "next tuesday"}',
            "line 2: 'when' is not an ISO time",
        ),
        (
            '{"kind": "offer", "category": "food", "community": "A", "zone": "B", '
            f'"text": "{"x" * 201}"}}',
            "line 2: text is 201 bytes",
        ),
    ],
)
def test_bad_lines_are_reported_with_their_number(tmp_path: Path, line: str, message: str) -> None:
    good = json.dumps(SMALL[0])
    path = write_posts(tmp_path / "bad.jsonl", [good, line, good])
    code, output = run(str(path))
    assert code == 1
    assert output.startswith(f"Error: {message}")
    assert len(output.splitlines()) == 1
    assert "Traceback" not in output


def test_missing_file(tmp_path: Path) -> None:
    code, output = run(str(tmp_path / "nope.jsonl"))
    assert code == 1
    assert output == f"Error: cannot read {tmp_path / 'nope.jsonl'}: No such file or directory\n"


def test_empty_file(tmp_path: Path) -> None:
    path = write_posts(tmp_path / "empty.jsonl", [""])
    code, output = run(str(path))
    assert code == 1
    assert output == f"Error: {path} holds no posts\n"


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(bench, ["encode", "--help"])
    assert result.exit_code == 0
    assert "meshaid bench encode posts.jsonl" in result.output
    assert "nearest rank" in result.output


@pytest.mark.parametrize("path", [DEV, HELDOUT], ids=["dev", "heldout"])
def test_size_goal_is_met(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not here")
    code, output = run(str(path), "--json")
    assert code == 0
    figures = json.loads(output)
    assert figures["signed"]["median"] <= 130
    assert figures["signed"]["p95"] <= 200
    assert figures["goal_met"] is True

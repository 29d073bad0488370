"""`meshaid board` a page at a time: the note after a page, --page, --all, and the errors."""

from __future__ import annotations

import json
from typing import Any

TEXTS = ["tarp for roof", "ride to clinic", "niños: ropa", "2 cases of water", "firewood"]


def ok(result: Any) -> str:
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def post_five(run: Any, clock: Any) -> None:
    for text in TEXTS:
        ok(run("post", "need", text))
        clock.advance(60)


def test_a_page_says_how_many_match_and_how_to_see_more(initialised: Any, clock: Any) -> None:
    post_five(initialised, clock)
    first = initialised("board", "--limit", "2")
    lines = ok(first).splitlines()
    assert lines[1].endswith("firewood")
    assert lines[2].endswith("2 cases of water")
    assert lines[3] == "Showing 1-2 of 5 entries; --page 2 for the next 2, --all for every one."
    assert first.stderr == ""
    last = ok(initialised("board", "--limit", "2", "--page", "3")).splitlines()
    assert len(last) == 2 and last[1].endswith("tarp for roof")  # no note after the last page


def test_pages_and_all_give_the_same_entries_as_json(initialised: Any, clock: Any) -> None:
    post_five(initialised, clock)
    pages = [initialised("board", "--json", "--limit", "2", "--page", str(p)) for p in (1, 2, 3)]
    paged = [e for page in pages for e in json.loads(ok(page))]
    assert pages[0].stderr.startswith("Showing 1-2 of 5 entries")
    assert pages[2].stderr == ""
    everything = initialised("board", "--all", "--json")
    assert json.loads(ok(everything)) == paged
    assert [e["text"] for e in paged] == TEXTS[::-1]
    # Written as it is read, and still exactly what one JSON dump of the list would be.
    assert ok(everything) == json.dumps(paged, indent=2, ensure_ascii=False) + "\n"
    assert ok(initialised("board", "--all", "--json", "--status", "fulfilled")) == "[]\n"


def test_paging_mistakes_are_one_line(initialised: Any, clock: Any) -> None:
    post_five(initialised, clock)
    past = initialised("board", "--limit", "2", "--page", "4")
    assert (past.exit_code, past.stdout) == (1, "")
    assert past.stderr == "Error: page 4 is past the end: 5 entries match, 3 pages of 2\n"
    both = initialised("board", "--all", "--page", "2")
    assert both.exit_code == 2
    assert both.stderr.endswith("Error: give --all or --page, not both\n")
    zero = initialised("board", "--limit", "0")
    assert zero.exit_code == 2 and "--limit" in zero.stderr.splitlines()[-1]
    one = initialised("board", "--page", "2")
    assert one.stderr == "Error: page 2 is past the end: 5 entries match, 1 page of 50\n"
    assert ok(initialised("board", "--status", "withdrawn", "--page", "3")) == (
        "No entries match.\n"
    )

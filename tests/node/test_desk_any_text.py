"""Whatever a phone sends, the desk answers the sender within one text and never raises.

Any text: every Unicode code point (lone surrogates, controls, unassigned ones included),
any length (a Meshtastic text is at most about 230 bytes, but a broken client or a test
can send more), alone or as a conversation of several messages, so that the desk may be
waiting for a yes or for a trade's day, holding pages for "more", or routing answers when
the text comes.
"""

from __future__ import annotations

import operator
from typing import Any

from desk_kit import desk_for, handle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshaid.node.desk.desk import PhoneDesk
from meshaid.node.phone.replies import MAX_REPLY_BYTES
from meshaid.node.services import BoardQuery, Node

ALICE = 0xA1B2C3D4  # may post
BOB = 0x0000BEEF  # may not
POSTS = ["offer: 3 blue tarps", "need: ride to dialysis tue 6am", "trade: seed swap sun 2pm",
         "ALERT tree down on Oak"]

any_char = st.characters(exclude_categories=())
any_text = st.text(any_char, max_size=400) | st.builds(
    operator.mul, st.text(any_char, min_size=1, max_size=8), st.integers(1, 5000)
)
openers = st.sampled_from(
    ["", "offer: ", "need ", "trade: sat 2pm ", "alert ", "R ", "done ", "cancel ", "show ",
     "list ", "search ", "@", "got it thanks ", "yes", "si", "no", "👍", "more", "ayuda ",
     "trade: swap sat 1/10 10am ", "trade: 2026-01-01 10:00 ", "sun 2pm", "anyone got a ",
     "any1 ", "del ", "quítalo ", "los datos del ", "next sunday 10-2 "]
)
message = st.tuples(openers, any_text, st.booleans()).map(
    lambda parts: parts[0] + (parts[1] if parts[2] else parts[1][:40])
)


def _fill(desk: PhoneDesk, node: Node, now: float) -> list[str]:
    if not node.store.all_codes():
        for text in POSTS:
            desk.handle(ALICE, text, now)
    return [view.code for view in node.board(BoardQuery(status="all"))]


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)
@given(
    conversation=st.lists(
        st.tuples(
            st.sampled_from([ALICE, BOB, 0, 0xFFFF_FFFF]), message, st.none() | st.integers(0, 9)
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_any_text_gets_an_answer_that_fits_and_nothing_raises(
    node: Node, clock: Any, conversation: list[tuple[int, str, int | None]]
) -> None:
    desk = desk_for(node, {ALICE})
    codes = _fill(desk, node, clock.now)
    for sender, text, code_number in conversation:
        if code_number is not None and codes:
            # an entry code of the board, inside the text, where it may be read as one
            text = f"{text[:3]} {codes[code_number % len(codes)]} {text[3:]}"
        out = handle(desk, sender, text, clock.now)
        assert any(reply.dest == sender for reply in out), text
        for reply in out:
            assert len(reply.text.encode("utf-8")) <= MAX_REPLY_BYTES, reply.text
        clock.advance(7)

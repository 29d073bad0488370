"""Answers on a resident's phone: meshaid.node.phone.replies. Each fits one text."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshaid.node.phone import replies
from meshaid.node.phone.replies import MAX_REPLY_BYTES, EntrySummary, clip, utf8_len
from meshaid.protocol.record import Category, Kind, Status, Urgency


def entry(code: str = "4F2K", text: str = "ride to clinic tue", **kw: object) -> EntrySummary:
    fields: dict[str, object] = {
        "kind": Kind.NEED, "category": Category.TRANSPORT, "zone": "Elm & 5th",
        "age_minutes": 180,
    }
    fields.update(kw)
    return EntrySummary(code=code, text=text, **fields)  # type: ignore[arg-type]


def test_posted_acknowledges_with_code_and_how_to_close() -> None:
    message = replies.posted("en", Kind.NEED, "4F2K", "need ride to clinic tue")
    assert message == (
        "Posted need 4F2K: need ride to clinic tue. "
        "Reply 'done 4F2K' when met, 'cancel 4F2K' to take it down."
    )
    spanish = replies.posted("es", Kind.OFFER, "7Q2M", "regalo una cuna")
    assert spanish.startswith("Publicamos tu oferta 7Q2M: regalo una cuna.")
    assert "borra 7Q2M" in spanish


def test_posted_clips_a_long_text_but_keeps_the_instructions() -> None:
    message = replies.posted("en", Kind.OFFER, "4F2K", "firewood " * 40)
    assert utf8_len(message) <= MAX_REPLY_BYTES
    assert message.endswith("'cancel 4F2K' to take it down.")
    assert "…" in message


def test_list_pages_hold_every_entry_once_and_point_to_more() -> None:
    board = [entry(f"{n}K2M", f"entry number {n} " + "x" * 30) for n in range(8)]
    pages = replies.list_pages("en", board, kind=Kind.NEED)
    assert len(pages) > 1
    assert pages[0].startswith(f"Needs (8) 1/{len(pages)}:")
    assert all(page.endswith("'more' for next") for page in pages[:-1])
    assert pages[-1].endswith("Send a code for details.")
    # A list of one kind names it in its title, not on each line.
    listed = re.findall(r"^(\dK2M) entry number ", "\n".join(pages), re.MULTILINE)
    assert listed == [f"{n}K2M" for n in range(8)]
    assert all(utf8_len(page) <= MAX_REPLY_BYTES for page in pages)


def test_a_list_line_names_the_kind_in_a_word_without_repeating_it() -> None:
    # Found: "Q7ZK N need water for 3 families at": a one-letter kind explained on no page
    # of the list, and the kind word repeated from the text.
    pages = replies.list_pages("es", [entry(urgency=Urgency.HIGH, kind=Kind.OFFER)])
    assert pages == (
        "Tablero (1):\n4F2K ofrece: ride to clinic tue ! @Elm & 5th\n"
        "Manda un código pa ver más.",
    )
    (page,) = replies.list_pages("en", [entry("Q7ZK", "need water for 3 families at the "
                                              "church on 5th, bring jugs")])
    assert "\nQ7ZK need: water for 3 families at the church on 5th, bring jugs @Elm & 5th\n" in page


def test_a_list_line_shows_as_much_of_its_text_as_fits() -> None:
    # Found: list lines cut at about 28 characters, however much room the text had.
    text = "ride to dialysis tue/thu/sat 5:30am, my ride fell through, can chip in for gas"
    board = [entry("4F2K", text), entry("7Q2M", "2 bags rice", kind=Kind.OFFER, zone="")]
    (page,) = replies.list_pages("en", board)
    assert f"4F2K need: {text} @Elm & 5th" in page
    many = [entry(f"{n}K2M", text) for n in range(6)]
    pages = replies.list_pages("en", many)
    for page in pages:
        assert utf8_len(page) <= MAX_REPLY_BYTES
        lines = page.split("\n")[1:-1]
        shown = [line.split(": ", 1)[1].removesuffix(" @Elm & 5th") for line in lines]
        # every line shows at least 40 bytes of its text, and the page is used up
        assert all(utf8_len(s.removesuffix("…")) >= replies.LIST_MIN_TEXT for s in shown)
    assert utf8_len(pages[0]) >= MAX_REPLY_BYTES - 20  # less only where a word was cut


def test_empty_list_says_how_to_post() -> None:
    (page,) = replies.list_pages("en", [], category=Category.FOOD)
    assert page == "Board · food: nothing right now. Post one with 'need ...' or 'offer ...'."


def test_show_a_long_entry_in_two_pages() -> None:
    text = "ride to dialysis three mornings a week, " * 5
    pages = replies.show_pages("en", entry(text=text, status=Status.OPEN))
    assert len(pages) == 2
    assert pages[0].startswith("4F2K need · transport · open · 3h ago\n")
    assert pages[0].endswith("…'more'")
    assert pages[1].endswith("Where: Elm & 5th\nAnswer: 'R 4F2K your message'")
    assert all(utf8_len(page) <= MAX_REPLY_BYTES for page in pages)
    shown = (pages[0].split("\n", 1)[1].removesuffix(" …'more'") + " " + pages[1]).split()
    assert shown[: len(text.split())] == text.split()


def test_show_in_spanish() -> None:
    (page,) = replies.show_pages("es", entry(age_minutes=3 * 24 * 60, status=Status.FULFILLED))
    assert page == (
        "4F2K necesidad · transporte · cumplida · hace 3d\nride to clinic tue\nDónde: Elm & 5th\n"
        "Contesta: 'R 4F2K tu mensaje'"
    )


def test_show_gives_the_zone_the_trade_time_and_the_expiry() -> None:
    # Found: the show view had no zone line and no trade time.
    chicago = ZoneInfo("America/Chicago")
    trade = entry("K8P1", "seed swap, bring labelled jars", kind=Kind.TRADE, zone="la pulga",
                  when=datetime(2026, 11, 22, 14, 0, tzinfo=chicago),
                  expires=datetime(2026, 11, 23, 14, 0, tzinfo=chicago))
    (page,) = replies.show_pages("en", trade)
    assert page == (
        "K8P1 trade · transport · open · 3h ago\nseed swap, bring labelled jars\n"
        "Where: la pulga\nWhen: Sun 11/22 2pm\nListed until Mon 11/23 2pm\n"
        "Answer: 'R K8P1 your message'"
    )
    (page,) = replies.show_pages("es", trade)
    assert "\nDónde: la pulga\nCuándo: dom 22/11 2pm\nEn el tablero hasta lun 23/11 2pm\n" in page


def test_reply_is_forwarded_without_the_radio_id() -> None:
    assert replies.reply_forwarded("en", "4F2K") == (
        "Sent to the poster of 4F2K. They will see your message, not your radio id."
    )
    assert replies.reply_to_poster("en", "4F2K", "on my way") == (
        "Re 4F2K: on my way — answer with 'R 4F2K <text>'",
    )


def test_a_long_reply_reaches_the_poster_in_numbered_parts() -> None:
    pages = replies.reply_to_poster("es", "4F2K", "palabra " * 50)
    assert len(pages) == 3
    assert pages[0].startswith("Re 4F2K: palabra")
    assert pages[0].endswith(" (1/3)")
    assert pages[-1].endswith("contesta con 'R 4F2K tu mensaje'")
    assert sum(page.count("palabra") for page in pages) == 50


def test_not_allowed_gives_the_radio_id_for_the_committee() -> None:
    assert "!a1b2c3d4" in replies.not_allowed("en", 0xA1B2C3D4)
    assert "!0000002a" in replies.not_allowed("es", 42)


def test_unknown_input_is_never_silence() -> None:
    assert "help" in replies.unknown_input("en")
    assert "ayuda" in replies.unknown_input("es")
    # A language without a catalogue, or none the desk could tell: English and Spanish.
    for lang in ("ht", "und"):
        assert replies.unknown_input(lang) == (
            "Didn't get that. Try 'need ride to clinic', 'offer rice', 'list', 'help'.\n"
            "No entendí. Prueba 'necesito raite', 'ofrezco arroz', 'lista', 'ayuda'."
        )


def test_sizes_are_in_letters() -> None:
    assert replies.letters_over("x" * 215, 200) == 15
    assert replies.letters_over("ñ" * 110, 200) == 10  # 220 bytes: 10 letters of 2
    assert replies.letters_over("short", 200) == 0
    assert replies.too_long("en", "x" * 215, 200) == (
        "Your post is about 15 letters too long (200 at most). Please shorten it."
    )


def test_a_search_that_could_be_a_post_offers_to_post_it() -> None:
    assert replies.search_pages("en", ["ice"], [], could_post=True) == (
        "Nothing for 'ice' yet. Reply 'yes' to post your message as a need.",
    )
    (page,) = replies.search_pages("es", ["arroz"], [entry(text="arroz y frijoles")],
                                   could_post=True)
    assert page.endswith("\n¿No es? 'si' publica el tuyo como necesidad.")
    assert replies.search_pages("en", ["ice"], []) == (
        "Nothing for 'ice' yet. To ask for it: 'need ice'",
    )


def test_help_in_two_texts_per_language() -> None:
    english = replies.help_pages("en")
    spanish = replies.help_pages("es")
    assert len(english) == len(spanish) == 2
    assert "list" in english[0]
    assert "lista" in spanish[0]
    assert replies.help_pages("vi") == english


def test_clip_never_splits_a_character() -> None:
    assert clip("ñññ", 5) == "ñ…"
    assert clip("ñññ", 4) == "…"  # ñ… would be 5 bytes
    assert clip("abc", 2) == "ab"
    assert clip("short", 200) == "short"
    assert utf8_len(clip("🙏" * 100, 50)) <= 50


@pytest.mark.parametrize("minutes", [-5, 0, 59, 60, 47 * 60, 48 * 60, 10**9])
def test_age_is_short(minutes: int) -> None:
    assert len(replies.age(minutes)) <= 4


# --- every answer fits, whatever it holds ---------------------------------------------------

langs = st.sampled_from(["en", "es", "ht", "vi", "ar", "zz"])
long_text = st.text(max_size=600)
entries = st.builds(
    EntrySummary,
    code=st.text(max_size=12),
    kind=st.sampled_from(Kind),
    category=st.sampled_from(Category),
    text=long_text,
    zone=st.text(max_size=120),
    status=st.sampled_from(Status),
    age_minutes=st.integers(-(2**40), 2**40),
    urgency=st.sampled_from(Urgency),
    when=st.none() | st.datetimes(),
    expires=st.none() | st.datetimes(),
)


def all_answers(lang: str, e: EntrySummary, board: list[EntrySummary], text: str) -> list[str]:
    out = [
        replies.posted(lang, e.kind, e.code, text),
        replies.closed(lang, e.code, Status.FULFILLED),
        replies.closed(lang, e.code, Status.WITHDRAWN),
        replies.no_open_post(lang),
        replies.not_owner(lang, e.code),
        replies.already_closed(lang, e.code, e.status),
        replies.unknown_code(lang, e.code),
        replies.ambiguous_code(lang, e.code),
        replies.reply_forwarded(lang, e.code),
        replies.reply_needs_text(lang, e.code),
        replies.not_allowed(lang, len(text) * 7919),
        replies.too_long(lang, text + "x" * 201, 200),
        replies.when_question(lang, e.when or datetime(2026, 1, 1, 23, 59), passed=True),
        replies.when_question(lang, e.when or datetime(2026, 1, 1), days=10**6),
        replies.when_question(lang, datetime(2026, 12, 31, 12), said_weekday=len(text)),
        replies.unknown_input(lang),
        replies.no_more(lang),
    ]
    out += replies.help_pages(lang)
    out += replies.list_pages(lang, board, kind=e.kind, category=e.category)
    out += replies.search_pages(lang, text.split(), board)
    out += replies.search_pages(lang, text.split(), board, could_post=True)
    out += replies.which_post(lang, board, e.status)
    out += replies.show_pages(lang, e)
    out += replies.reply_to_poster(lang, e.code, text)
    return out


@settings(max_examples=150, deadline=None)
@given(langs, entries, st.lists(entries, max_size=6), long_text)
def test_every_answer_fits_one_text(
    lang: str, e: EntrySummary, board: list[EntrySummary], text: str
) -> None:
    for message in all_answers(lang, e, board, text):
        assert utf8_len(message) <= MAX_REPLY_BYTES, message

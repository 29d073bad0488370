"""What the node answers on a resident's phone: short texts, in the resident's language.

The words are in the catalogues, one per language (meshaid.node.phone.messages); this
module puts them together with what residents wrote, and keeps every message within one
Meshtastic text of at most ``MAX_REPLY_BYTES`` UTF-8 bytes (the app shows up to about 200;
a Meshtastic text is at most 233 bytes). Longer answers are split into pages: functions
that may need several return a tuple of pages; the node sends the first and keeps the rest for
"more"/"mas". Residents are answered in their language when it has a catalogue, everyone
else in English, with a pointer to the other catalogues added where it fits.

Pure functions over plain data (``EntrySummary``): the node wires them to its store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from meshaid.node.phone.messages import CATALOGUES, FALLBACK, say, say_pages
from meshaid.node.phone.tokens import fold
from meshaid.protocol.record import Category, Kind, Status, Urgency

MAX_REPLY_BYTES = 200
_ELLIPSIS = "…"
# In a list, one entry is one line: its code, its kind as a word (unless the list is of
# one kind), its text, its zone. A page holds as many entries as can each show at least
# LIST_MIN_TEXT bytes of their text, and then shares the room left among their texts, so
# that a line shows as much of its text as fits.
LIST_MIN_TEXT = 40
LIST_ZONE_BYTES = 20
# What an answer shows at most of an entry code, of a search and (in full) of a zone name.
CODE_BYTES = 8
SEARCH_BYTES = 40
ZONE_BYTES = 40
# The start of a post quoted in a question before acting on it, and a day and time shown.
PREVIEW_BYTES = 48
WHEN_BYTES = 24
_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A post's first word that only says its kind ("need water for 3"): a list line that shows
# the kind leaves it out of the text ("4F2K need: water for 3"). Folded words.
KIND_NAMES = {
    Kind.OFFER: frozenset({"offer", "offering", "ofrezco", "ofrecemos", "oferta"}),
    Kind.NEED: frozenset({"need", "needs", "needed", "necesito", "necesitamos", "ocupo",
                          "ocupamos", "necesidad", "request"}),
    Kind.TRADE: frozenset({"trade", "trading", "trueque", "intercambio"}),
    Kind.ALERT: frozenset({"alert", "alerta", "aviso", "warning"}),
}


@dataclass(frozen=True)
class EntrySummary:
    """What a reply shows of a board entry. ``age_minutes`` is for display only."""

    code: str
    kind: Kind
    category: Category
    text: str
    zone: str
    status: Status = Status.OPEN
    age_minutes: int = 0
    urgency: Urgency = Urgency.NORMAL
    when: datetime | None = None  # a trade's day and time, in the node's time zone
    expires: datetime | None = None  # when it leaves the board


# --- byte-exact trimming -----------------------------------------------------------------


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def clip(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` UTF-8 bytes, at a space when one is near,
    with an ellipsis when something was cut."""
    if utf8_len(text) <= max_bytes:
        return text
    if max_bytes < utf8_len(_ELLIPSIS) + 1:
        return text.encode("utf-8")[: max(0, max_bytes)].decode("utf-8", "ignore")
    room = max_bytes - utf8_len(_ELLIPSIS)
    cut = text.encode("utf-8")[:room].decode("utf-8", "ignore")
    space = cut.rfind(" ")
    if space >= len(cut) * 2 // 3:  # a word boundary close to the end reads better
        cut = cut[:space]
    return cut.rstrip() + _ELLIPSIS


def one_line(text: str) -> str:
    """Newlines and runs of spaces from a post or a zone name to single spaces."""
    return " ".join(text.split())


def fit(message: str) -> str:
    """The last guard: no message leaves here longer than one text."""
    return clip(message, MAX_REPLY_BYTES)


def _take(text: str, max_bytes: int) -> str:
    """The start of ``text`` in at most ``max_bytes`` bytes, ending at a space if one is
    in the second half; at least one character, so that paging always moves on."""
    chunk = text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")
    space = chunk.rfind(" ")
    if len(chunk) < len(text) and space > len(chunk) // 2:
        chunk = chunk[:space]
    return chunk or text[:1]


def _split_to_pages(
    head: str, body: str, tail: str, marker: Callable[[int, int], str]
) -> tuple[str, ...]:
    """``head + body + tail`` as pages of at most MAX_REPLY_BYTES, ``body`` cut at spaces.
    Every page but the last ends with ``marker(page, pages)``."""
    if utf8_len(head + body + tail) <= MAX_REPLY_BYTES:
        return (head + body + tail,)
    marker_room = utf8_len(marker(99, 99))
    chunks: list[str] = []
    rest = body
    prefix = head
    while rest:
        if utf8_len(prefix + rest + tail) <= MAX_REPLY_BYTES:
            chunks.append(prefix + rest)
            rest = ""
            break
        chunk = _take(rest, MAX_REPLY_BYTES - utf8_len(prefix) - marker_room)
        chunks.append(prefix + chunk)
        rest = rest[len(chunk) :].lstrip()
        prefix = ""
    tail_alone = not chunks or utf8_len(chunks[-1] + tail) > MAX_REPLY_BYTES
    total = len(chunks) + (1 if tail_alone else 0)
    pages = [fit(chunk + marker(n, total)) for n, chunk in enumerate(chunks, 1)]
    if tail_alone:
        pages.append(fit(tail.strip()))
    else:
        pages[-1] = fit(chunks[-1] + tail)
    return tuple(pages)


# --- words -------------------------------------------------------------------------------


# Catalogue keys of the words for an entry's kind, category and status: "kind.need", ...
_WORD_KEYS: dict[type[Enum], str] = {Kind: "kind", Category: "category", Status: "status"}


def word(lang: str, member: Kind | Category | Status) -> str:
    """An entry's kind, category or status in ``lang`` ("need", "comida", "done")."""
    return say(lang, _key(_WORD_KEYS[type(member)], member))


def _key(prefix: str, member: Enum) -> str:
    return f"{prefix}.{member.name.lower()}"


def age(minutes: int) -> str:
    """How long ago, in the fewest characters: "5m", "3h", "2d"."""
    minutes = max(0, minutes)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    return f"{min(minutes // (24 * 60), 999)}d"


def _code(code: str) -> str:
    return clip(one_line(code), CODE_BYTES)


def _about(lang: str, key: str, code: str) -> str:
    """A one-text message whose only field is an entry code."""
    return fit(say(lang, key, code=_code(code)))


# --- single messages ---------------------------------------------------------------------


def when_text(lang: str, at: datetime) -> str:
    """A day and time as the answer shows it: "Sat 11/28 2pm", "sáb 28/11 2:30pm"."""
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    clock = f"{hour}{minutes}{'pm' if at.hour >= 12 else 'am'}"
    return clip(say(lang, "when", day=weekday(lang, at.weekday()), month=at.month, dom=at.day,
                    time=clock), WHEN_BYTES)


def weekday(lang: str, number: int) -> str:
    """A weekday as answers write it ("Sat", "sáb"); 0 is Monday."""
    return say(lang, f"when.day.{_DAY_KEYS[number % 7]}")


def when_question(lang: str, at: datetime, *, passed: bool = False, days: int = 0,
                  said_weekday: int | None = None) -> str:
    """Ask about a trade's day rather than guess it: ``at`` has ``passed``, is more than
    ``days`` ahead, or is not the ``said_weekday`` the resident named with its date."""
    shown = when_text(lang, at)
    if said_weekday is not None:
        date = say(lang, "when.date", month=at.month, dom=at.day)
        return fit(say(lang, "when.weekday", date=date, day=weekday(lang, at.weekday()),
                       said=weekday(lang, said_weekday)))
    if passed:
        return fit(say(lang, "when.past", when=shown))
    return fit(say(lang, "when.far", when=shown, days=days))


def posted(lang: str, kind: Kind, code: str, text: str, when: datetime | None = None) -> str:
    """Acknowledge a post once it is stored: its code, the day and time read from it (a
    trade's, so that the resident sees a wrong reading at once), its text, how to close it."""
    code = _code(code)
    if when is None:
        head = say(lang, "posted", kind=word(lang, kind), code=code) + " "
    else:
        head = say(lang, "posted.when", kind=word(lang, kind), code=code,
                   when=when_text(lang, when)) + " "
    tail = " " + say(lang, _key("posted.close", kind), code=code)
    body = one_line(text)
    room = MAX_REPLY_BYTES - utf8_len(head) - utf8_len(tail) - 1
    body = clip(body, max(room, 0))
    if body and body[-1] not in ".!?…":
        body += "."
    return fit(head + body + tail)


def _preview(text: str) -> str:
    return clip(one_line(text), PREVIEW_BYTES)


def confirm_post(lang: str, kind: Kind, text: str) -> str:
    """Ask before posting a guess: as which kind, and the start of its text."""
    as_kind = say(lang, _key("confirm.kind", kind))
    return fit(say(lang, "confirm.post", as_kind=as_kind, text=_preview(text)))


def confirm_close(lang: str, code: str, text: str, status: Status) -> str:
    """Ask before closing (fulfilled) or taking down (withdrawn) the resident's post."""
    key = "confirm.close" if status is Status.FULFILLED else "confirm.withdraw"
    return fit(say(lang, key, code=_code(code), text=_preview(text)))


def which_post(lang: str, entries: Sequence[EntrySummary], status: Status) -> tuple[str, ...]:
    """The resident's open posts, when a close or withdrawal without a code could mean
    several: one line each, and how to name the one meant."""
    verb = "close" if status is Status.FULFILLED else "withdraw"
    header = _counted(say(lang, f"confirm.which.{verb}"), len(entries))
    return _pack_lines([_entry_line(lang, e) for e in entries], header, *_footers(lang))


def dropped(lang: str) -> str:
    """The resident said no: nothing was posted."""
    return fit(say(lang, "confirm.dropped"))


def kept(lang: str, code: str) -> str:
    """The resident said no: their post stays open."""
    return _about(lang, "confirm.kept", code)


def nothing_to_confirm(lang: str) -> str:
    """A yes or no with no question waiting for it."""
    return fit(say(lang, "confirm.nothing"))


def post_needs_text(lang: str) -> str:
    """A post command with nothing to post."""
    return fit(say(lang, "post_needs_text"))


def not_allowed(lang: str, radio_id: int) -> str:
    """The sender's radio is not on the member roster, so its posts are not taken."""
    return fit(say(lang, "not_allowed", radio=f"!{radio_id & 0xFFFF_FFFF:08x}"))


def letters_over(text: str, limit: int) -> int:
    """How many letters (characters, from the end) ``text`` must lose to fit ``limit``
    UTF-8 bytes: what a resident counts, where the radio counts bytes."""
    over = 0
    size = utf8_len(text)
    for ch in reversed(text):
        if size <= limit:
            break
        size -= utf8_len(ch)
        over += 1
    return over


def too_long(lang: str, text: str, limit: int) -> str:
    """A post over the limit: about how many letters too long, in letters."""
    return fit(say(lang, "too_long", over=letters_over(text, limit), limit=limit))


def closed(lang: str, code: str, status: Status) -> str:
    """The sender's post is now fulfilled or withdrawn."""
    key = "closed.fulfilled" if status is Status.FULFILLED else "closed.withdrawn"
    return _about(lang, key, code)


def no_open_post(lang: str) -> str:
    return fit(say(lang, "no_open_post"))


def not_owner(lang: str, code: str) -> str:
    return _about(lang, "not_owner", code)


def already_closed(lang: str, code: str, status: Status) -> str:
    return fit(say(lang, "already_closed", code=_code(code), status=word(lang, status)))


def unknown_code(lang: str, code: str) -> str:
    return _about(lang, "unknown_code", code)


def ambiguous_code(lang: str, code: str) -> str:
    return _about(lang, "ambiguous_code", code)


def expired(lang: str, code: str) -> str:
    """The entry asked for is past its expiry: no longer on the board."""
    return _about(lang, "expired", code)


def reply_needs_code(lang: str) -> str:
    return fit(say(lang, "reply_needs_code"))


def reply_needs_text(lang: str, code: str) -> str:
    return _about(lang, "reply_needs_text", code)


def reply_forwarded(lang: str, code: str) -> str:
    """A neighbour's answer went to the post's poster."""
    return _about(lang, "reply_forwarded", code)


def answer_sent(lang: str, code: str) -> str:
    """The poster's answer went to the neighbour who last wrote about the post."""
    return _about(lang, "answer_sent", code)


def no_one_answered(lang: str, code: str) -> str:
    """The poster answers, but no neighbour's message about the post is remembered (none
    came, or the node restarted since, or too many others came after it)."""
    return _about(lang, "no_one_answered", code)


def poster_elsewhere(lang: str, code: str) -> str:
    """The entry came from another node: its poster's radio is not known here."""
    return _about(lang, "poster_elsewhere", code)


def poster_unreachable(lang: str, code: str) -> str:
    """The entry was posted here, but not from a radio (e.g. by the committee's CLI)."""
    return _about(lang, "poster_unreachable", code)


def unknown_input(lang: str) -> str:
    """Never silence: what a message we did not understand gets back. A message in a
    language without a catalogue (or in none the node could tell) gets a short help in
    every language that has one, English first, as many as fit one text."""
    if lang in CATALOGUES:
        return fit(say(lang, "unknown_input"))
    answer = say(FALLBACK, "unknown_short")
    for other in CATALOGUES:
        if other == FALLBACK:
            continue
        both = f"{answer}\n{say(other, 'unknown_short')}"
        if utf8_len(both) <= MAX_REPLY_BYTES:
            answer = both
    return fit(answer)


def no_more(lang: str) -> str:
    return fit(say(lang, "no_more"))


def try_again(lang: str) -> str:
    """The node could not do it right now (e.g. its database was busy)."""
    return fit(say(lang, "try_again"))


# --- paged answers -----------------------------------------------------------------------


def help_pages(lang: str) -> tuple[str, ...]:
    """The command summary with examples, in two texts ("more" for the second)."""
    return tuple(fit(page) for page in say_pages(lang, "help"))


Line = tuple[str, str, str]  # the code and kind, the text, the urgency mark and zone


def _without_kind_word(text: str, kind: Kind) -> str:
    """``text`` without a first word that only names its ``kind``: "need: water" → "water"."""
    first, _, rest = text.partition(" ")
    rest = rest.lstrip(" :-–—")
    if rest and fold(first.rstrip(":-–—,.!")) in KIND_NAMES[kind]:
        return rest
    return text


def _entry_line(lang: str, entry: EntrySummary, with_kind: bool = True) -> Line:
    head = f"{_code(entry.code)} "
    if with_kind:
        head += f"{say(lang, f'line.{entry.kind.name.lower()}')}: "
    text = _without_kind_word(one_line(entry.text), entry.kind)
    tail = " !" if entry.urgency >= Urgency.HIGH else ""
    zone = clip(one_line(entry.zone), LIST_ZONE_BYTES)
    if zone:
        tail += f" @{zone}"
    return head, text, tail


def _least(line: Line) -> int:
    """The bytes (and newline) a line takes with at least LIST_MIN_TEXT bytes of text."""
    head, text, tail = line
    return utf8_len(head) + min(utf8_len(text), LIST_MIN_TEXT) + utf8_len(tail) + 1


def _filled(lines: Sequence[Line], budget: int) -> list[str]:
    """One page's lines, their texts sharing ``budget`` bytes evenly (a short text leaves
    its share to the others), each line within the page."""
    fixed = sum(utf8_len(head) + utf8_len(tail) + 1 for head, _, tail in lines)
    room = max(0, budget - fixed)
    sizes = [utf8_len(text) for _, text, _ in lines]
    allowed = [0] * len(lines)
    growing = [i for i, size in enumerate(sizes) if size]
    while growing and room > 0:
        share = max(1, room // len(growing))
        for i in list(growing):
            give = min(share, sizes[i] - allowed[i], room)
            allowed[i] += give
            room -= give
            if allowed[i] >= sizes[i]:
                growing.remove(i)
            if room <= 0:
                break
    shown = []
    for (head, text, tail), allowance in zip(lines, allowed, strict=True):
        line = f"{head}{clip(text, allowance)}{tail}" if allowance else (head + tail).rstrip()
        shown.append(clip(line, budget - 1))
    return shown


def _pack_lines(
    lines: Sequence[Line], header: Callable[[int, int], str], more: str, last: str
) -> tuple[str, ...]:
    """Entry lines into pages, each under a header; ``more`` ends every page but the last,
    and ``last`` ends the last one. Each line shows as much of its text as fits."""
    footer = max(utf8_len(more), utf8_len(last))
    budget = MAX_REPLY_BYTES - utf8_len(header(99, 99)) - 1 - footer
    groups: list[list[Line]] = [[]]
    used = 0
    for line in lines:
        cost = min(_least(line), budget)
        if groups[-1] and used + cost > budget:
            groups.append([])
            used = 0
        groups[-1].append(line)
        used += cost
    total = len(groups)
    pages = []
    for number, group in enumerate(groups, 1):
        head = header(number, total) + "\n"
        end = more if number < total else last
        room = MAX_REPLY_BYTES - utf8_len(head) - utf8_len(end)
        pages.append(fit(head + "\n".join(_filled(group, room)) + end))
    return tuple(pages)


def _footers(lang: str) -> tuple[str, str]:
    """The last lines of a page with more to come, and of the last page."""
    return "\n" + say(lang, "list.more"), "\n" + say(lang, "list.end")


def _counted(title: str, count: int) -> Callable[[int, int], str]:
    """A list page's header: the title, how many entries, which page of how many."""

    def header(page: int, pages: int) -> str:
        where = f" {page}/{pages}" if pages > 1 else ""
        return f"{title} ({count}){where}:"

    return header


def _filter_title(lang: str, kind: Kind | None, category: Category | None, mine: bool) -> str:
    if mine:
        title = say(lang, "list.title.mine")
    elif kind is not None:
        title = say(lang, _key("list.title", kind))
    else:
        title = say(lang, "list.title.board")
    if category is not None:
        title += f" · {word(lang, category)}"
    return title


def list_pages(
    lang: str,
    entries: Sequence[EntrySummary],
    *,
    kind: Kind | None = None,
    category: Category | None = None,
    mine: bool = False,
) -> tuple[str, ...]:
    """Open entries (already filtered and ordered by the caller), one line each, in pages."""
    title = _filter_title(lang, kind, category, mine)
    if not entries:
        return (fit(say(lang, "list.empty", title=title)),)
    lines = [_entry_line(lang, e, with_kind=kind is None) for e in entries]
    return _pack_lines(lines, _counted(title, len(entries)), *_footers(lang))


def search_pages(
    lang: str, query: Sequence[str], entries: Sequence[EntrySummary], *, could_post: bool = False
) -> tuple[str, ...]:
    """Entries matching a search (found by the caller), or how to ask for the thing. When
    the search ``could_post`` (a question that could have been meant as a need), the
    answer ends with the offer to post it: the desk posts it on the resident's yes."""
    words = clip(one_line(" ".join(query)), SEARCH_BYTES)
    if not entries:
        key = "search.none.post" if could_post else "search.none"
        return (fit(say(lang, key, words=words)),)
    lines = [_entry_line(lang, e) for e in entries]
    more, last = _footers(lang)
    if could_post:
        last = "\n" + say(lang, "list.end.post")
    return _pack_lines(lines, _counted(f"'{words}'", len(entries)), more, last)


def show_pages(lang: str, entry: EntrySummary) -> tuple[str, ...]:
    """One entry in full: kind, category, status, age, text, then a line each for its zone,
    a trade's day and time and how long it stays listed, and how to answer it."""
    code = _code(entry.code)
    kind = word(lang, entry.kind)
    category = word(lang, entry.category)
    status = word(lang, entry.status)
    when = say(lang, "show.age", age=age(entry.age_minutes))
    head = f"{code} {kind} · {category} · {status} · {when}\n"
    lines = []
    zone = clip(one_line(entry.zone), ZONE_BYTES)
    if zone:
        lines.append(say(lang, "show.zone", zone=zone))
    if entry.when is not None:
        lines.append(say(lang, "show.when", when=when_text(lang, entry.when)))
    if entry.expires is not None and entry.status in (Status.OPEN, Status.MATCHED):
        lines.append(say(lang, "show.until", when=when_text(lang, entry.expires)))
    lines.append(say(lang, "show.answer", code=code))
    tail = "\n" + "\n".join(lines)
    more = f" {say(lang, 'show.more')}"
    return _split_to_pages(head, one_line(entry.text), tail, lambda n, total: more)


def reply_to_poster(lang: str, code: str, text: str) -> tuple[str, ...]:
    """A neighbour's answer, passed to the poster in the poster's language (``lang`` is
    the language of the poster's own messages); all pages are sent, in order."""
    code = _code(code)
    head = f"{say(lang, 'forward', code=code)} "
    tail = f" — {say(lang, 'forward.answer', code=code)}"
    return _split_to_pages(head, one_line(text), tail, lambda n, total: f" ({n}/{total})")

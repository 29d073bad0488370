"""What the node answers on a resident's phone: short texts, in the resident's language.

Every message here fits one Meshtastic text of at most ``MAX_REPLY_BYTES`` UTF-8 bytes
(the app shows up to about 200; see DESIGN.md section 3). Longer answers are split into
pages: functions that may need several return a tuple of pages; the node sends the first
and keeps the rest for "more"/"mas". Spanish speakers are answered in Spanish, everyone
else in English, with a Spanish pointer added where it fits for languages we cannot write.

Pure functions over plain data (``EntrySummary``): the node wires them to its store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from meshaid.protocol.record import Category, Kind, Status, Urgency

MAX_REPLY_BYTES = 200
_ELLIPSIS = "…"
# In a list, one entry is one line: code, kind letter, the start of its text, its zone.
# 32 + 14 keeps a line under 60 bytes, so that three entries share one text.
LIST_TEXT_BYTES = 32
LIST_ZONE_BYTES = 14


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


def reply_lang(lang: str) -> str:
    """``es`` for Spanish, ``en`` for English and for every language we have no texts in."""
    return "es" if lang == "es" else "en"


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

KIND_LETTER = {Kind.OFFER: "O", Kind.NEED: "N", Kind.TRADE: "T", Kind.ALERT: "A"}
KIND_NAME = {
    "en": {Kind.OFFER: "offer", Kind.NEED: "need", Kind.TRADE: "trade", Kind.ALERT: "alert"},
    "es": {
        Kind.OFFER: "oferta",
        Kind.NEED: "necesidad",
        Kind.TRADE: "trueque",
        Kind.ALERT: "alerta",
    },
}
KIND_PLURAL = {
    "en": {Kind.OFFER: "offers", Kind.NEED: "needs", Kind.TRADE: "trades", Kind.ALERT: "alerts"},
    "es": {
        Kind.OFFER: "ofertas",
        Kind.NEED: "necesidades",
        Kind.TRADE: "trueques",
        Kind.ALERT: "alertas",
    },
}
CATEGORY_NAME = {
    "en": {cat: cat.name.lower() for cat in Category},
    "es": {
        Category.FOOD: "comida",
        Category.WATER: "agua",
        Category.MEDICINE: "medicina",
        Category.HEALTH: "salud",
        Category.SHELTER: "techo",
        Category.CLOTHING: "ropa",
        Category.CHILDCARE: "niños",
        Category.TRANSPORT: "transporte",
        Category.REPAIR: "reparación",
        Category.ENERGY: "luz y energía",
        Category.SKILLS: "clases",
        Category.LEGAL: "legal",
        Category.SAFETY: "seguridad",
        Category.OTHER: "otro",
    },
}
STATUS_NAME = {
    "en": {
        Status.OPEN: "open",
        Status.MATCHED: "matched",
        Status.FULFILLED: "done",
        Status.WITHDRAWN: "withdrawn",
    },
    "es": {
        Status.OPEN: "abierta",
        Status.MATCHED: "en camino",
        Status.FULFILLED: "cumplida",
        Status.WITHDRAWN: "retirada",
    },
}
def age(minutes: int) -> str:
    """How long ago, in the fewest characters: "5m", "3h", "2d"."""
    minutes = max(0, minutes)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    return f"{min(minutes // (24 * 60), 999)}d"


def _code(code: str) -> str:
    return clip(one_line(code), 8)


# --- single messages ---------------------------------------------------------------------


def posted(lang: str, kind: Kind, code: str, text: str) -> str:
    """Acknowledge a post once it is stored: its code, its text, how to close it."""
    code = _code(code)
    if reply_lang(lang) == "es":
        head = f"Publicamos tu {KIND_NAME['es'][kind]} {code}: "
        tail = (
            f" Cuando se cumpla manda 'listo {code}'; pa quitarla 'borra {code}'."
            if kind is Kind.NEED
            else f" Pa quitarla manda 'borra {code}'."
        )
    else:
        head = f"Posted {KIND_NAME['en'][kind]} {code}: "
        tail = {
            Kind.NEED: f" Reply 'done {code}' when met, 'cancel {code}' to take it down.",
            Kind.OFFER: f" Reply 'done {code}' when it's gone, 'cancel {code}' to take it down.",
        }.get(kind, f" Reply 'cancel {code}' to take it down.")
    body = one_line(text)
    room = MAX_REPLY_BYTES - utf8_len(head) - utf8_len(tail) - 1
    body = clip(body, max(room, 0))
    if body and body[-1] not in ".!?…":
        body += "."
    return fit(head + body + tail)


def closed(lang: str, code: str, status: Status) -> str:
    """The sender's post is now fulfilled or withdrawn."""
    code = _code(code)
    if reply_lang(lang) == "es":
        if status is Status.FULFILLED:
            return fit(f"Listo, {code} cerrada como cumplida. ¡Gracias por avisar!")
        return fit(f"Quitamos {code} del tablero.")
    if status is Status.FULFILLED:
        return fit(f"Closed {code} as done. Thanks for letting neighbours know!")
    return fit(f"Took {code} down from the board.")


def no_open_post(lang: str) -> str:
    if reply_lang(lang) == "es":
        return "No tienes publicaciones abiertas. Manda 'mis posts' pa verlas todas."
    return "You have no open post. Send 'my posts' to see yours."


def not_owner(lang: str, code: str) -> str:
    code = _code(code)
    if reply_lang(lang) == "es":
        return fit(f"{code} no es tuya. Pa escribirle a quien la puso: 'R {code} tu mensaje'")
    return fit(f"{code} is not your post. To message its poster: 'R {code} your message'")


def already_closed(lang: str, code: str, status: Status) -> str:
    code = _code(code)
    if reply_lang(lang) == "es":
        return fit(f"{code} ya está {STATUS_NAME['es'][status]}.")
    return fit(f"{code} is already {STATUS_NAME['en'][status]}.")


def unknown_code(lang: str, code: str) -> str:
    code = _code(code)
    if reply_lang(lang) == "es":
        return fit(f"No hay nada con el código {code}. Revisa el código o manda 'lista'.")
    return fit(f"No entry {code} on this board. Check the code, or send 'list'.")


def ambiguous_code(lang: str, code: str) -> str:
    code = _code(code)
    if reply_lang(lang) == "es":
        return fit(f"Varias entradas empiezan con {code}. Manda el código completo.")
    return fit(f"Several entries start with {code}. Send the whole code.")


def reply_forwarded(lang: str, code: str) -> str:
    code = _code(code)
    if reply_lang(lang) == "es":
        return fit(
            f"Enviado a quien publicó {code}. Verá tu mensaje, no el id de tu radio."
        )
    return fit(f"Sent to the poster of {code}. They will see your message, not your radio id.")


def reply_needs_text(lang: str, code: str) -> str:
    code = _code(code)
    if reply_lang(lang) == "es":
        return fit(f"Escribe tu mensaje después del código: 'R {code} ya voy'")
    return fit(f"Put your message after the code: 'R {code} on my way'")


def not_allowed(lang: str, radio_id: int) -> str:
    """The sender's radio is not on the member roster, so its posts are not taken."""
    radio = f"!{radio_id & 0xFFFF_FFFF:08x}"
    if reply_lang(lang) == "es":
        return fit(
            f"Este radio aún no puede publicar. Pide al comité que agregue {radio}. "
            "Puedes ver el tablero: 'lista', 'buscar lona'."
        )
    return fit(
        f"This radio can't post here yet. Ask the committee to add {radio}. "
        "You can still read: 'list', 'search tarp'."
    )


def too_long(lang: str, size: int, limit: int) -> str:
    if reply_lang(lang) == "es":
        return fit(
            f"Tu mensaje tiene {size} bytes, {size - limit} de más. Acórtalo y mándalo otra vez."
        )
    return fit(
        f"Your post is {size} bytes, {size - limit} over the {limit} limit. Please shorten it."
    )


def unknown_input(lang: str) -> str:
    """Never silence: what a message we did not understand gets back."""
    spanish = (
        "No entendí. Prueba 'necesito raite al doctor', 'ofrezco 2 bolsas de arroz', "
        "'lista' o 'ayuda'."
    )
    english = (
        "Didn't get that. Try 'need ride to clinic tue', 'offer 2 bags rice', 'list' or 'help'."
    )
    if reply_lang(lang) == "es":
        return spanish
    if lang == "en":
        return english
    both = english + " Español: 'ayuda'"
    return both if utf8_len(both) <= MAX_REPLY_BYTES else english


def no_more(lang: str) -> str:
    if reply_lang(lang) == "es":
        return "No hay más. Manda 'lista' pa empezar otra vez."
    return "No more pages. Send 'list' to start again."


# --- paged answers -----------------------------------------------------------------------

_HELP = {
    "en": (
        "Post: 'offer 2 bags rice', 'need ride to clinic tue', 'trade: seed swap sun 2pm', "
        "'alert: tree down on Oak'. Read: 'list', 'list food', 'search tarp'. 'more' for more",
        "A code like 4F2K shows a post; O/N/T/A = offer/need/trade/alert. Answer: 'R 4F2K on "
        "my way'. Yours met: 'done 4F2K'; take down: 'cancel 4F2K'. Español: 'ayuda'",
    ),
    "es": (
        "Publica: 'ofrezco 2 bolsas de arroz', 'necesito raite el martes', 'trueque: semillas "
        "dom 2pm', 'alerta: árbol caído en Oak'. Ver: 'lista', 'lista comida', 'buscar lona'. "
        "'mas' pa seguir",
        "Un código como 4F2K muestra una publicación; O/N/T/A = oferta/necesidad/trueque/"
        "alerta. Contesta: 'R 4F2K ya voy'. Si se cumplió: 'listo 4F2K'; quitarla: 'borra 4F2K'",
    ),
}


def help_pages(lang: str) -> tuple[str, ...]:
    """The command summary with examples, in two texts ("more" for the second)."""
    return tuple(fit(page) for page in _HELP[reply_lang(lang)])


def _entry_line(entry: EntrySummary) -> str:
    text = clip(one_line(entry.text), LIST_TEXT_BYTES)
    zone = clip(one_line(entry.zone), LIST_ZONE_BYTES)
    line = f"{_code(entry.code)} {KIND_LETTER[entry.kind]} {text}"
    if entry.urgency >= Urgency.HIGH:
        line += " !"
    return f"{line} @{zone}" if zone else line


def _pack_lines(
    lines: Sequence[str], header: Callable[[int, int], str], more: str, last: str
) -> tuple[str, ...]:
    """Entry lines into pages, each under a header; ``more`` ends every page but the last,
    and ``last`` ends the last one when it fits there."""
    budget = MAX_REPLY_BYTES - utf8_len(header(99, 99)) - utf8_len(more)
    groups: list[list[str]] = [[]]
    used = 0
    for line in lines:
        line = clip(line, budget - 1)
        cost = utf8_len(line) + 1  # and its newline
        if groups[-1] and used + cost > budget:
            groups.append([])
            used = 0
        groups[-1].append(line)
        used += cost
    total = len(groups)
    pages = []
    for number, group in enumerate(groups, 1):
        page = header(number, total) + "\n" + "\n".join(group)
        if number < total:
            page += more
        elif utf8_len(page + last) <= MAX_REPLY_BYTES:
            page += last
        pages.append(fit(page))
    return tuple(pages)


# (after a page with more to come, after the last page)
_FOOTERS = {
    "en": ("\n'more' for next", "\nSend a code for details."),
    "es": ("\n'mas' pa seguir", "\nManda un código pa ver más."),
}


def _filter_title(lang: str, kind: Kind | None, category: Category | None, mine: bool) -> str:
    lang = reply_lang(lang)
    if mine:
        title = "Tus publicaciones" if lang == "es" else "Your posts"
    elif kind is not None:
        title = KIND_PLURAL[lang][kind].capitalize()
    else:
        title = "Tablero" if lang == "es" else "Board"
    if category is not None:
        title += f" · {CATEGORY_NAME[lang][category]}"
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
    rlang = reply_lang(lang)
    title = _filter_title(lang, kind, category, mine)
    if not entries:
        if rlang == "es":
            return (fit(f"{title}: nada por ahora. Publica con 'necesito ...' u 'ofrezco ...'."),)
        return (fit(f"{title}: nothing right now. Post one with 'need ...' or 'offer ...'."),)
    lines = [_entry_line(e) for e in entries]
    count = len(entries)

    def header(page: int, pages: int) -> str:
        where = f" {page}/{pages}" if pages > 1 else ""
        return f"{title} ({count}){where}:"

    return _pack_lines(lines, header, *_FOOTERS[rlang])


def search_pages(lang: str, query: Sequence[str], entries: Sequence[EntrySummary]) -> tuple[
    str, ...
]:
    """Entries matching a search (found by the caller), or how to ask for the thing."""
    rlang = reply_lang(lang)
    words = clip(one_line(" ".join(query)), 40)
    if not entries:
        if rlang == "es":
            return (fit(f"Nada con '{words}' por ahora. Pa pedirlo: 'necesito {words}'"),)
        return (fit(f"Nothing for '{words}' yet. To ask for it: 'need {words}'"),)
    count = len(entries)

    def header(page: int, pages: int) -> str:
        where = f" {page}/{pages}" if pages > 1 else ""
        return f"'{words}' ({count}){where}:"

    return _pack_lines([_entry_line(e) for e in entries], header, *_FOOTERS[rlang])


def show_pages(lang: str, entry: EntrySummary) -> tuple[str, ...]:
    """One entry in full: kind, category, status, age, text, zone, how to answer."""
    rlang = reply_lang(lang)
    code = _code(entry.code)
    status = STATUS_NAME[rlang][entry.status]
    kind = KIND_NAME[rlang][entry.kind]
    category = CATEGORY_NAME[rlang][entry.category]
    ago = age(entry.age_minutes)
    when = f"hace {ago}" if rlang == "es" else f"{ago} ago"
    head = f"{code} {kind} · {category} · {status} · {when}\n"
    zone = clip(one_line(entry.zone), 40)
    where = f"\n@{zone}" if zone else ""
    if rlang == "es":
        tail = f"{where}\nContesta: 'R {code} tu mensaje'"
    else:
        tail = f"{where}\nAnswer: 'R {code} your message'"
    more = " …'mas'" if rlang == "es" else " …'more'"
    return _split_to_pages(head, one_line(entry.text), tail, lambda n, total: more)


def reply_to_poster(lang: str, code: str, text: str) -> tuple[str, ...]:
    """A neighbour's answer, passed to the poster in the poster's language (``lang`` is
    the language of the poster's own messages); all pages are sent, in order."""
    code = _code(code)
    if reply_lang(lang) == "es":
        head, tail = f"Re {code}: ", f" — contesta con 'R {code} tu mensaje'"
    else:
        head, tail = f"Re {code}: ", f" — answer with 'R {code} <text>'"
    return _split_to_pages(head, one_line(text), tail, lambda n, total: f" ({n}/{total})")

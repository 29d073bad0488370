"""How well are residents' phone commands understood? The logic behind
``meshaid bench commands``.

Reads a JSON-lines file of labelled messages (``{"text": ..., "intent": ..., "lang": ...}``,
as in the shared corpus), parses each with ``meshaid.node.phone.parse`` and compares the
intent with the label (paging, "more", counts as ``list``, as the corpus labels it). For
every line it also builds the answer the node would send against a small fake board, and
measures the longest text: each must fit one Meshtastic message.

Entry codes are recognised from their shape only (no board lookup), so the figures are
what a node gets for codes that mix letters and digits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meshaid.node.bench.jsonl_file import json_object, read_numbered
from meshaid.node.errors import InputError
from meshaid.node.phone import replies
from meshaid.node.phone.intents import POST_KINDS, Command, Intent, parse, query_matches
from meshaid.node.phone.replies import EntrySummary, utf8_len
from meshaid.protocol.record import MAX_TEXT_BYTES, Category, Kind, Status, Urgency

GOAL_UNDERSTOOD = 0.90
LABELS = tuple(dict.fromkeys(intent.label for intent in Intent))

# The fake board the answers are built against: a mix of kinds, languages and lengths,
# including a text near the 200-byte limit and a long zone name.
FAKE_BOARD = (
    EntrySummary(
        "7Q2M", Kind.OFFER, Category.FOOD, "2 bags rice + beans, porch pickup", "Elm & 5th",
        age_minutes=95,
    ),
    EntrySummary(
        "H3VX", Kind.NEED, Category.TRANSPORT,
        "ride to dialysis tue/thu/sat 5:30am, my ride fell thru. can chip in gas, any car "
        "works, i can walk to the corner of 12th and Broad if thats easier for u. thank u so "
        "much neighbors, really. 🙏",
        "Magnolia Apartments back parking lot", age_minutes=30, urgency=Urgency.HIGH,
    ),
    EntrySummary(
        "5D3H", Kind.OFFER, Category.SHELTER, "3 blue tarps 12x16 + rope", "north block",
        age_minutes=2 * 24 * 60,
    ),
    EntrySummary(
        "K8P1", Kind.TRADE, Category.OTHER, "tianguis domingo 9am atrás de la pulga", "la pulga",
        age_minutes=300,
    ),
    EntrySummary(
        "9E4T", Kind.ALERT, Category.SAFETY,
        "árbol sobre el cable en Cedar y Vine, no se acerquen", "Cedar & Vine",
        age_minutes=12, urgency=Urgency.CRITICAL,
    ),
    EntrySummary(
        "2C8V", Kind.NEED, Category.CHILDCARE, "pañales talla 4 y toallitas", "edificio C",
        age_minutes=600,
    ),
    EntrySummary(
        "A7CQ", Kind.OFFER, Category.ENERGY, "generator 4-9pm, bring cords, 6 outlets",
        "Magnolia lot", age_minutes=180,
    ),
)
# The code a new post would get, and the sender's own latest open post.
NEW_CODE = "4F2KX"
SENDERS_POST = FAKE_BOARD[0]
SENDER_RADIO = 0xA1B2C3D4


class BenchInputError(InputError):
    """The commands file cannot be read or one of its lines is not a labelled message."""


@dataclass(frozen=True)
class LabelledLine:
    line: int
    text: str
    intent: str
    lang: str | None


@dataclass(frozen=True)
class Miss:
    line: int
    text: str
    expected: str
    got: str


@dataclass(frozen=True)
class IntentCount:
    lines: int
    understood: int


@dataclass(frozen=True)
class BenchResult:
    lines: int
    understood: int
    lang_lines: int  # lines that say their language
    lang_matches: int
    per_intent: dict[str, IntentCount]
    misses: tuple[Miss, ...]
    max_reply_bytes: int

    @property
    def understood_fraction(self) -> float:
        return self.understood / self.lines

    @property
    def understood_ok(self) -> bool:
        return self.understood_fraction >= GOAL_UNDERSTOOD

    @property
    def replies_ok(self) -> bool:
        return self.max_reply_bytes <= replies.MAX_REPLY_BYTES


def parse_line(text_line: str, line: int) -> LabelledLine:
    """One JSON line to a LabelledLine; BenchInputError names the line when it is not one."""
    raw = json_object(text_line, line, BenchInputError)
    text = raw.get("text")
    if not isinstance(text, str):
        raise BenchInputError(f"line {line}: missing or non-text field 'text'")
    intent = raw.get("intent")
    if intent not in LABELS:
        raise BenchInputError(
            f"line {line}: unknown intent {intent!r} (one of: {', '.join(LABELS)})"
        )
    lang = raw.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise BenchInputError(f"line {line}: 'lang' must be text")
    return LabelledLine(line, text, str(intent), lang)


def read_lines(path: Path) -> list[LabelledLine]:
    return read_numbered(path, parse_line, "commands", BenchInputError)


def _entry(code: str | None) -> EntrySummary | None:
    return next((e for e in FAKE_BOARD if e.code == code), None)


def _listed(command: Command) -> list[EntrySummary]:
    entries = [e for e in FAKE_BOARD if e.status is Status.OPEN]
    if command.mine:
        entries = [SENDERS_POST]
    if command.kind is not None:
        entries = [e for e in entries if e.kind is command.kind]
    if command.category is not None:
        entries = [e for e in entries if e.category is command.category]
    return entries


def answer(command: Command) -> tuple[str, ...]:
    """Every text the node would send for ``command`` against the fake board: the answer's
    pages, and for a reply also what its poster receives."""
    lang = command.lang
    intent = command.intent
    if intent in (Intent.POST_OFFER, Intent.POST_NEED, Intent.POST_TRADE, Intent.POST_ALERT):
        size = utf8_len(command.body)
        if size > MAX_TEXT_BYTES:
            return (replies.too_long(lang, size, MAX_TEXT_BYTES),)
        return (
            replies.posted(lang, POST_KINDS[intent], NEW_CODE, command.body),
            replies.not_allowed(lang, SENDER_RADIO),
        )
    if intent is Intent.LIST:
        return replies.list_pages(lang, _listed(command), kind=command.kind,
                                  category=command.category, mine=command.mine)
    if intent is Intent.MORE:
        return replies.list_pages(lang, FAKE_BOARD)[1:] or (replies.no_more(lang),)
    if intent is Intent.SEARCH:
        found = [e for e in FAKE_BOARD if query_matches(command.query, e.text)]
        return replies.search_pages(lang, command.query, found)
    if intent is Intent.HELP:
        return replies.help_pages(lang)
    if intent is Intent.UNKNOWN:
        return (replies.unknown_input(lang),)
    code = command.code or SENDERS_POST.code
    entry = _entry(code)
    if entry is None:
        return (replies.unknown_code(lang, code),)
    if intent is Intent.SHOW:
        return replies.show_pages(lang, entry)
    if intent is Intent.CLOSE:
        return (replies.closed(lang, code, Status.FULFILLED),)
    if intent is Intent.WITHDRAW:
        return (replies.closed(lang, code, Status.WITHDRAWN),)
    if not command.body:
        return (replies.reply_needs_text(lang, code),)
    return (replies.reply_forwarded(lang, code), *replies.reply_to_poster(lang, code, command.body))


def bench_lines(labelled: Sequence[LabelledLine]) -> BenchResult:
    if not labelled:
        raise BenchInputError("no commands to measure")
    counts: dict[str, list[int]] = {label: [0, 0] for label in LABELS}
    misses = []
    lang_lines = lang_matches = 0
    longest = 0
    for item in labelled:
        command = parse(item.text)
        got = command.intent.label
        counts[item.intent][0] += 1
        if got == item.intent:
            counts[item.intent][1] += 1
        else:
            misses.append(Miss(item.line, item.text, item.intent, got))
        if item.lang is not None:
            lang_lines += 1
            lang_matches += command.lang == item.lang
        longest = max([longest, *(utf8_len(text) for text in answer(command))])
    per_intent = {label: IntentCount(*n) for label, n in counts.items() if n[0]}
    return BenchResult(
        lines=len(labelled),
        understood=sum(c.understood for c in per_intent.values()),
        lang_lines=lang_lines,
        lang_matches=lang_matches,
        per_intent=per_intent,
        misses=tuple(misses),
        max_reply_bytes=longest,
    )


def bench_file(path: Path) -> BenchResult:
    return bench_lines(read_lines(path))


def result_dict(result: BenchResult) -> dict[str, Any]:
    return {
        "lines": result.lines,
        "understood": round(result.understood_fraction, 4),
        "understood_lines": result.understood,
        "lang_lines": result.lang_lines,
        "lang_matches": result.lang_matches,
        "per_intent": {
            label: {"lines": c.lines, "understood": c.understood}
            for label, c in result.per_intent.items()
        },
        "misses": [
            {"line": m.line, "text": m.text, "expected": m.expected, "got": m.got}
            for m in result.misses
        ],
        "max_reply_bytes": result.max_reply_bytes,
        "goal": {"understood": GOAL_UNDERSTOOD, "max_reply_bytes": replies.MAX_REPLY_BYTES},
        "goal_met": result.understood_ok and result.replies_ok,
    }


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def format_result(result: BenchResult) -> list[str]:
    """The report as lines of text: the rate, a table per intent, the misses, the goals."""
    pct = 100 * result.understood_fraction
    out = [
        f"lines: {result.lines}",
        f"understood: {result.understood}/{result.lines} ({pct:.1f}%)",
    ]
    if result.lang_lines:
        out.append(f"language guessed: {result.lang_matches}/{result.lang_lines}")
    out.append(f"{'intent':<12}{'lines':>6}{'understood':>12}")
    for label, count in result.per_intent.items():
        out.append(f"{label:<12}{count.lines:>6}{count.understood:>12}")
    if result.misses:
        out.append(f"misses: {len(result.misses)}")
        for miss in result.misses:
            text = json.dumps(miss.text, ensure_ascii=False)
            out.append(f"  line {miss.line}: {text} expected {miss.expected}, got {miss.got}")
    else:
        out.append("misses: none")
    out += [
        f"longest reply: {result.max_reply_bytes} bytes",
        f"understood ≥ {GOAL_UNDERSTOOD * 100:.0f} %: {_yes(result.understood_ok)}",
        f"every reply ≤ {replies.MAX_REPLY_BYTES} bytes: {_yes(result.replies_ok)}",
    ]
    return out

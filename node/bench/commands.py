"""How well are residents' phone commands understood? The logic behind
``meshaid bench commands``.

Reads a JSON-lines file of labelled messages (``{"text": ..., "intent": ..., "lang": ...}``,
as in the shared corpus), parses each with ``meshaid.node.phone.parse`` and compares the
intent with the label (paging, "more", counts as ``list``, as the corpus labels it). For
every line it also builds the answer the node would send against a small fake board, and
measures the longest text: each must fit one Meshtastic message.

A miss is *harmful* when the node would act on it unasked: post something (or post it as
the wrong kind), close or withdraw a post, or pass the resident's words to a poster, when
that is not what the message meant. A miss the desk asks about first ("Post it as a
need?", "Close 4F2K as done?", see meshaid.node.desk) is not harmful; how many lines the
desk asks about, and how many of those it read right, is reported too, since every
question costs the resident a text. A search that offers to post the message ("Nothing
for 'generator' yet. Reply 'yes' to post ...") counts as the search it is.

The goal, on every set: at least 95 % understood, no harmful miss, every reply within
one text.

The two readers of the parser are also scored alone, for comparison: the rules (with their
harmful misses and questions when they alone decide how sure a guess is), and the nearest
examples (with entry codes read by the rules, since examples carry none).

Entry codes are recognised from their shape only (no board lookup), so the figures are
what a node gets for codes that mix letters and digits.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from meshaid.node.bench.jsonl_file import json_object, read_numbered
from meshaid.node.errors import InputError
from meshaid.node.phone import nearest, replies
from meshaid.node.phone.codes import find_codes
from meshaid.node.phone.intents import (
    POST_KINDS,
    Command,
    Intent,
    by_rules,
    parse,
    parse_by_rules,
    query_matches,
)
from meshaid.node.phone.message import read
from meshaid.node.phone.replies import EntrySummary, utf8_len
from meshaid.node.phone.vocabulary import CODE_WORDS
from meshaid.protocol.record import MAX_TEXT_BYTES, Category, Kind, Status, Urgency

GOAL_UNDERSTOOD = 0.95
GOAL_HARMFUL = 0
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
# When the lines are read: a Saturday morning in US Central time (trades' days and times).
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=timezone(timedelta(hours=-6)))
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


# Intents that change the board or send the resident's words to someone else. A miss taken
# for one of these does harm (a post nobody asked for, a post taken down, a message passed
# on); a miss taken for anything else costs the resident a second try.
ACTING = frozenset(
    {"post_offer", "post_need", "post_trade", "post_alert", "close", "withdraw", "reply"}
)


def is_harmful(expected: str, got: str, asked: bool = False) -> bool:
    """A miss the node acts on unasked: ``got`` is not what was meant, it changes
    something, and the desk would not ask the resident first."""
    return got != expected and got in ACTING and not asked


@dataclass(frozen=True)
class Miss:
    line: int
    text: str
    expected: str
    got: str
    asked: bool = False  # the desk would ask before acting on it

    @property
    def harmful(self) -> bool:
        return is_harmful(self.expected, self.got, self.asked)


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
    asked: int = 0  # lines the desk would ask about before acting
    asked_right: int = 0  # of those, the ones whose guess was what the line meant
    rules_alone: int = 0  # lines the rules alone read right
    rules_alone_harmful: int = 0  # their harmful misses, as sure as the rules alone can be
    rules_alone_asked: int = 0  # lines the desk would ask about with the rules alone
    examples_alone: int = 0  # lines the nearest examples alone read right

    @property
    def harmful(self) -> int:
        return sum(1 for miss in self.misses if miss.harmful)

    @property
    def understood_fraction(self) -> float:
        return self.understood / self.lines

    @property
    def understood_ok(self) -> bool:
        return self.understood_fraction >= GOAL_UNDERSTOOD

    @property
    def harmless_ok(self) -> bool:
        return self.harmful <= GOAL_HARMFUL

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
    pages (with the question first when the desk would ask before acting), and for a reply
    also what its poster receives."""
    lang = command.lang
    intent = command.intent
    if intent in POST_KINDS:
        if utf8_len(command.body) > MAX_TEXT_BYTES:
            return (replies.too_long(lang, command.body, MAX_TEXT_BYTES),)
        kind = POST_KINDS[intent]
        at = command.when.at(NOW) if command.when is not None else None
        asked = () if command.sure else (replies.confirm_post(lang, kind, command.body),)
        dated = () if at is None else (
            replies.when_question(lang, at, passed=True),
            replies.when_question(lang, at, days=60),
            replies.when_question(lang, at, said_weekday=(at.weekday() + 1) % 7),
        )
        return (
            *asked,
            *dated,
            replies.posted(lang, kind, NEW_CODE, command.body, at),
            replies.not_allowed(lang, SENDER_RADIO),
        )
    if intent is Intent.LIST:
        return replies.list_pages(lang, _listed(command), kind=command.kind,
                                  category=command.category, mine=command.mine)
    if intent is Intent.MORE:
        return replies.list_pages(lang, FAKE_BOARD)[1:] or (replies.no_more(lang),)
    if intent is Intent.SEARCH:
        found = [e for e in FAKE_BOARD if query_matches(command.query, e.text)]
        could_post = command.post_as is not None
        return (
            *replies.search_pages(lang, command.query, found, could_post=could_post),
            *replies.search_pages(lang, command.query, [], could_post=could_post),
        )
    if intent is Intent.HELP:
        return replies.help_pages(lang)
    if intent is Intent.UNKNOWN:
        return (replies.unknown_input(lang), replies.nothing_to_confirm(lang))
    code = command.code or SENDERS_POST.code
    entry = _entry(code)
    if entry is None:
        return (replies.unknown_code(lang, code),)
    if intent is Intent.SHOW:
        shown = dataclasses.replace(entry, when=NOW, expires=NOW)
        return (*replies.show_pages(lang, entry), *replies.show_pages(lang, shown))
    if intent in (Intent.CLOSE, Intent.WITHDRAW):
        status = Status.FULFILLED if intent is Intent.CLOSE else Status.WITHDRAWN
        asked = (
            (replies.confirm_close(lang, code, entry.text, status),) if command.asks_first else ()
        )
        several = replies.which_post(lang, FAKE_BOARD, status) if command.code is None else ()
        return (*asked, *several, replies.closed(lang, code, status), replies.kept(lang, code))
    if not command.body:
        return (replies.reply_needs_text(lang, code),)
    return (replies.reply_forwarded(lang, code), *replies.reply_to_poster(lang, code, command.body))


def by_examples(text: str) -> Intent:
    """The intent the nearest examples alone give ``text`` (codes read by the rules)."""
    msg = read(text)
    if not msg.words:
        return parse(text).intent
    if find_codes(msg.tokens, None, CODE_WORDS):
        return by_rules(msg).intent
    vote = nearest.vote(msg)
    return Intent.UNKNOWN if vote is None else vote.intent


def bench_lines(labelled: Sequence[LabelledLine]) -> BenchResult:
    if not labelled:
        raise BenchInputError("no commands to measure")
    counts: dict[str, list[int]] = {label: [0, 0] for label in LABELS}
    misses = []
    lang_lines = lang_matches = 0
    longest = 0
    asked = asked_right = rules_alone = rules_harmful = rules_asked = examples_alone = 0
    for item in labelled:
        command = parse(item.text, now=NOW)
        got = command.intent.label
        counts[item.intent][0] += 1
        would_ask = command.asks_first
        asked += would_ask
        if got == item.intent:
            counts[item.intent][1] += 1
            asked_right += would_ask
        else:
            misses.append(Miss(item.line, item.text, item.intent, got, would_ask))
        ruled = parse_by_rules(item.text)
        rules_alone += ruled.intent.label == item.intent
        rules_would_ask = ruled.asks_first
        rules_asked += rules_would_ask
        rules_harmful += is_harmful(item.intent, ruled.intent.label, rules_would_ask)
        examples_alone += by_examples(item.text).label == item.intent
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
        asked=asked,
        asked_right=asked_right,
        rules_alone=rules_alone,
        rules_alone_harmful=rules_harmful,
        rules_alone_asked=rules_asked,
        examples_alone=examples_alone,
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
        "harmful_misses": result.harmful,
        "asked_first": result.asked,
        "asked_first_read_right": result.asked_right,
        "rules_alone": result.rules_alone,
        "rules_alone_harmful_misses": result.rules_alone_harmful,
        "rules_alone_asked_first": result.rules_alone_asked,
        "examples_alone": result.examples_alone,
        "misses": [
            {"line": m.line, "text": m.text, "expected": m.expected, "got": m.got,
             "asked_first": m.asked, "harmful": m.harmful}
            for m in result.misses
        ],
        "max_reply_bytes": result.max_reply_bytes,
        "goal": {"understood": GOAL_UNDERSTOOD, "harmful_misses": GOAL_HARMFUL,
                 "max_reply_bytes": replies.MAX_REPLY_BYTES},
        "goal_met": result.understood_ok and result.harmless_ok and result.replies_ok,
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
    out += [
        f"harmful misses: {result.harmful}",
        f"asked first: {result.asked} ({result.asked_right} of them read right)",
        f"rules alone: {result.rules_alone}/{result.lines} "
        f"({result.rules_alone_harmful} harmful, {result.rules_alone_asked} asked first), "
        f"examples alone: {result.examples_alone}/{result.lines}",
    ]
    out.append(f"{'intent':<12}{'lines':>6}{'understood':>12}")
    for label, count in result.per_intent.items():
        out.append(f"{label:<12}{count.lines:>6}{count.understood:>12}")
    if result.misses:
        out.append(f"misses: {len(result.misses)}")
        for miss in result.misses:
            text = json.dumps(miss.text, ensure_ascii=False)
            harm = " (harmful)" if miss.harmful else " (asked first)" if miss.asked else ""
            out.append(
                f"  line {miss.line}: {text} expected {miss.expected}, got {miss.got}{harm}"
            )
    else:
        out.append("misses: none")
    out += [
        f"longest reply: {result.max_reply_bytes} bytes",
        f"understood ≥ {GOAL_UNDERSTOOD * 100:.0f} %: {_yes(result.understood_ok)}",
        f"harmful misses ≤ {GOAL_HARMFUL}: {_yes(result.harmless_ok)}",
        f"every reply ≤ {replies.MAX_REPLY_BYTES} bytes: {_yes(result.replies_ok)}",
    ]
    return out

"""What a resident's text message asks the node to do: ``parse(text) -> Command``.

Pure: no clock, no store, no I/O (``now`` is passed in). Two readers look at a message:

* the rules: general vocabulary in English and Spanish (plus a few words of Haitian
  Creole, Vietnamese and Arabic, meshaid.node.phone.vocabulary), read over the canonical
  words of ``tokens`` so that case, accents, shorthand and one-letter typos do not matter;
* the examples (meshaid.node.phone.nearest): labelled messages, of which the nearest to
  this one say what it asks.

The rules, first match wins:

1. nothing but punctuation: ``?`` asks for help, anything else is not understood;
2. an entry code in the message: show, close, withdraw or reply, by the words around it;
3. help, ``more``, withdraw and close, said in so many words;
4. list and search requests ("show offers", "que hay?", "anyone have a tarp?");
5. posts: an explicit first word ("offer:", "necesito", "ALERT") decides the kind;
   otherwise offer, need, trade and alert cues are counted and the strongest wins;
6. a short question about a thing ("tarp?") is a search;
7. anything else is not understood (the reply then says how to post).

How sure: what a command word says outright (a code with its command word, "done",
"cancel my post", an explicit post) is ``sure``. A post the rules infer is sure when the
message asks no question and either the nearest examples read it the same way or, when
no example is near enough to say, its cues point to one kind alone; an inferred close or
withdrawal never is. An example almost identical to the message (``nearest.OVERRIDE``)
outweighs the rules, and one fairly near to a message the rules did not understand
(``nearest.SUGGEST``) is taken for it, so that a misread is fixed by adding an example;
what the examples propose against the rules is never sure. The desk asks the resident
before it acts on anything not sure (meshaid.node.desk).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from meshaid.node.phone import nearest
from meshaid.node.phone.codes import CodeHit, IsCode, find_codes
from meshaid.node.phone.command import POST_KINDS, Command, Intent
from meshaid.node.phone.message import Message, content, first_meaningful, read
from meshaid.node.phone.posts import clear_cues, has_post_start, make_post, post
from meshaid.node.phone.reading import (
    board_list,
    list_command,
    query_matches,
    query_words,
    search,
    search_command,
    short_question,
)
from meshaid.node.phone.tokens import find_phrase, has_any
from meshaid.node.phone.vocabulary import (
    APP_WORDS,
    ARABIC,
    BARE_HOW,
    CLOSE_PHRASES,
    CLOSE_WORDS,
    CODE_WORDS,
    FILLER,
    FOUND,
    GOT_THE,
    HELP_WORDS,
    HOW_OPENERS,
    HOW_WORDS,
    KIND_WORDS,
    MORE_FILLER,
    MORE_WORDS,
    NEGATED_HAVE,
    NO_LONGER,
    PAST_HELP,
    POLITE,
    POST_OBJECTS,
    REPLY_WORDS,
    SHOW_WORDS,
    THANKS,
    VIETNAMESE,
    WITHDRAW_PHRASES,
    WITHDRAW_WORDS,
)
from meshaid.node.phone.when import read_when

__all__ = ["POST_KINDS", "Command", "Intent", "parse", "query_matches", "query_words"]

_POLITE = FILLER | POLITE


# --- rules -------------------------------------------------------------------------------


def _with_code(msg: Message, hit: CodeHit) -> Command:
    i = hit.index
    before = msg.words[:i]
    after = msg.words[i + 1 :]
    code_token = msg.tokens[i]
    rest = msg.text[code_token.end :].lstrip(" :,.;-–—>").strip()

    def make(intent: Intent, body: str = "") -> Command:
        return Command(intent, msg.lang, msg.text, body=body, code=hit.code)

    # "R 4F2K ...", "reply to 4F2K ...", "@4F2K ...": but not "tell me about 4F2K".
    explicit_reply = (
        bool(before) and before[0] in REPLY_WORDS and all(w in FILLER for w in before[1:])
    ) or (i == 0 and code_token.raw.startswith("@"))
    if explicit_reply:
        return make(Intent.REPLY, rest)
    # The command word nearest the code decides: "got it, close 3B1R", "mark 9E4T done".
    # A word after the code counts only when it comes right after it and ends the message,
    # so that "4F2K are you done with it?" stays a reply to the poster.
    nearest_words = list(reversed(before))
    trailing = [w for w in after if w not in FILLER and w not in THANKS]
    if len(trailing) == 1:
        nearest_words.insert(0, trailing[0])
    for word in nearest_words:
        if word in WITHDRAW_WORDS and not msg.question:
            return make(Intent.WITHDRAW)
        if word in CLOSE_WORDS and not msg.question:
            return make(Intent.CLOSE)
        if word in REPLY_WORDS:
            return make(Intent.REPLY, rest)
        if word in SHOW_WORDS:
            return make(Intent.SHOW)
    if not content(after):
        return make(Intent.SHOW)
    if i == 0:
        return make(Intent.REPLY, rest)
    # Words on both sides and no command word: a message about that entry for its poster,
    # passed on whole ("is 4F2K still there" must not reach them as "still there").
    return make(Intent.REPLY, msg.text)


def _help(msg: Message) -> Command | None:
    words = msg.words
    if any(w in HELP_WORDS for w in words) and all(
        w in HELP_WORDS or w in _POLITE or w in APP_WORDS for w in words
    ):
        return Command(Intent.HELP, msg.lang, msg.text)
    # "how does this work", "no se como usar esto", "what can i send"
    asks_how = any(w in HOW_WORDS for w in words[:3])
    asks_how = asks_how or any(find_phrase(words, opener) == 0 for opener in HOW_OPENERS)
    if asks_how and (
        any(w in APP_WORDS for w in words)
        or all(w in _POLITE or w in HOW_WORDS or w in BARE_HOW or w in HELP_WORDS for w in words)
    ):
        return Command(Intent.HELP, msg.lang, msg.text)
    if msg.lang == "vi" and has_any(msg.folded, VIETNAMESE[Intent.HELP]) and len(words) <= 4:
        return Command(Intent.HELP, msg.lang, msg.text)
    if msg.lang == "ar" and has_any(msg.folded, ARABIC[Intent.HELP]) and len(words) <= 3:
        return Command(Intent.HELP, msg.lang, msg.text)
    return None


def _more(msg: Message) -> Command | None:
    words = msg.words
    if words[0] in MORE_WORDS and all(
        w in MORE_WORDS or w in FILLER or w in MORE_FILLER for w in words
    ):
        return Command(Intent.MORE, msg.lang, msg.text)
    return None


def _about_own_post(words: list[str], start: int) -> bool:
    """The words after a close/withdraw verb are about the sender's post, or there are none."""
    following = words[start + 1 : start + 4]
    return not following or any(w in POST_OBJECTS or w in KIND_WORDS for w in following) or all(
        w in FILLER or w in THANKS or w in CLOSE_WORDS or w in WITHDRAW_WORDS
        for w in words[start + 1 :]
    )


def _no_longer(words: list[str]) -> bool:
    """'dont need the ride anymore', 'no longer have the crib'."""
    at = max(find_phrase(words, p) for p in NEGATED_HAVE)
    return at >= 0 and any(w in NO_LONGER for w in words[at:])


def _withdraw_or_close(msg: Message) -> Command | None:
    words = msg.words
    first = first_meaningful(words)
    lead = words[first] if first < len(words) else ""
    if lead in WITHDRAW_WORDS and _about_own_post(words, first):
        return Command(Intent.WITHDRAW, msg.lang, msg.text)
    if lead in CLOSE_WORDS and _about_own_post(words, first):
        return Command(Intent.CLOSE, msg.lang, msg.text)
    if has_post_start(msg):
        return None
    if msg.has(WITHDRAW_PHRASES) or _no_longer(words):
        return Command(Intent.WITHDRAW, msg.lang, msg.text, sure=False)
    thanked = any(w in THANKS for w in words)
    if msg.question:
        return None
    if msg.has(CLOSE_PHRASES) or msg.has(PAST_HELP):
        return Command(Intent.CLOSE, msg.lang, msg.text, sure=False)
    if msg.has(FOUND) and (thanked or len(words) <= 4):
        return Command(Intent.CLOSE, msg.lang, msg.text, sure=False)
    if msg.has(GOT_THE) and thanked:
        return Command(Intent.CLOSE, msg.lang, msg.text, sure=False)
    return None


def by_rules(msg: Message, is_code: IsCode | None = None) -> Command:
    """What the rules alone make of a message with words (see the module docstring)."""
    hits = find_codes(msg.tokens, is_code, CODE_WORDS)
    if hits:
        return _with_code(msg, hits[0])
    for rule in (_help, _more, _withdraw_or_close, board_list, search, post, short_question):
        command = rule(msg)
        if command is not None:
            return command
    return Command(Intent.UNKNOWN, msg.lang, msg.text)


# --- the second reader -------------------------------------------------------------------


def _as(msg: Message, intent: Intent) -> Command | None:
    """The command that reads ``msg`` as ``intent`` (what the examples say it is), or None
    when that intent needs something the message lacks (a reply or a show needs a code)."""
    if intent in POST_KINDS:
        return make_post(msg, intent, sure=False)
    if intent is Intent.LIST:
        return list_command(msg)
    if intent is Intent.SEARCH:
        return search_command(msg)
    if intent in (Intent.HELP, Intent.MORE, Intent.UNKNOWN):
        return Command(intent, msg.lang, msg.text)
    if intent in (Intent.CLOSE, Intent.WITHDRAW):
        return Command(intent, msg.lang, msg.text, sure=False)
    return None


def _settled(msg: Message, command: Command, vote: nearest.Vote | None) -> Command:
    """How sure a command that changes the board is (see the module docstring): a guessed
    post when it asks no question and the examples read it the same way, or, when no
    example is near enough to say, when its cues are clear; an inferred close or
    withdrawal never."""
    if not command.acts:
        return command
    if command.intent not in POST_KINDS or msg.asks:
        return dataclasses.replace(command, sure=False)
    if vote is None or vote.intent is command.intent:
        agreed = vote is not None and vote.similarity >= nearest.KNOWS
        return dataclasses.replace(command, sure=agreed or clear_cues(msg, command.intent))
    doubted = vote.similarity >= nearest.DOUBTS
    return dataclasses.replace(command, sure=not doubted and clear_cues(msg, command.intent))


def _second_opinion(msg: Message, ruled: Command) -> Command:
    """The rules' command, checked against the nearest examples (module docstring)."""
    if ruled.code is not None or (ruled.acts and ruled.sure):
        return ruled  # a code, or a post, close or withdrawal said in so many words
    vote = nearest.vote(msg)
    if vote is not None and vote.intent is not ruled.intent and (
        vote.similarity >= nearest.OVERRIDE
        or (ruled.intent is Intent.UNKNOWN and vote.similarity >= nearest.SUGGEST)
    ):
        taken = _as(msg, vote.intent)
        if taken is not None:
            return taken  # what the examples propose against the rules is never sure
    return _settled(msg, ruled, vote)


def parse_by_rules(
    text: str, *, is_code: IsCode | None = None, default_lang: str = "en"
) -> Command:
    """What the rules alone make of ``text``, as sure as they alone can be (a command said
    outright, or a post whose cues point to one kind): for measuring the readers apart."""
    msg = read(text, default_lang)
    if not msg.words:
        return parse(text, default_lang=default_lang)
    ruled = by_rules(msg, is_code)
    return ruled if ruled.code is not None or ruled.sure else _settled(msg, ruled, None)


def parse(
    text: str,
    *,
    now: datetime | None = None,
    is_code: IsCode | None = None,
    default_lang: str = "en",
) -> Command:
    """Understand one message from a resident's phone. Never raises on any text.

    ``now`` (aware, in the node's time zone) resolves the day and time a trade names.
    ``is_code`` confirms that an all-letter word names an entry on the board (``tarp`` is
    a word unless the board has an entry TARP). ``default_lang`` is the answer language
    when the message gives no clue (a bare code), e.g. the sender's last language.
    """
    msg = read(text, default_lang)
    if not msg.words:
        intent = Intent.HELP if "?" in msg.text or "¿" in msg.text else Intent.UNKNOWN
        return Command(intent, msg.lang, msg.text)
    command = _second_opinion(msg, by_rules(msg, is_code))
    if command.intent is Intent.POST_TRADE and now is not None:
        command = dataclasses.replace(command, when=read_when(command.body, now))
    return command

"""What a resident's text message asks the node to do: ``parse(text) -> Command``.

Pure: no clock, no store, no I/O (``now`` is passed in). Two readers look at a message:

* the rules: general vocabulary in English and Spanish (meshaid.node.phone.vocabulary;
  other languages: vocabulary_other), read over the canonical words of ``tokens`` so that
  case, accents, shorthand, pronouns on Spanish verbs and one-letter typos do not matter;
* the examples (meshaid.node.phone.nearest): labelled messages, of which the nearest to
  this one say what it asks.

The rules, first match wins:

1. nothing but punctuation: ``?`` asks for help, anything else is not understood;
2. an entry code in the message: show, close, withdraw or reply, by the command word
   nearest the code ("del" only as the first word: in Spanish it is "de el");
3. help, ``more``, withdraw and close: a command word first, an idiom anywhere ("never
   mind my offer", "all sorted", "retiro lo que puse"), or a close or withdraw verb
   anywhere in a message about the sender's own post ("ya lo puedes cerrar");
4. list and search requests ("show offers", "pásame la lista", "anyone have a tarp?");
5. posts: an explicit first word ("offer:", "necesito", "ALERT") decides the kind;
   otherwise offer, need, trade and alert cues are counted and the strongest wins;
6. a short question about a thing ("tarp?") is a search;
7. anything else is not understood (the reply then says how to post; in English and
   Spanish when nothing tells the message's language, ``UNDETERMINED``).

A question that the cues only guess a post from ("is anybody offering a ride downtown",
"anyone got a generator i could borrow?") is then a search, carrying the need it could be
(``Command.post_as``): the desk answers the search and offers to post it.

How sure: what a command word says outright (an explicit post; a close or withdrawal
whose code stands next to a clear verb, with nothing else that says more) is ``sure``. A
post the rules infer is sure when the message asks no question and either the nearest
examples read it the same way or, when no example is near enough to say, its cues point
to one kind alone; an inferred close or withdrawal never is. An example almost identical
to the message (``nearest.OVERRIDE``) outweighs the rules, and one fairly near to a
message the rules did not understand (``nearest.SUGGEST``) is taken for it, so that a
misread is fixed by adding an example; what the examples propose against the rules is
never sure. The desk asks the resident before it acts on anything not sure, and before a
close or withdrawal without a code (``Command.asks_first``, meshaid.node.desk).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from meshaid.node.phone import categories, nearest
from meshaid.node.phone.codes import CodeHit, IsCode, find_codes
from meshaid.node.phone.command import POST_KINDS, Command, Intent
from meshaid.node.phone.lang import UNDETERMINED
from meshaid.node.phone.message import Message, content, first_meaningful, read
from meshaid.node.phone.posts import clear_cues, has_post_start, make_post, post, post_scores
from meshaid.node.phone.reading import (
    board_list,
    list_command,
    query_matches,
    query_words,
    question_search,
    search,
    search_command,
    short_question,
)
from meshaid.node.phone.tokens import Phrases, find_phrase, has_any
from meshaid.node.phone.vocabulary import (
    ADDRESSEES,
    APP_WORDS,
    AROUND_A_VERB,
    BARE_HOW,
    CALLED_OFF,
    CLOSE_COMMANDS,
    CLOSE_PHRASES,
    CLOSE_WORDS,
    CODE_WORDS,
    FILLER,
    FIRST_ONLY_VERBS,
    FOUND,
    GOT_THE,
    HELP_WORDS,
    HOW_OPENERS,
    HOW_WORDS,
    KIND_WORDS,
    MORE_FILLER,
    MORE_WORDS,
    NEGATED_HAVE,
    NEGATIONS,
    NO_LONGER,
    PAST_HELP,
    POLITE,
    POST_OBJECTS,
    REPLY_WORDS,
    SHOW_WORDS,
    TAKE_DOWN,
    THANKS,
    WITHDRAW_COMMANDS,
    WITHDRAW_PHRASES,
    WITHDRAW_WORDS,
)
from meshaid.node.phone.vocabulary_other import intent_phrases
from meshaid.node.phone.when import read_when

__all__ = ["POST_KINDS", "Command", "Intent", "parse", "query_matches", "query_words"]

_POLITE = FILLER | POLITE
# "ayuda, no sé cómo funciona" is help; a longer message tells of something else.
MAX_HELP_WORDS = 8


# --- rules -------------------------------------------------------------------------------


def _verb_at(msg: Message, j: int) -> Intent | None:
    """What the word at ``j`` does to an entry named beside it, or None."""
    word = msg.words[j]
    if word in FIRST_ONLY_VERBS and j != first_meaningful(msg.words):
        return None
    if word in WITHDRAW_WORDS and not msg.question:
        return Intent.WITHDRAW
    if word in CLOSE_WORDS and not msg.question:
        return Intent.CLOSE
    if word in REPLY_WORDS:
        return Intent.REPLY
    if word in SHOW_WORDS:
        return Intent.SHOW
    return None


def _touches(words: list[str], i: int, group: Phrases) -> bool:
    """A phrase of ``group`` ends right before ``words[i]`` or starts right after it."""
    return any(
        tuple(words[max(0, i - len(p)) : i]) == p or tuple(words[i + 1 : i + 1 + len(p)]) == p
        for p in group
    )


_HARMLESS = (
    FILLER | THANKS | POST_OBJECTS | AROUND_A_VERB | ADDRESSEES | CLOSE_WORDS | WITHDRAW_WORDS
)
_TAKE_DOWN_WORDS = frozenset(word for phrase in TAKE_DOWN for word in phrase)


def _unmistakable(msg: Message, i: int, verbs: list[int]) -> bool:
    """A close or withdrawal of the entry at ``i`` said in so many words: a verb (at one of
    ``verbs``) is next to the code (filler aside), nothing says not to, and every other
    word is one that may stand around a verb (see AROUND_A_VERB)."""
    words = msg.words
    if msg.question or any(w in NEGATIONS for w in words):
        return False
    said = {words[j] for j in verbs if 0 <= j < len(words)}
    if not all(w in _HARMLESS or w in said for j, w in enumerate(words) if j != i):
        return False
    gap = FILLER | AROUND_A_VERB
    return any(
        all(words[k] in gap for k in range(min(i, j) + 1, max(i, j)))
        for j in verbs if 0 <= j < len(words)
    )


def _with_code(msg: Message, hit: CodeHit) -> Command:
    i = hit.index
    words = msg.words
    before = words[:i]
    after = words[i + 1 :]
    code_token = msg.tokens[i]
    rest = msg.text[code_token.end :].lstrip(" :,.;-–—>").strip()

    def make(intent: Intent, body: str = "", sure: bool = True) -> Command:
        return Command(intent, msg.lang, msg.text, body=body, code=hit.code, sure=sure)

    # "R 4F2K ...", "reply to 4F2K ...", "@4F2K ...": but not "tell me about 4F2K".
    explicit_reply = (
        bool(before) and before[0] in REPLY_WORDS and all(w in FILLER for w in before[1:])
    ) or (i == 0 and code_token.raw.startswith("@"))
    if explicit_reply:
        return make(Intent.REPLY, rest)
    if _touches(words, i, TAKE_DOWN) and not msg.question:
        phrase = [j for j in range(len(words)) if words[j] in _TAKE_DOWN_WORDS]
        return make(Intent.WITHDRAW, sure=_unmistakable(msg, i, phrase))
    # The command word nearest the code decides: "got it, close 3B1R", "mark 9E4T done".
    # A word after the code counts only when it comes right after it and ends the message,
    # so that "4F2K are you done with it?" stays a reply to the poster.
    order = list(range(i - 1, -1, -1))
    trailing = [
        j for j in range(i + 1, len(words)) if words[j] not in FILLER | THANKS | ADDRESSEES
    ]
    if len(trailing) == 1:
        order.insert(0, trailing[0])
    for j in order:
        intent = _verb_at(msg, j)
        if intent in (Intent.CLOSE, Intent.WITHDRAW):
            verbs = [k for k in order if _verb_at(msg, k) is intent]
            return make(intent, sure=_unmistakable(msg, i, verbs))
        if intent is Intent.REPLY:
            return make(intent, rest)
        if intent is Intent.SHOW:
            return make(intent)
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
    # "ayuda, no sé cómo funciona": help asked for about the node itself, and nothing else.
    if (
        any(w in HELP_WORDS for w in words)
        and any(w in APP_WORDS for w in words)
        and categories.guess_category(words) is None
        and len(words) <= MAX_HELP_WORDS
    ):
        return Command(Intent.HELP, msg.lang, msg.text)
    if len(words) <= 5 and has_any(msg.folded, intent_phrases(msg.lang, Intent.HELP)):
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


def _commanded(msg: Message) -> Command | None:
    """A close or withdraw command anywhere in a message about the sender's own post
    ("ya lo puedes cerrar", "tarps r gone, close it"), when nothing else in it asks for,
    offers or warns of anything. Never sure: the desk asks first."""
    if msg.question or any(post_scores(msg).values()):
        return None
    for j, word in enumerate(msg.words):
        for commands, intent in ((WITHDRAW_COMMANDS, Intent.WITHDRAW),
                                 (CLOSE_COMMANDS, Intent.CLOSE)):
            if word in commands and _about_own_post(msg.words, j):
                return Command(intent, msg.lang, msg.text, sure=False)
    return None


def _withdraw_or_close(msg: Message) -> Command | None:
    words = msg.words
    first = first_meaningful(words)
    lead = words[first] if first < len(words) else ""
    if lead in WITHDRAW_WORDS and _about_own_post(words, first):
        return Command(Intent.WITHDRAW, msg.lang, msg.text)
    if lead in CLOSE_WORDS and _about_own_post(words, first):
        return Command(Intent.CLOSE, msg.lang, msg.text)
    scores = post_scores(msg)
    asks_or_offers = scores[Intent.POST_NEED] or scores[Intent.POST_OFFER]
    if msg.has(CALLED_OFF) and not asks_or_offers and not msg.question:
        return Command(Intent.WITHDRAW, msg.lang, msg.text, sure=False)  # "swap is cancelled"
    if has_post_start(msg):
        return None
    thanked = any(w in THANKS for w in words)
    helped = msg.has(PAST_HELP) or (msg.has(FOUND) and (thanked or len(words) <= 4))
    if msg.has(WITHDRAW_PHRASES) or _no_longer(words):
        # "ya no necesito nada, me ayudaron los vecinos": no longer needed since met.
        intent = Intent.CLOSE if helped and not msg.question else Intent.WITHDRAW
        return Command(intent, msg.lang, msg.text, sure=False)
    if msg.question:
        return None
    if msg.has(CLOSE_PHRASES) or helped or (msg.has(GOT_THE) and thanked):
        return Command(Intent.CLOSE, msg.lang, msg.text, sure=False)
    return _commanded(msg)


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
        if "?" in msg.text or "¿" in msg.text:
            return Command(Intent.HELP, msg.lang, msg.text)
        return Command(Intent.UNKNOWN, UNDETERMINED, msg.text)
    command = _second_opinion(msg, by_rules(msg, is_code))
    if command.intent is Intent.UNKNOWN and msg.told is None:
        # Nothing tells its language: the answer is in every language the desk speaks.
        return dataclasses.replace(command, lang=UNDETERMINED)
    asked = question_search(msg, command)
    if asked is not None:
        command = asked
    if command.intent is Intent.POST_TRADE and now is not None:
        command = dataclasses.replace(command, when=read_when(command.body, now))
    return command

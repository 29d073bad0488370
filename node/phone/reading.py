"""Reading the board: list requests ("show offers", "que hay?"), searches ("anyone have a
tarp?", "search blankets", "tarp?") and how a search matches a post's text.

Nothing here changes the board, so a misread costs the resident one more text, never a
wrong post: these rules need no confirmation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from meshaid.node.phone import categories
from meshaid.node.phone.command import Command, Intent
from meshaid.node.phone.message import Message, clean, content, score, stem
from meshaid.node.phone.posts import (
    MAX_BARE_SEARCH_WORDS,
    MAX_QUESTION_SEARCH_WORDS,
    alert_score,
    has_post_start,
    make_post,
)
from meshaid.node.phone.tokens import has_any, phrases_in, tokenize
from meshaid.node.phone.vocabulary import (
    ALERT_CUES,
    ASKERS,
    ASKING_FIRST,
    CHATTER,
    CONDITIONAL_HAVE,
    EVERYTHING,
    FILLER,
    KIND_WORDS,
    LEXICON,
    LIST_QUERY_NOISE,
    LIST_QUESTIONS,
    LIST_START,
    MINE_ALONE,
    MINE_WORDS,
    MY_POSTS,
    NEED_CUES,
    NOT_A_NEED,
    OFFER_CUES,
    PLACE_WORDS,
    POST_OBJECTS,
    QUESTION_WORDS,
    SEARCH_COMPATIBLE_NEEDS,
    SEARCH_QUERY_NOISE,
    SEARCH_QUESTIONS,
    SEARCH_START,
    SHOW_LIKE,
    TRADE_CUES,
)
from meshaid.protocol.record import Category, Kind

# "anyone have a generator?" is a search; a longer question tells a story, and is a need.
MAX_SEARCH_WORDS = 8
# A question with no cue that says what it is ("is anybody offering a ride downtown") is
# a search up to this many words.
MAX_QUESTION_WORDS = 10

_NOT_LIST_QUERY = (
    frozenset(KIND_WORDS) | frozenset(categories.CATEGORY_NAMES) | LIST_START | SHOW_LIKE
    | MINE_WORDS | POST_OBJECTS | PLACE_WORDS | LIST_QUERY_NOISE
)
_NOT_SEARCH_QUERY = SEARCH_START | SEARCH_QUERY_NOISE
_NOT_QUESTION_QUERY = _NOT_SEARCH_QUERY | QUESTION_WORDS | ASKING_FIRST | ASKERS


def _filters(words: Sequence[str]) -> tuple[Kind | None, Category | None, bool, tuple[str, ...]]:
    kind = next((KIND_WORDS[w] for w in words if w in KIND_WORDS), None)
    named = next((categories.CATEGORY_NAMES[w] for w in words if w in categories.CATEGORY_NAMES),
                 None)
    category = named if named is not None else categories.guess_category(words)
    # "my posts", "mis cosas", "my needs", "list mine"
    mine = any(w in MINE_ALONE for w in words) or has_any(words, MY_POSTS) or (
        any(w in MINE_WORDS for w in words)
        and any((w in POST_OBJECTS or w in KIND_WORDS) and w not in MINE_WORDS for w in words)
    )
    return kind, category, mine, content(words, _NOT_LIST_QUERY)


def list_command(msg: Message) -> Command:
    """A list request with the filters the message names (kind, category, "my")."""
    kind, category, mine, query = _filters(msg.words)
    return Command(Intent.LIST, msg.lang, msg.text, kind=kind, category=category, mine=mine,
                   query=query)


def board_list(msg: Message) -> Command | None:
    words = msg.words
    first = words[0]
    rest = words[1:]
    listy = (
        first in LIST_START
        or (
            first in SHOW_LIKE
            and any(
                w in KIND_WORDS or w in categories.CATEGORY_NAMES or w in LIST_START
                or w in EVERYTHING
                for w in rest
            )
        )
        or (
            any(w in KIND_WORDS for w in words)
            and all(w in KIND_WORDS or w in FILLER or w in MINE_WORDS for w in words)
        )
        # "offers near the school", "needs by the church": a kind and a place.
        or (first in KIND_WORDS and len(rest) > 1 and rest[0] in PLACE_WORDS)
        # "what do u have": a list question, though "do you have" also starts searches;
        # with a thing named ("what do u have for babies") it is a search.
        or (msg.has(LIST_QUESTIONS) and not has_post_start(msg) and (
            not msg.has(SEARCH_QUESTIONS) or search_command(msg) is None
        ))
        or (first in MINE_WORDS and any(w in POST_OBJECTS for w in rest) and len(words) <= 3)
        or (msg.has(MY_POSTS) and len(words) <= MAX_SEARCH_WORDS)
    )
    return list_command(msg) if listy else None


def search_command(msg: Message, drop: frozenset[str] = _NOT_SEARCH_QUERY) -> Command | None:
    """A search for the message's content words, or None when it has none."""
    query = content(msg.words, drop)
    if not query:
        return None
    return Command(Intent.SEARCH, msg.lang, msg.text, category=categories.guess_category(query),
                   query=query)


def _asks_a_neighbour(msg: Message) -> bool:
    """A need said to the neighbours ("can someone lend me", "i need it for my mom"), not
    one a search of the board may answer ("anyone got a generator i could borrow?")."""
    found = phrases_in(msg.words, NEED_CUES[0][0]) - SEARCH_COMPATIBLE_NEEDS
    return bool(found) and not msg.has(NOT_A_NEED)


def search(msg: Message) -> Command | None:
    words = msg.words
    explicit = words[0] in SEARCH_START and len(words) > 1
    if not explicit and not msg.has(SEARCH_QUESTIONS):
        return None
    if explicit:
        return search_command(msg)
    # A search is a short question; "anybody have a box fan? no AC still & its 85 in here"
    # tells a story, and is a need to post.
    if len(words) > MAX_SEARCH_WORDS or msg.has(CONDITIONAL_HAVE) or _asks_a_neighbour(msg):
        return None
    if msg.has(TRADE_CUES[0][0]) or alert_score(msg) >= 2:
        return None
    command = search_command(msg)
    if command is not None and score(words, NEED_CUES[:1]):
        # "... i could borrow?": a search first, and the offer to post it as a need.
        return as_search(msg, command)
    return command


def as_search(msg: Message, command: Command) -> Command:
    """``command`` (a search of ``msg``'s words) carrying the need ``msg`` would post."""
    need = make_post(msg, Intent.POST_NEED, sure=False)
    return dataclasses.replace(
        command, body=need.body, category=need.category, urgency=need.urgency,
        post_as=Intent.POST_NEED,
    )


def _strong_cue(msg: Message) -> bool:
    """A cue that says outright what kind of post the message is (a weight-2 cue of any
    kind, or a trade word), leaving aside the needs a search may answer."""
    words = msg.words
    groups = (OFFER_CUES[0][0], TRADE_CUES[0][0], ALERT_CUES[0][0])
    needs = phrases_in(words, NEED_CUES[0][0]) - SEARCH_COMPATIBLE_NEEDS
    return bool(needs) or any(has_any(words, group) for group in groups)


def question_search(msg: Message, guessed: Command) -> Command | None:
    """A question the cues only guess a need or offer from ("is anybody offering a ride
    downtown", "any formula on the board??", "hay alguien que preste una silla de
    ruedas?") as a search, with the offer to post it as a need; None when the message is
    not such a question (a long story, a cue that says what it is, nothing to search)."""
    if guessed.intent not in (Intent.POST_NEED, Intent.POST_OFFER) or guessed.sure:
        return None
    if not msg.asks or len(msg.words) > MAX_QUESTION_WORDS or _strong_cue(msg):
        return None
    if msg.has(CONDITIONAL_HAVE) or _asks_a_neighbour(msg):
        return None
    found = search_command(msg, _NOT_QUESTION_QUERY)
    return None if found is None else as_search(msg, found)


def short_question(msg: Message) -> Command | None:
    """'tarp?', 'propane anyone?', 'blankets': a thing asked for in a word or two."""
    marked = "?" in msg.text or "¿" in msg.text  # "who dis" is small talk, "tarp?" is not
    query = content(msg.words, ASKERS | QUESTION_WORDS)
    if not query or all(w in CHATTER or w in QUESTION_WORDS for w in msg.words):
        return None
    if marked and len(msg.words) > MAX_QUESTION_SEARCH_WORDS:
        return None
    if not marked and (
        len(msg.words) > MAX_BARE_SEARCH_WORDS or categories.guess_category(query) is None
    ):
        return None  # a bare word we know nothing about ("asdf") is not a search
    return Command(Intent.SEARCH, msg.lang, msg.text,
                   category=categories.guess_category(query), query=query)


def query_words(text: str) -> frozenset[str]:
    """The canonical words of a post's text, stemmed, to match search queries against."""
    return frozenset(stem(t.word) for t in tokenize(clean(text), LEXICON))


def query_matches(query: Sequence[str], text: str) -> bool:
    """True when every word of a search (as ``parse`` gives it) is in ``text``."""
    words = query_words(text)
    return bool(query) and all(stem(word) in words for word in query)

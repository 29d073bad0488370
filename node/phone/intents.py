"""What a resident's text message asks the node to do: ``parse(text) -> Command``.

Pure: no clock, no store, no I/O. The rules are general vocabulary in English and Spanish
(plus a few words of Haitian Creole, Vietnamese and Arabic), read over the canonical words
of ``tokens`` so that case, accents, shorthand and one-letter typos do not matter.

The order of the decision, first match wins:

1. nothing but punctuation: ``?`` asks for help, anything else is not understood;
2. an entry code in the message: show, close, withdraw or reply, by the words around it;
3. help, ``more``, withdraw and close, said in so many words;
4. list and search requests ("show offers", "que hay?", "anyone have a tarp?");
5. posts: an explicit first word ("offer:", "necesito", "ALERT") decides the kind;
   otherwise offer, need, trade and alert cues are counted and the strongest wins;
6. a short question about a thing ("tarp?") is a search;
7. anything else is not understood (the reply then says how to post).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from meshaid.node.phone import categories
from meshaid.node.phone.codes import CodeHit, IsCode, find_codes
from meshaid.node.phone.command import POST_KINDS, Command, Intent
from meshaid.node.phone.lang import guess_language
from meshaid.node.phone.tokens import (
    Phrases,
    Token,
    find_phrase,
    has_any,
    phrases,
    phrases_in,
    tokenize,
    word_set,
)
from meshaid.node.phone.urgency import guess_urgency
from meshaid.node.phone.vocabulary import (
    ALERT_CUES,
    ALERT_START,
    APP_WORDS,
    ARABIC,
    CHATTER,
    CLOSE_PHRASES,
    CLOSE_WORDS,
    CODE_WORDS,
    CONDITIONAL_HAVE,
    EVENTS,
    FILLER,
    FOUND,
    HELP_WORDS,
    HOW_WORDS,
    KIND_WORDS,
    LEXICON,
    LIST_QUESTIONS,
    LIST_START,
    MIGRA_PRESENCE,
    MIGRA_SEEN,
    MINE_WORDS,
    MORE_FILLER,
    MORE_WORDS,
    NEED_CUES,
    NEED_START,
    NEGATED_HAVE,
    NOT_A_NEED,
    NOT_OFFERED,
    OFFER_CUES,
    OFFER_START,
    PAST_HELP,
    POST_OBJECTS,
    POST_OPENERS,
    REPLY_WORDS,
    SEARCH_QUESTIONS,
    SEARCH_START,
    SHOW_LIKE,
    SHOW_WORDS,
    THANKS,
    TRADE_CUES,
    TRADE_START,
    VIETNAMESE,
    WEEKDAYS,
    WITHDRAW_PHRASES,
    WITHDRAW_WORDS,
)
from meshaid.protocol.record import Category, Kind

__all__ = ["POST_KINDS", "Command", "Intent", "parse", "query_matches", "query_words"]

_words = word_set

MAX_SEARCH_WORDS = 8
# Without any command word: "tarp?", "propane anyone?" and "diapers size 4" are searches;
# longer questions are needs and longer descriptions offers (see _post_intent).
MAX_QUESTION_SEARCH_WORDS = 3
MAX_BARE_SEARCH_WORDS = 4
_CLOCK = re.compile(r"\b\d{1,2}(:\d\d)?\s?(am|pm)\b|\b\d{1,2}/\d{1,2}\b", re.IGNORECASE)

# Explicit command words stripped from the start of a post's text.
_PREFIX = re.compile(
    r"^\s*(?:post\s*[:\-–—]?\s*)?"
    r"(?:(?:offer(?:ing)?|need(?:ed)?|trade|swap|alert|alerta|request|oferta|necesidad|"
    r"intercambio|aviso|warning|post)\s*[:\-–—]+\s*)",
    re.IGNORECASE,
)
_CAPS_PREFIX = re.compile(r"^\s*(?:POST\s+)?(?:OFFER|NEED|TRADE|SWAP|ALERT|ALERTA|REQUEST)\s+")
_POST_WORD_PREFIX = re.compile(
    r"^\s*post\s+(?:an?\s+)?(?:offer|need|trade|alert)\b\s*[:\-–—]?\s*", re.IGNORECASE
)
_PLACE_WORDS = _words("near nearby by at around on in cerca en por junto")
_QUESTION_WORDS = _words(
    "how what where when who why which is are does do can could como que donde cuando quien "
    "cual porque hay"
)
# Words that are not what a list or search is about.
_NOT_LIST_QUERY = (
    frozenset(KIND_WORDS) | frozenset(categories.CATEGORY_NAMES) | LIST_START | SHOW_LIKE
    | MINE_WORDS | POST_OBJECTS | _PLACE_WORDS
    | _words("do does people folks ppl have has got being posted offered hay there on is")
)
_NOT_SEARCH_QUERY = SEARCH_START | _words(
    "anyone someone have has got with selling know where does do you is there are who can get "
    "find alguien tiene tienen tendra con tenga quien hay sabe donde consigo puedo conseguir "
    "chance gen moun ne kimoun ki"
)
_ASKERS = _words("anyone someone anybody alguien")
_EVERYTHING = _words("all todo todos todas everything board posts")
_POLITE = FILLER | _words("me i need please want")
_I_NEED = phrases("i need | we need")
# "what do i do", "how?": a question about the board with nothing else in it.
_BARE_HOW = _words("do does can should i we now")
_CAN_YOU = phrases("can someone | can anyone | can you | can somebody")

# A Meshtastic text is at most about 230 bytes; longer input (from tests or a CLI) is cut
# here so that parsing time stays bounded.
MAX_MESSAGE_CHARS = 2000


# --- the message as the rules see it -----------------------------------------------------


@dataclass(frozen=True)
class _Message:
    text: str
    tokens: Sequence[Token]
    words: list[str]
    lang: str

    @property
    def folded(self) -> list[str]:
        return [t.folded for t in self.tokens]

    def has(self, group: Phrases) -> bool:
        return has_any(self.words, group)

    @property
    def question(self) -> bool:
        """A question mark, or a question word first ("how do i get insulin")."""
        return "?" in self.text or "¿" in self.text or self.words[0] in _QUESTION_WORDS


def _clean(text: str) -> str:
    """Control characters out, whitespace runs to one space."""
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in text[:MAX_MESSAGE_CHARS]
        if unicodedata.category(ch) not in ("Cs", "Co", "Cn")
    )
    return " ".join(kept.split())


def _score(words: list[str], cues: Iterable[tuple[Phrases, int]]) -> int:
    """Each phrase of a cue group found in the message counts its group's weight, once."""
    return sum(weight * len(phrases_in(words, group)) for group, weight in cues)


def _content(words: Iterable[str], drop: Iterable[str] = ()) -> tuple[str, ...]:
    """Words that say what (not how): for search queries and list filters."""
    skip = FILLER | CHATTER | set(drop)
    return tuple(w for w in words if w not in skip and len(w) > 1)


def _first_meaningful(words: list[str]) -> int:
    """Index of the first word that is not a post opener ("pls", "hi", "post", "new")."""
    for i, word in enumerate(words):
        if word not in POST_OPENERS:
            return i
    return len(words)


# --- rules -------------------------------------------------------------------------------


def _with_code(msg: _Message, hit: CodeHit) -> Command:
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
    nearest = list(reversed(before))
    trailing = [w for w in after if w not in FILLER and w not in THANKS]
    if len(trailing) == 1:
        nearest.insert(0, trailing[0])
    for word in nearest:
        if word in WITHDRAW_WORDS and not msg.question:
            return make(Intent.WITHDRAW)
        if word in CLOSE_WORDS and not msg.question:
            return make(Intent.CLOSE)
        if word in REPLY_WORDS:
            return make(Intent.REPLY, rest)
        if word in SHOW_WORDS:
            return make(Intent.SHOW)
    if not _content(after):
        return make(Intent.SHOW)
    if i == 0 or not _content(before):
        return make(Intent.REPLY, rest)
    # Words on both sides and no command word: a message about that entry for its poster.
    return make(Intent.REPLY, msg.text)


def _help(msg: _Message) -> Command | None:
    words = msg.words
    if any(w in HELP_WORDS for w in words) and all(
        w in HELP_WORDS or w in _POLITE or w in APP_WORDS for w in words
    ):
        return Command(Intent.HELP, msg.lang, msg.text)
    # "how does this work", "no se como usar esto", "what can i send"
    asks_how = any(w in HOW_WORDS for w in words[:3])
    asks_how = asks_how or find_phrase(words, ("what", "can", "i")) == 0
    asks_how = asks_how or find_phrase(words, ("what", "do", "i")) == 0
    asks_how = asks_how or find_phrase(words, ("que", "puedo")) == 0
    if asks_how and (
        any(w in APP_WORDS for w in words)
        or all(
            w in _POLITE or w in HOW_WORDS or w in _BARE_HOW or w in HELP_WORDS for w in words
        )
    ):
        return Command(Intent.HELP, msg.lang, msg.text)
    if msg.lang == "vi" and has_any(msg.folded, VIETNAMESE[Intent.HELP]) and len(words) <= 4:
        return Command(Intent.HELP, msg.lang, msg.text)
    if msg.lang == "ar" and has_any(msg.folded, ARABIC[Intent.HELP]) and len(words) <= 3:
        return Command(Intent.HELP, msg.lang, msg.text)
    return None


def _more(msg: _Message) -> Command | None:
    words = msg.words
    if words[0] in MORE_WORDS and all(
        w in MORE_WORDS or w in FILLER or w in MORE_FILLER for w in words
    ):
        return Command(Intent.MORE, msg.lang, msg.text)
    return None


def _has_post_start(msg: _Message) -> bool:
    first = msg.words[_first_meaningful(msg.words) :][:1]
    return bool(first) and first[0] in (OFFER_START | NEED_START | TRADE_START | ALERT_START)


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
    return at >= 0 and any(w in ("anymore", "longer") for w in words[at:])


def _withdraw_or_close(msg: _Message) -> Command | None:
    words = msg.words
    first = _first_meaningful(words)
    lead = words[first] if first < len(words) else ""
    if lead in WITHDRAW_WORDS and _about_own_post(words, first):
        return Command(Intent.WITHDRAW, msg.lang, msg.text)
    if lead in CLOSE_WORDS and _about_own_post(words, first):
        return Command(Intent.CLOSE, msg.lang, msg.text)
    if _has_post_start(msg):
        return None
    if msg.has(WITHDRAW_PHRASES) or _no_longer(words):
        return Command(Intent.WITHDRAW, msg.lang, msg.text)
    thanked = any(w in THANKS for w in words)
    if msg.question:
        return None
    if msg.has(CLOSE_PHRASES) or msg.has(PAST_HELP):
        return Command(Intent.CLOSE, msg.lang, msg.text)
    if msg.has(FOUND) and (thanked or len(words) <= 4):
        return Command(Intent.CLOSE, msg.lang, msg.text)
    if find_phrase(words, ("got", "the")) >= 0 and thanked:
        return Command(Intent.CLOSE, msg.lang, msg.text)
    return None


def _filters(words: Sequence[str]) -> tuple[Kind | None, Category | None, bool, tuple[str, ...]]:
    kind = next((KIND_WORDS[w] for w in words if w in KIND_WORDS), None)
    named = next((categories.CATEGORY_NAMES[w] for w in words if w in categories.CATEGORY_NAMES),
                 None)
    category = named if named is not None else categories.guess_category(words)
    mine = any(w in MINE_WORDS for w in words) and any(
        w in POST_OBJECTS and w not in MINE_WORDS for w in words
    )
    return kind, category, mine, _content(words, _NOT_LIST_QUERY)


def _list(msg: _Message) -> Command | None:
    words = msg.words
    first = words[0]
    rest = words[1:]
    listy = (
        first in LIST_START
        or (
            first in SHOW_LIKE
            and any(
                w in KIND_WORDS or w in categories.CATEGORY_NAMES or w in LIST_START
                or w in _EVERYTHING
                for w in rest
            )
        )
        or (
            any(w in KIND_WORDS for w in words)
            and all(w in KIND_WORDS or w in FILLER or w in MINE_WORDS for w in words)
        )
        # "offers near the school", "needs by the church": a kind and a place.
        or (first in KIND_WORDS and len(rest) > 1 and rest[0] in _PLACE_WORDS)
        or (msg.has(LIST_QUESTIONS) and not msg.has(SEARCH_QUESTIONS))
        or (first in MINE_WORDS and any(w in POST_OBJECTS for w in rest) and len(words) <= 3)
    )
    if not listy:
        return None
    kind, category, mine, query = _filters(words)
    if kind is None and ("need" in words or "necesitan" in words):
        kind = Kind.NEED
    return Command(Intent.LIST, msg.lang, msg.text, kind=kind, category=category, mine=mine,
                   query=query)


def _search(msg: _Message) -> Command | None:
    words = msg.words
    explicit = words[0] in SEARCH_START and len(words) > 1
    if not explicit and not msg.has(SEARCH_QUESTIONS):
        return None
    # A search is a short question; "anybody have a box fan? no AC still & its 85 in here"
    # tells a story, and is a need to post.
    if not explicit and (len(words) > MAX_SEARCH_WORDS or msg.has(CONDITIONAL_HAVE)):
        return None
    if not explicit and _score(words, NEED_CUES[:1]) and not msg.has(NOT_A_NEED):
        return None  # "anyone have a fan? i need it for my mom" is a need post
    if not explicit and (msg.has(TRADE_CUES[0][0]) or _alert_score(msg) >= 2):
        return None
    query = _content(words, _NOT_SEARCH_QUERY)
    if not query:
        return None
    return Command(Intent.SEARCH, msg.lang, msg.text, category=categories.guess_category(query),
                   query=query)


def _ice_agency(msg: _Message) -> bool:
    """ICE written in capitals inside a lower-case message, or la migra being somewhere
    ("migra en la tienda", "hay migra"). Phrases such as "ice agents" are alert cues."""
    for i, token in enumerate(msg.tokens):
        if token.folded not in ("ice", "migra"):
            continue
        if token.raw == "ICE" and not msg.text.isupper():
            return True
        following = msg.words[i + 1 : i + 3]
        before = msg.words[max(0, i - 2) : i]
        if token.folded == "migra" and (
            any(w in MIGRA_PRESENCE for w in following) or any(w in MIGRA_SEEN for w in before)
        ):
            return True
    return False


def _alert_score(msg: _Message) -> int:
    score = _score(msg.words, ALERT_CUES)
    if _ice_agency(msg):
        score += 2
    if msg.lang == "vi" and has_any(msg.folded, VIETNAMESE[Intent.POST_ALERT]):
        score += 2
    if msg.lang == "ar" and has_any(msg.folded, ARABIC[Intent.POST_ALERT]):
        score += 2
    return score


def _scheduled_event(msg: _Message) -> bool:
    timed = any(w in WEEKDAYS for w in msg.words) or _CLOCK.search(msg.text) is not None
    return timed and msg.has(EVENTS)


def _promises(words: list[str]) -> int:
    """'can give rides', 'will walk w anyone', 'puedo cuidar': someone offering to do."""
    count = 0
    for i, word in enumerate(words[:-1]):
        if word not in ("can", "will", "puedo", "podemos"):
            continue
        if i > 0 and words[i - 1] not in ("i", "we", "and", "also", "yo", "nosotros", "tambien"):
            continue
        if words[i + 1] not in NOT_OFFERED:
            count += 1
    return count


def _post_scores(msg: _Message) -> dict[Intent, int]:
    words = msg.words
    need = 0 if msg.has(NOT_A_NEED) and not msg.has(_I_NEED) else 1
    scores = {
        Intent.POST_ALERT: _alert_score(msg),
        Intent.POST_NEED: need * _score(words, NEED_CUES),
        Intent.POST_OFFER: _score(words, OFFER_CUES) + _promises(words),
        Intent.POST_TRADE: _score(words, TRADE_CUES) + (2 if _scheduled_event(msg) else 0),
    }
    # "no tengo" is a need, not an offer of "tengo".
    if find_phrase(words, ("no", "tengo")) >= 0 or find_phrase(words, ("no", "tenemos")) >= 0:
        scores[Intent.POST_OFFER] = max(0, scores[Intent.POST_OFFER] - 1)
    # "can someone", "can u": a request, not "i can".
    if msg.has(_CAN_YOU):
        scores[Intent.POST_OFFER] = max(0, scores[Intent.POST_OFFER] - 1)
    # A long "anyone have X? ..." is a need told as a question (see _search).
    if msg.has(SEARCH_QUESTIONS) and not msg.has(CONDITIONAL_HAVE):
        scores[Intent.POST_NEED] += 2
    for table, bonus in ((VIETNAMESE, msg.lang == "vi"), (ARABIC, msg.lang == "ar")):
        if bonus:
            for intent in (Intent.POST_OFFER, Intent.POST_NEED, Intent.POST_TRADE):
                if intent in table and has_any(msg.folded, table[intent]):
                    scores[intent] += 2
    return scores


def _explicit_kind(msg: _Message) -> Intent | None:
    words = msg.words
    first = _first_meaningful(words)
    if first >= len(words):
        return None
    lead = words[first]
    if lead in ALERT_START:
        return Intent.POST_ALERT
    if lead in TRADE_START:
        return Intent.POST_TRADE
    if lead in NEED_START:
        return Intent.POST_NEED
    if lead in OFFER_START:
        return Intent.POST_OFFER
    # "M bezwen ...", "m gen ... pou bay" (Haitian Creole: I need / I have).
    if msg.lang == "ht" and "bezwen" in words[:3]:
        return Intent.POST_NEED
    return None


def _describes_things(msg: _Message) -> bool:
    """A message about things (it names a category), not small talk or thanks."""
    if any(w in THANKS for w in msg.words):
        return False
    chatter = sum(1 for w in msg.words if w in CHATTER)
    return categories.guess_category(msg.words) is not None and chatter * 2 < len(msg.words)


def _post_intent(msg: _Message) -> Intent | None:
    explicit = _explicit_kind(msg)
    if explicit is not None:
        return explicit
    scores = _post_scores(msg)
    alert = scores[Intent.POST_ALERT]
    # On a tie, the more pressing kind: a need over an offer over a trade.
    others = (Intent.POST_NEED, Intent.POST_OFFER, Intent.POST_TRADE)
    best = max(scores[i] for i in others)
    if alert >= 2 and alert > best:
        return Intent.POST_ALERT
    if best > 0:
        return next(i for i in others if scores[i] == best)
    # No cue word at all. A longer question about things asks for them ("crock pot to
    # borrow thanksgiving wk?"); a longer description of things offers them ("2 big pots
    # red beans & rice, ~20 plates"). Short ones are searches (_short_question).
    if _describes_things(msg):
        if not msg.question and len(msg.words) > MAX_BARE_SEARCH_WORDS:
            return Intent.POST_OFFER
        if msg.question and len(msg.words) > MAX_QUESTION_SEARCH_WORDS:
            return Intent.POST_NEED
    return None


def _post(msg: _Message) -> Command | None:
    intent = _post_intent(msg)
    if intent is None:
        return None
    kind = POST_KINDS[intent]
    body = _post_body(msg.text)
    return Command(
        intent,
        msg.lang,
        msg.text,
        body=body,
        kind=kind,
        category=_post_category(msg.words),
        urgency=guess_urgency(msg.words, kind),
    )


def _post_category(words: Sequence[str]) -> Category:
    guessed = categories.guess_category(words)
    return Category.OTHER if guessed is None else guessed


def _short_question(msg: _Message) -> Command | None:
    """'tarp?', 'propane anyone?', 'blankets': a thing asked for in a word or two."""
    marked = "?" in msg.text or "¿" in msg.text  # "who dis" is small talk, "tarp?" is not
    query = _content(msg.words, _ASKERS | _QUESTION_WORDS)
    if not query or all(w in CHATTER or w in _QUESTION_WORDS for w in msg.words):
        return None
    if marked and len(msg.words) > MAX_QUESTION_SEARCH_WORDS:
        return None
    if not marked and (
        len(msg.words) > MAX_BARE_SEARCH_WORDS or categories.guess_category(query) is None
    ):
        return None  # a bare word we know nothing about ("asdf") is not a search
    return Command(Intent.SEARCH, msg.lang, msg.text,
                   category=categories.guess_category(query), query=query)


def _post_body(text: str) -> str:
    for pattern in (_POST_WORD_PREFIX, _PREFIX, _CAPS_PREFIX):
        stripped = pattern.sub("", text, count=1)
        if stripped != text:
            return stripped.strip() or text
    return text


def parse(text: str, *, is_code: IsCode | None = None, default_lang: str = "en") -> Command:
    """Understand one message from a resident's phone. Never raises on any text.

    ``is_code`` confirms that an all-letter word names an entry on the board (``tarp`` is
    a word unless the board has an entry TARP). ``default_lang`` is the answer language
    when the message gives no clue (a bare code), e.g. the sender's last language.
    """
    message = _clean(text)
    tokens = tokenize(message, LEXICON)
    lang = guess_language(message, tokens, default_lang)
    if not tokens:
        intent = Intent.HELP if "?" in message or "¿" in message else Intent.UNKNOWN
        return Command(intent, lang, message)
    msg = _Message(message, tokens, [t.word for t in tokens], lang)
    hits = find_codes(tokens, is_code, CODE_WORDS)
    if hits:
        return _with_code(msg, hits[0])
    for rule in (_help, _more, _withdraw_or_close, _list, _search, _post, _short_question):
        command = rule(msg)
        if command is not None:
            return command
    return Command(Intent.UNKNOWN, lang, message)


def _stem(word: str) -> str:
    """Plural and singular alike for matching: shovels/shovel, tarps/tarp, cobijas/cobija."""
    if len(word) > 4 and word.endswith("es") and word[-3] in "lnrdsz":
        return word[:-2]  # Spanish plurals in -es after a consonant: panales, frijoles
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def query_words(text: str) -> frozenset[str]:
    """The canonical words of a post's text, stemmed, to match search queries against."""
    return frozenset(_stem(t.word) for t in tokenize(_clean(text), LEXICON))


def query_matches(query: Sequence[str], text: str) -> bool:
    """True when every word of a search (as ``parse`` gives it) is in ``text``."""
    words = query_words(text)
    return bool(query) and all(_stem(word) in words for word in query)

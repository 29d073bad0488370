"""Posts: which kind of post a message is (offer, need, trade, alert), its text, category
and urgency.

An explicit first word ("offer:", "necesito", "ALERT") decides the kind, and the resident
need not confirm. Otherwise each kind's cue phrases (meshaid.node.phone.vocabulary) are
counted with their weights and the strongest kind wins; such a post is a guess, and the
desk asks before posting it unless the second reader agrees (meshaid.node.phone.intents).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from meshaid.node.phone import categories
from meshaid.node.phone.command import POST_KINDS, Command, Intent
from meshaid.node.phone.message import Message, first_meaningful, score
from meshaid.node.phone.tokens import has_any
from meshaid.node.phone.urgency import guess_urgency
from meshaid.node.phone.vocabulary import (
    AGENCY_NAMES,
    ALERT_CUES,
    ALERT_START,
    CAN_YOU,
    CHATTER,
    CONDITIONAL_HAVE,
    EVENTS,
    I_NEED,
    MIGRA_PRESENCE,
    MIGRA_SEEN,
    NEED_CUES,
    NEED_START,
    NEGATIONS,
    NOT_A_NEED,
    NOT_HAVING,
    NOT_OFFERED,
    OFFER_CUES,
    OFFER_START,
    PROMISE_SUBJECTS,
    PROMISE_VERBS,
    SEARCH_QUESTIONS,
    THANKS,
    TRADE_CUES,
    TRADE_START,
    WEEKDAYS,
)
from meshaid.node.phone.vocabulary_other import intent_phrases
from meshaid.node.text_rules import post_text
from meshaid.protocol.record import Category

# Without any cue word: "tarp?", "propane anyone?" and "diapers size 4" are searches
# (meshaid.node.phone.reading); longer questions about things are needs and longer
# descriptions offers.
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


def has_post_start(msg: Message) -> bool:
    """The message opens with a word that names a kind of post."""
    first = msg.words[first_meaningful(msg.words) :][:1]
    return bool(first) and first[0] in (OFFER_START | NEED_START | TRADE_START | ALERT_START)


def _ice_agency(msg: Message) -> bool:
    """ICE written in capitals inside a lower-case message, or la migra being somewhere
    ("migra en la tienda", "hay migra"). Phrases such as "ice agents" are alert cues."""
    for i, token in enumerate(msg.tokens):
        if token.folded not in AGENCY_NAMES:
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


def alert_score(msg: Message) -> int:
    total = score(msg.words, ALERT_CUES)
    if _ice_agency(msg):
        total += 2
    if has_any(msg.folded, intent_phrases(msg.lang, Intent.POST_ALERT)):
        total += 2
    return total


def _scheduled_event(msg: Message) -> bool:
    timed = any(w in WEEKDAYS for w in msg.words) or _CLOCK.search(msg.text) is not None
    return timed and msg.has(EVENTS)


def _promises(words: list[str]) -> int:
    """'can give rides', 'will walk w anyone', 'puedo cuidar': someone offering to do."""
    count = 0
    for i, word in enumerate(words[:-1]):
        if word not in PROMISE_VERBS:
            continue
        if i > 0 and words[i - 1] not in PROMISE_SUBJECTS:
            continue
        if words[i + 1] not in NOT_OFFERED:
            count += 1
    return count


def post_scores(msg: Message) -> dict[Intent, int]:
    words = msg.words
    need = 0 if msg.has(NOT_A_NEED) and not msg.has(I_NEED) else 1
    scores = {
        Intent.POST_ALERT: alert_score(msg),
        Intent.POST_NEED: need * score(words, NEED_CUES),
        Intent.POST_OFFER: score(words, OFFER_CUES, unless_after=NEGATIONS) + _promises(words),
        Intent.POST_TRADE: score(words, TRADE_CUES) + (2 if _scheduled_event(msg) else 0),
    }
    if msg.has(NOT_HAVING):
        scores[Intent.POST_OFFER] = max(0, scores[Intent.POST_OFFER] - 1)
    # "can someone", "can u": a request, not "i can".
    if msg.has(CAN_YOU):
        scores[Intent.POST_OFFER] = max(0, scores[Intent.POST_OFFER] - 1)
    # A long "anyone have X? ..." is a need told as a question (see reading.search).
    if msg.has(SEARCH_QUESTIONS) and not msg.has(CONDITIONAL_HAVE):
        scores[Intent.POST_NEED] += 2
    for intent in (Intent.POST_OFFER, Intent.POST_NEED, Intent.POST_TRADE):
        if has_any(msg.folded, intent_phrases(msg.lang, intent)):
            scores[intent] += 2
    return scores


def clear_cues(msg: Message, intent: Intent) -> bool:
    """The cues point to ``intent`` and nothing else: it scores at least one strong cue's
    weight (2) and no other kind scores at all."""
    scores = post_scores(msg)
    return scores.get(intent, 0) >= 2 and all(
        value == 0 for other, value in scores.items() if other is not intent
    )


def explicit_kind(msg: Message) -> Intent | None:
    """The kind of post the message's first word names, if it names one."""
    words = msg.words
    first = first_meaningful(words)
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
    return None


def _describes_things(msg: Message) -> bool:
    """A message about things (it names a category), not small talk or thanks."""
    if any(w in THANKS for w in msg.words):
        return False
    chatter = sum(1 for w in msg.words if w in CHATTER)
    return categories.guess_category(msg.words) is not None and chatter * 2 < len(msg.words)


def guessed_kind(msg: Message) -> Intent | None:
    """The kind of post the message's cues point to, or None (no cue, or too short)."""
    scores = post_scores(msg)
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
    # red beans & rice, ~20 plates"). Short ones are searches.
    if _describes_things(msg):
        if not msg.question and len(msg.words) > MAX_BARE_SEARCH_WORDS:
            return Intent.POST_OFFER
        if msg.question and len(msg.words) > MAX_QUESTION_SEARCH_WORDS:
            return Intent.POST_NEED
    return None


def post_body(text: str) -> str:
    """The post's text: the resident's words minus an explicit command word."""
    for pattern in (_POST_WORD_PREFIX, _PREFIX, _CAPS_PREFIX):
        stripped = pattern.sub("", text, count=1)
        if stripped != text:
            return stripped.strip() or text
    return text


def post_category(words: Sequence[str]) -> Category:
    guessed = categories.guess_category(words)
    return Category.OTHER if guessed is None else guessed


def make_post(msg: Message, intent: Intent, *, sure: bool) -> Command:
    """The command posting ``msg`` as ``intent`` (one of the post intents)."""
    kind = POST_KINDS[intent]
    return Command(
        intent,
        msg.lang,
        msg.text,
        # Stripped of escapes and controls; "" when nothing visible is left, which the desk
        # answers by asking for the post's text.
        body=post_text(post_body(msg.text)),
        kind=kind,
        category=post_category(msg.words),
        urgency=guess_urgency(msg.words, kind),
        sure=sure,
    )


def post(msg: Message) -> Command | None:
    """A post, explicit (sure) or guessed from its cues (not sure), or None."""
    explicit = explicit_kind(msg)
    if explicit is not None:
        return make_post(msg, explicit, sure=True)
    guessed = guessed_kind(msg)
    return None if guessed is None else make_post(msg, guessed, sure=False)

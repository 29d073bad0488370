"""Suggested matches: which open offer could meet which open need, best first, and why.

A pair's score is a sum of points, each with its reason, so the committee sees why a pair
is suggested and can disagree:

* the same category (+3), the same community (+1.5), the same zone (+1);
* how urgent the need is (critical +3, high +2, normal +1) and how long it has waited
  (+0.25 a day, at most +2);
* words that mean the same on both sides, in English or Spanish ("pañales" and
  "diapers": meshaid.node.committee.wordsense): each sense shared +0.75 to +2, the rarer
  among the offers the more, at most +5: a word in common tells more than a place;
* quantities: when both say how many of one thing, +1 if the offer is enough, -0.5 if not.

Bounded work, whatever the size of the board: SQLite returns the most pressing open
needs (``MAX_NEEDS``, the most urgent first and of those the longest waiting) and the
newest open offers (``MAX_OFFERS``), only the columns the score needs; offers are
indexed by sense and by category and community, so a need is weighed against the offers
that share a word with it and the newest few of its category, and only the likeliest of
those are scored in full. On a board with more open needs than that, the committee sees
the most pressing ones' best pairs; ``--community`` narrows the needs to look at.
"""

from __future__ import annotations

import heapq
import math
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from meshaid.node.committee.wordsense import said_as, sense, senses_in
from meshaid.node.store.search import fold
from meshaid.protocol.record import Category, Kind, Status, Urgency
from meshaid.sync.lifetime import MINUTES_PER_DAY

if TYPE_CHECKING:
    from meshaid.node.services import Node

URGENCY_POINTS = {Urgency.CRITICAL: 3.0, Urgency.HIGH: 2.0, Urgency.NORMAL: 1.0, Urgency.LOW: 0.0}
CATEGORY_POINTS = 3.0
COMMUNITY_POINTS = 1.5
ZONE_POINTS = 1.0
POINTS_A_DAY = 0.25
MAX_AGE_POINTS = 2.0
MAX_WORD_POINTS = 5.0
ENOUGH_POINTS = 1.0
SHORT_POINTS = -0.5
# The most a pair can add to its need's own points (urgency and age): for the early stop.
MAX_PAIR_POINTS = CATEGORY_POINTS + COMMUNITY_POINTS + ZONE_POINTS + MAX_WORD_POINTS + 1.0
# Offers of a need's category scored even without a word in common, newest first.
CATEGORY_CANDIDATES = 4
# Offers looked at through one sense, newest first: a sense every offer has says little.
SENSE_CANDIDATES = 30
PER_OFFER = 2  # an offer is suggested for at most this many needs in one list
MAX_NEEDS = 200  # needs looked at in one run: the most urgent, then the longest waiting
MAX_OFFERS = 2000  # offers looked at in one run: the newest
SCORED = 6  # a need's candidates scored in full, the likeliest by words and place
_URGENCY_ORDER = (Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW)

_COLUMNS = ("origin, seq, code, kind, category, community, zone_id, zone_name, urgency, "
            "created, expires, search_text")
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "dozen": 12, "uno": 1, "una": 1, "dos": 2, "tres": 3,
    "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
    "doce": 12, "docena": 12,
}
_TOKEN = re.compile(r"[a-z]+|\d+")


class Post(NamedTuple):
    """An open offer or need, as much of it as the score needs."""

    origin: int
    seq: int
    code: str
    kind: int
    category: int
    community: int
    zone_id: int
    zone_name: str
    urgency: int
    created: int
    expires: int
    search_text: str


@dataclass(frozen=True)
class Reason:
    points: float
    text: str


@dataclass(frozen=True)
class Suggestion:
    need: Post
    offer: Post
    reasons: tuple[Reason, ...]

    @property
    def score(self) -> float:
        return round(sum(r.points for r in self.reasons), 2)


@dataclass(frozen=True)
class Labels:
    """How to name communities and categories in reasons."""

    communities: dict[int, str] = field(default_factory=dict)

    def community(self, number: int) -> str:
        return self.communities.get(number, str(number))


def read_pool(conn: sqlite3.Connection, now: int, community: int | None = None,
              need_urgencies: Sequence[Urgency] = _URGENCY_ORDER, max_needs: int = MAX_NEEDS,
              max_offers: int = MAX_OFFERS) -> tuple[list[Post], list[Post]]:
    """Open, unexpired needs (of ``community``, of these urgencies in this order, the
    soonest to expire first: for a need, the longest waiting) and the newest open offers."""
    needs: list[Post] = []
    for urgency in need_urgencies:
        if len(needs) >= max_needs:
            break
        # The index on (status, expires, kind, ...) finds them in expiry order.
        sql = (f"SELECT {_COLUMNS} FROM entries WHERE status = ? AND expires > ? AND kind = ? "
               "AND +urgency = ?")
        params: list[object] = [int(Status.OPEN), now, int(Kind.NEED), int(urgency)]
        if community is not None:
            sql += " AND community = ?"
            params.append(community)
        params.append(max_needs - len(needs))
        needs += [Post(*row) for row in conn.execute(sql + " ORDER BY expires LIMIT ?", params)]
    # The newest first, walking the index on ``created`` (+: no other index for these).
    offers = [Post(*row) for row in conn.execute(
        f"SELECT {_COLUMNS} FROM entries WHERE +status = ? AND +expires > ? AND +kind = ? "
        "ORDER BY created DESC LIMIT ?", (int(Status.OPEN), now, int(Kind.OFFER), max_offers))]
    return needs, offers


def _folded_text(post: Post) -> str:
    return post.search_text.split("\n", 1)[0]


def quantities(folded: str) -> dict[str, int]:
    """Counts the text gives of a thing: the number before a word with a sense."""
    out: dict[str, int] = {}
    tokens = _TOKEN.findall(folded)
    for i, token in enumerate(tokens[:-1]):
        count = int(token) if token.isdigit() else _NUMBER_WORDS.get(token)
        if count is None or not 0 < count < 10_000:
            continue
        for word in tokens[i + 1 : i + 3]:  # "20 plates", "2 big pots"
            meant = sense(word)
            if meant is not None:
                out.setdefault(meant, count)
                break
    return out


class Matcher:
    """Scores needs against an indexed set of offers (see the module docstring)."""

    def __init__(self, offers: Sequence[Post], now: int, labels: Labels | None = None) -> None:
        self.now = now
        self.labels = labels or Labels()
        self.offers = offers
        self._words: dict[int, dict[str, str]] = {}
        self._by_sense: dict[str, list[int]] = {}
        self._by_category: dict[int, list[int]] = {}
        self._by_place: dict[tuple[int, int], list[int]] = {}
        self._places = [(offer.category, offer.community) for offer in offers]
        for i, offer in enumerate(offers):  # newest first: the lists stay so
            words = senses_in(_folded_text(offer))
            self._words[i] = words
            for meant in words:
                self._by_sense.setdefault(meant, []).append(i)
            self._by_category.setdefault(offer.category, []).append(i)
            self._by_place.setdefault((offer.category, offer.community), []).append(i)
        count = max(len(offers), 1)
        self._weight = {s: _rarity(len(ids), count) for s, ids in self._by_sense.items()}

    def need_points(self, need: Post) -> list[Reason]:
        reasons = []
        urgency = Urgency(need.urgency)
        if URGENCY_POINTS[urgency]:
            reasons.append(Reason(URGENCY_POINTS[urgency], f"need is {urgency.name.lower()}"))
        days = max(self.now - need.created, 0) / MINUTES_PER_DAY
        if days >= 1:
            reasons.append(Reason(min(days * POINTS_A_DAY, MAX_AGE_POINTS),
                                  f"need waiting {int(days)} day{'s' if int(days) > 1 else ''}"))
        return reasons

    def best_for(self, need: Post, keep: int = 3) -> list[Suggestion]:
        """The ``keep`` best offers for one need."""
        words = senses_in(_folded_text(need))
        # A first weighing by the words in common and the place, to score the likeliest.
        likely: dict[int, float] = {}
        for meant in words:
            weight = self._weight.get(meant, 0.0)
            for i in self._by_sense.get(meant, ())[:SENSE_CANDIDATES]:
                likely[i] = likely.get(i, 0.0) + weight
        for i in self._by_place.get((need.category, need.community), ())[:CATEGORY_CANDIDATES]:
            likely.setdefault(i, 0.0)
        for i in self._by_category.get(need.category, ())[:CATEGORY_CANDIDATES]:
            likely.setdefault(i, 0.0)
        if not likely:
            return []
        places = self._places
        category, community = need.category, need.community
        weighed = []
        for i, words_weight in likely.items():
            offer_category, offer_community = places[i]
            weight = min(words_weight, MAX_WORD_POINTS)
            if offer_category == category:
                weight += CATEGORY_POINTS
            if community and offer_community == community:
                weight += COMMUNITY_POINTS
            weighed.append((-weight, i))
        candidates = [i for _w, i in heapq.nsmallest(SCORED, weighed)]
        own = self.need_points(need)
        wanted = quantities(_folded_text(need))
        scored: list[tuple[float, int, tuple[Reason, ...]]] = []
        for i in candidates:
            pair = self._pair_points(need, words, wanted, i)
            if pair:
                reasons = tuple(pair + own)
                scored.append((sum(r.points for r in reasons), i, reasons))
        # Best score first; of equal ones the newer offer (offers are newest first).
        best = heapq.nsmallest(keep, scored, key=lambda item: (-item[0], item[1]))
        return [Suggestion(need, self.offers[i], reasons) for _s, i, reasons in best]

    def _pair_points(self, need: Post, words: dict[str, str], wanted: dict[str, int],
                     i: int) -> list[Reason]:
        offer = self.offers[i]
        reasons: list[Reason] = []
        same_category = offer.category == need.category
        if same_category:
            name = Category(need.category).name.lower()
            reasons.append(Reason(CATEGORY_POINTS, f"same category ({name})"))
        offer_words = self._words[i]
        shared = [s for s in words if s in offer_words]
        if not same_category and not shared:
            return []
        if need.community and offer.community == need.community:
            reasons.append(Reason(COMMUNITY_POINTS,
                                  f"same community ({self.labels.community(need.community)})"))
        if _same_zone(need, offer):
            reasons.append(Reason(ZONE_POINTS, "same zone"))
        if shared:
            points = min(sum(self._weight[s] for s in shared), MAX_WORD_POINTS)
            reasons.append(Reason(round(points, 2),
                                  "both say " + ", ".join(said_as(shared, words, offer_words))))
        if wanted:
            offered = quantities(_folded_text(offer))
            for meant, needed in wanted.items():
                has = offered.get(meant)
                if has is None:
                    continue
                if has >= needed:
                    reasons.append(Reason(ENOUGH_POINTS, f"enough: offers {has}, needs {needed}"))
                else:
                    reasons.append(Reason(SHORT_POINTS, f"offers {has} of {needed} needed"))
                break
        return reasons

    def suggest(self, needs: Sequence[Post], limit: int, per_offer: int = PER_OFFER
                ) -> list[Suggestion]:
        """The ``limit`` best pairs, one a need, an offer in at most ``per_offer`` pairs."""
        order = sorted(needs, key=lambda n: (-sum(r.points for r in self.need_points(n)),
                                             n.created, n.origin, n.seq))
        found: list[Suggestion] = []
        floor = -math.inf  # the limit-th best score so far
        best_scores: list[float] = []
        for need in order:
            # No need left can beat (only tie) the pairs found: needs come in order of
            # their own points.
            if len(best_scores) >= limit * 2 and (
                    sum(r.points for r in self.need_points(need)) + MAX_PAIR_POINTS <= floor):
                break
            pairs = self.best_for(need)
            if not pairs:
                continue
            found += pairs
            heapq.heappush(best_scores, pairs[0].score)
            if len(best_scores) > limit * 2:
                heapq.heappop(best_scores)
            floor = best_scores[0]
        return pick(found, limit, per_offer)


def pick(found: Sequence[Suggestion], limit: int, per_offer: int) -> list[Suggestion]:
    """The best pairs, one per need, each offer in at most ``per_offer`` of them."""
    ranked = sorted(found, key=lambda s: (-s.score, s.need.created, s.need.code, s.offer.code))
    out: list[Suggestion] = []
    needs: set[tuple[int, int]] = set()
    offers: dict[tuple[int, int], int] = {}
    for s in ranked:
        need, offer = (s.need.origin, s.need.seq), (s.offer.origin, s.offer.seq)
        if need in needs or offers.get(offer, 0) >= per_offer:
            continue
        needs.add(need)
        offers[offer] = offers.get(offer, 0) + 1
        out.append(s)
        if len(out) >= limit:
            break
    return out


def _rarity(having: int, offers: int) -> float:
    """Points for a sense that ``having`` of ``offers`` offers have: the rarer, the more
    it tells (on a small board, a word two offers have is rare enough)."""
    if having <= 2 or having <= offers / 100:
        return 2.0
    if having <= 5 or having <= offers / 10:
        return 1.5
    return 0.75


def _same_zone(a: Post, b: Post) -> bool:
    if a.zone_id:
        return a.zone_id == b.zone_id
    return bool(a.zone_name) and fold(a.zone_name) == fold(b.zone_name)


# -- for the command line ---------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One entry of a suggested pair, as a person reads it."""

    code: str
    text: str
    category: str
    community: str
    zone: str
    urgency: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text, "category": self.category,
                "community": self.community, "zone": self.zone, "urgency": self.urgency}


@dataclass(frozen=True)
class SuggestionView:
    need: Side
    offer: Side
    score: float
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, object]:
        return {"need": self.need.to_json(), "offer": self.offer.to_json(), "score": self.score,
                "reasons": [{"points": r.points, "why": r.text} for r in self.reasons]}


def suggestions(node: Node, limit: int = 20, community: str | None = None
                ) -> list[SuggestionView]:
    """The ``limit`` best suggested pairs on this node's board (``community``: its needs)."""
    config = node.config
    number = config.community_number(community) if community is not None else None
    with node.store.reading() as conn:
        now = node.store.now_minute()
        needs, offers = read_pool(conn, now, number)
        matcher = Matcher(offers, now, Labels(dict(config.communities)))
        found = matcher.suggest(needs, limit)
        return views(node, conn, found)


def views(node: Node, conn: sqlite3.Connection, found: Sequence[Suggestion]
          ) -> list[SuggestionView]:
    shown = node.store.shown_codes({p.code for s in found for p in (s.need, s.offer)})
    texts = {}
    for s in found:
        for post in (s.need, s.offer):
            row = conn.execute("SELECT text FROM entries WHERE origin = ? AND seq = ?",
                               (post.origin, post.seq)).fetchone()
            texts[post.code] = row[0] if row else ""
    config = node.config

    def side(post: Post) -> Side:
        return Side(shown.get(post.code, post.code[:4]), texts[post.code],
                    Category(post.category).name.lower(), config.community_label(post.community),
                    config.zone_label(post.zone_id, post.zone_name),
                    Urgency(post.urgency).name.lower())

    return [SuggestionView(side(s.need), side(s.offer), s.score, s.reasons) for s in found]

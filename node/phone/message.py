"""One resident's text as the rules read it: cleaned, tokenized, its language guessed.

Shared by the rule modules (meshaid.node.phone.intents, posts, reading) and the second
reader (meshaid.node.phone.nearest). Pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from meshaid.node.phone.lang import telling_language
from meshaid.node.phone.tokens import Phrases, Token, has_any, phrases_in, tokenize
from meshaid.node.phone.vocabulary import (
    ASKING_FIRST,
    ASKING_PHRASES,
    CHATTER,
    FILLER,
    LEXICON,
    POST_OPENERS,
    QUESTION_WORDS,
)
from meshaid.node.text_rules import printable

_TRAILING = re.compile(r"[^\w?]+$")  # spaces, "!", emoji after a question mark
# A Meshtastic text is at most about 230 bytes; longer input (from tests or a CLI) is cut
# here so that parsing time stays bounded.
MAX_MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class Message:
    """``lang`` is the language the message is answered in: ``told``, the one its script
    or words tell (None when nothing tells: "4F2K", "🙏", a language the desk does not
    know), else the caller's default."""

    text: str
    tokens: Sequence[Token]
    words: list[str]
    lang: str
    told: str | None = None

    @property
    def folded(self) -> list[str]:
        return [t.folded for t in self.tokens]

    def has(self, group: Phrases) -> bool:
        return has_any(self.words, group)

    @property
    def question(self) -> bool:
        """A question mark, or a question word first ("how do i get insulin")."""
        first = self.words[0] if self.words else ""
        return "?" in self.text or "¿" in self.text or first in QUESTION_WORDS

    @property
    def asks(self) -> bool:
        """Shaped as a question to the neighbourhood: it ends with a question mark, opens
        with ¿, starts with a word that asks ("is the clinic open", "where is"; not
        "can"/"will", which also start offers: "can fix bikes"), or asks for news ("can
        anyone tell me when ...", "alguien sabe si ...")."""
        end = _TRAILING.sub("", self.text)
        first = self.words[0] if self.words else ""
        return (
            end.endswith("?") or "¿" in self.text or first in ASKING_FIRST
            or self.has(ASKING_PHRASES)
        )


def clean(text: str) -> str:
    """Escape sequences and control characters out (meshaid.node.text_rules.printable),
    whitespace runs to one space."""
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in printable(text[:MAX_MESSAGE_CHARS])
        if unicodedata.category(ch) not in ("Cs", "Co", "Cn")
    )
    return " ".join(kept.split())


def read(text: str, default_lang: str = "en") -> Message:
    """The message the rules read (its ``words`` may be empty: "?", "🙏")."""
    message = clean(text)
    tokens = tokenize(message, LEXICON)
    told = telling_language(message, tokens)
    lang = default_lang if told is None else told
    return Message(message, tokens, [t.word for t in tokens], lang, told)


def language_of(text: str, default_lang: str = "en") -> str:
    """The language ``text`` is written in (see meshaid.node.phone.lang)."""
    message = clean(text)
    told = telling_language(message, tokenize(message, LEXICON))
    return default_lang if told is None else told


def score(
    words: list[str], cues: Iterable[tuple[Phrases, int]], unless_after: Iterable[str] = ()
) -> int:
    """Each phrase of a cue group found in the message counts its group's weight, once;
    not where every time it occurs it follows one of ``unless_after`` ("no pasen" is no
    invitation to come by)."""
    negations = frozenset(unless_after)
    total = 0
    for group, weight in cues:
        for phrase in phrases_in(words, group):
            if negations and _always_after(words, phrase, negations):
                continue
            total += weight
    return total


def _always_after(words: list[str], phrase: tuple[str, ...], before: frozenset[str]) -> bool:
    n = len(phrase)
    starts = [i for i in range(len(words) - n + 1) if tuple(words[i : i + n]) == phrase]
    return bool(starts) and all(i > 0 and words[i - 1] in before for i in starts)


def content(words: Iterable[str], drop: Iterable[str] = ()) -> tuple[str, ...]:
    """Words that say what (not how): for search queries and list filters."""
    skip = FILLER | CHATTER | set(drop)
    return tuple(w for w in words if w not in skip and len(w) > 1)


def first_meaningful(words: list[str]) -> int:
    """Index of the first word that is not a post opener ("pls", "hi", "post", "new")."""
    for i, word in enumerate(words):
        if word not in POST_OPENERS:
            return i
    return len(words)


def stem(word: str) -> str:
    """Plural and singular alike for matching: shovels/shovel, tarps/tarp, cobijas/cobija."""
    if len(word) > 4 and word.endswith("es") and word[-3] in "lnrdsz":
        return word[:-2]  # Spanish plurals in -es after a consonant: panales, frijoles
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word

"""Entry codes as residents type them from the board (see meshaid.node.codes).

The board shows the first 4 characters of an entry's code, more only when two entries
share them, so a typed code is 4 to 6 characters of Crockford base 32 (0-9 and A-Z
without I, L, O and U), in any case, with ``o`` read as ``0`` and ``i``/``l`` as ``1``.

A phone message is mostly words, and many 4-letter words (``tarp``, ``done``, ``rice``) are
also valid codes. A word is taken for a code only when

* the board says that code exists (``is_code``, given by the caller); or
* it is written ``@CODE``; or
* it mixes letters and digits and is not a quantity or a time (``10am``, ``20lb``,
  ``12th``, ``12x16``, ``sz10``), and, when the caller can look codes up, it also stands
  where a code is expected: alone, or after a word that takes a code (``done 4F2K``); or
* it is all digits right after a word that takes a code (``done 4821``).

Texting shorthand that has the shape of a code (``any1``, ``b4``, ``some1``, ``2moro``) is
a word first: it is a code only where a code is expected (alone, or after a word that
takes a code) and, when the caller can look codes up, the board has it; or when written
``@ANY1``. "any1 got water??" is a question, whatever the board holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from meshaid.node.codes import ALPHABET, SHORT_LENGTH
from meshaid.node.phone.tokens import ABBREVIATIONS, Token

# Simulated with meshaid.node.codes over 2,000 boards of 1,000 entries: 37.7 % show some
# 5-character code, 1.4 % a 6-character one; 7 would need two codes sharing 6 characters
# (about 0.05 % of such boards by the birthday bound), so phones get 4 to 6.
CODE_LENGTHS = range(SHORT_LENGTH, SHORT_LENGTH + 3)
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_VALID = frozenset(ALPHABET)

# Number + unit or ordinal: quantities, times and street numbers, not codes.
_QUANTITY = re.compile(
    r"^\d+(am|pm|a|p|h|hr|hrs|min|mins|lb|lbs|kg|g|mg|ml|oz|gal|ft|in|cm|mm|km|mi|"
    r"st|nd|rd|th|yo|yr|yrs|mo|mos|wk|wks|day|days|nite|k|x|pk|ct|pc|pcs|v|w|ah|mah|"
    r"pack|packs|can|cans|bag|bags|box|gal|gals|qt|pt|lt|ltr|hp|mph|amp|amps|"
    r"am\w?|pm\w?)$"
    r"|^\d+(x\d+)+$"
    r"|^(sz|size|apt|rm|no|nr|rt|hwy|ch|bus|ext|unit|gr|bldg|blk|lot|gen|hr|x)\d+[a-z]?$",
    re.IGNORECASE,
)

IsCode = Callable[[str], bool]


def normalize(text: str) -> str | None:
    """The canonical code for ``text`` (``3b1r`` → ``3B1R``, ``3DOW`` → ``3D0W``), or None."""
    candidate = text.strip().lstrip("@#").upper().translate(_READ_AS)
    if len(candidate) not in CODE_LENGTHS or not set(candidate) <= _VALID:
        return None
    return candidate


@dataclass(frozen=True)
class CodeHit:
    index: int  # position of the token in the message
    code: str  # canonical


def _looks_like_code(raw: str) -> bool:
    bare = raw.lstrip("@#")
    has_digit = any(ch.isdigit() for ch in bare)
    has_letter = any(ch.isalpha() for ch in bare)
    return has_digit and has_letter and not _QUANTITY.match(bare)


def find_codes(
    tokens: Sequence[Token],
    is_code: IsCode | None = None,
    code_words: Collection[str] = (),
) -> list[CodeHit]:
    """Every token of the message that is an entry code, in order (see the module docstring).

    ``code_words`` are the canonical words after which a token stands where a code does.
    """
    hits = []
    for index, token in enumerate(tokens):
        code = normalize(token.raw)
        if code is None:
            continue
        bare = token.raw.lstrip("@#")
        after_code_word = index > 0 and tokens[index - 1].word in code_words
        expected = after_code_word or len(tokens) == 1
        if token.folded in ABBREVIATIONS and not token.raw.startswith("@"):
            if expected and (is_code is None or is_code(code)):
                hits.append(CodeHit(index, code))
            continue
        if (
            (is_code is not None and is_code(code))
            or token.raw.startswith("@")
            or (_looks_like_code(token.raw) and (is_code is None or expected))
            or (bare.isdigit() and after_code_word)
        ):
            hits.append(CodeHit(index, code))
    return hits

"""How board searches compare text: without accents, in any case, spaces collapsed.

Residents write "niños", "NIÑOS" and "ninos" for the same word, and phones often drop
accents; SQLite's own ``lower()`` and ``LIKE`` fold ASCII only. So every entry row keeps
``search_text``, its text and zone name folded by ``fold``, written in the same
transaction as the row, and a search looks for the folded needle in it with ``instr``: a
substring match that SQLite runs without calling back into Python.
"""

from __future__ import annotations

import unicodedata

# Between the folded text and the folded zone name: fold() turns every run of
# whitespace into one space, so no folded needle contains it and none matches across.
SEPARATOR = "\n"


class _Marks(dict[int, int | None]):
    """A str.translate table that drops combining marks: each code point is looked up in
    unicodedata the first time a text has it, then the table answers."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_DROP_MARKS = _Marks()


def fold(text: str) -> str:
    """``text`` without accents or other combining marks, case folded, with each run of
    whitespace made one space and none at either end."""
    if text.isascii():
        return " ".join(text.lower().split())
    bare = unicodedata.normalize("NFKD", text).translate(_DROP_MARKS)
    return " ".join(bare.casefold().split())


def search_text(text: str, zone_name: str) -> str:
    """What an entry row keeps to be searched: its text and zone name, folded."""
    return fold(text) + SEPARATOR + fold(zone_name)

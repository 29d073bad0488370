"""What the node says to residents: one catalogue per language, and ``say`` to look it up.

A catalogue is a plain data module here, ``en.py``, ``es.py``, ...: a dict ``MESSAGES``
from a message key to a ``str.format`` template with named placeholders (``{code}``,
``{kind}``, ...), or to a tuple of templates for an answer sent as several texts (the help
pages). English is the reference: every other catalogue has exactly its keys and the same
placeholders per key (tests/node/test_phone_messages.py), and a resident whose language
has no catalogue is answered in English.

To add a language: copy en.py to ``xx.py``, named by the code that
meshaid.node.phone.lang guesses (``vi``, ``ht``, ...), translate the values, and add it to
``CATALOGUES`` below. Keep each message within one text: the test renders every one with
long sample fields and checks it against the 200-byte limit. Assembling, clipping and
paging stay in meshaid.node.phone.replies.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import TypeAlias

from meshaid.node.phone.messages import en, es

Template: TypeAlias = str | tuple[str, ...]
Catalogue: TypeAlias = Mapping[str, Template]

FALLBACK = "en"
CATALOGUES: Mapping[str, Catalogue] = {
    "en": en.MESSAGES,
    "es": es.MESSAGES,
}


def reply_lang(lang: str) -> str:
    """The language an answer to a resident writing in ``lang`` is written in."""
    return lang if lang in CATALOGUES else FALLBACK


def template(lang: str, key: str) -> Template:
    """The template for ``key`` in ``lang``'s catalogue, else in English (KeyError for a key
    that English does not have either: a mistake in the caller)."""
    found = CATALOGUES.get(lang, {}).get(key)
    return CATALOGUES[FALLBACK][key] if found is None else found


def say(lang: str, key: str, **fields: object) -> str:
    """Message ``key`` in ``lang`` with its placeholders filled from ``fields``."""
    found = template(lang, key)
    if not isinstance(found, str):
        raise TypeError(f"message {key!r} is a set of pages: use say_pages")
    return found.format(**fields)


def say_pages(lang: str, key: str, **fields: object) -> tuple[str, ...]:
    """Message ``key`` in ``lang`` as its pages (one for a single text), filled in."""
    found = template(lang, key)
    pages = (found,) if isinstance(found, str) else found
    return tuple(page.format(**fields) for page in pages)


def placeholders(found: Template) -> frozenset[str]:
    """The field names a template (every page of it) fills in."""
    pages = (found,) if isinstance(found, str) else found
    return frozenset(
        name for page in pages for _, name, _, _ in Formatter().parse(page) if name is not None
    )

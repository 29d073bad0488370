"""Labelled examples of what residents text, read by meshaid.node.phone.nearest.

Plain data, one module per language (``examples_en.py``, ``examples_es.py``,
``examples_other.py`` for the few messages in Haitian Creole, Vietnamese and Arabic;
modules beside this one rather than a package of their own, so that installing meshaid
needs no new package listed): ``EXAMPLES`` is a text of lines
``intent | message``, the intent being a value of meshaid.node.phone.command.Intent
(post_offer, post_need, post_trade, post_alert, list, more, search, show, close, withdraw,
help, reply, unknown). Blank lines and lines starting with ``#`` are skipped.

When residents' messages are misread, add a line like them here (never a line copied from
a held-out command set: those measure the desk, they do not teach it). Entry codes are
read by rules alone, so examples carry none.
"""

from __future__ import annotations

from meshaid.node.phone import examples_en, examples_es, examples_other
from meshaid.node.phone.command import Intent

SOURCES = {
    "en": examples_en.EXAMPLES,
    "es": examples_es.EXAMPLES,
    "other": examples_other.EXAMPLES,
}


def parse_examples(text: str, source: str) -> list[tuple[Intent, str]]:
    """The (intent, message) pairs of one examples text; ValueError names a bad line."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        label, sep, message = stripped.partition("|")
        try:
            intent = Intent(label.strip())
        except ValueError:
            raise ValueError(f"{source} line {number}: unknown intent {label.strip()!r}") from None
        if not sep or not message.strip():
            raise ValueError(f"{source} line {number}: expected 'intent | message'")
        found.append((intent, message.strip()))
    return found


def labelled() -> list[tuple[Intent, str]]:
    """Every example of every language."""
    return [pair for source, text in SOURCES.items() for pair in parse_examples(text, source)]

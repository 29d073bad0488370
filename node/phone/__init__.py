"""Residents' phone commands: what a text message asks (``parse``), how sure the node may
be of it, and what the node answers (``replies``, in the words of the ``messages``
catalogues: English and Spanish). Pure: no store, no clock, no radio.

Adding a language is adding data: its words and phrases (``vocabulary_other``), examples
of its messages (``examples_other``) and, to answer in it, a catalogue (``messages``).
A misread message is fixed the same way: a word or phrase in ``vocabulary``, or an
example in ``examples_en``/``examples_es``.

The names below are loaded on first use: building the parser's vocabulary and examples
index takes a fifth of a second, which a CLI command that only reads a date
(meshaid.node.timeparse, through ``when``) need not pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meshaid.node.phone.command import Command, Intent
    from meshaid.node.phone.intents import parse, query_matches
    from meshaid.node.phone.replies import MAX_REPLY_BYTES, EntrySummary

__all__ = ["MAX_REPLY_BYTES", "Command", "EntrySummary", "Intent", "parse", "query_matches"]

_HOME = {
    "Command": "command",
    "Intent": "command",
    "parse": "intents",
    "query_matches": "intents",
    "MAX_REPLY_BYTES": "replies",
    "EntrySummary": "replies",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)

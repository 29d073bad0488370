"""A resident's answer to the desk's question before it acts on a guess.

When the desk is not sure what a message asks (``Command.sure`` is False) and acting on it
would change the board, it asks first: "Post it as a need? Reply 'yes' to post, 'no' to
drop it, or one of: offer, need, trade, alert." ``read_answer`` reads the reply: yes, no,
a kind of post, or None when the message is not an answer but something new (the desk
then drops the question and reads the message as usual). Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from meshaid.node.phone.message import read
from meshaid.node.phone.vocabulary import (
    ANSWER_FILLER,
    KIND_WORDS,
    NO_SIGNS,
    NO_WORDS,
    YES_SIGNS,
    YES_WORDS,
)
from meshaid.protocol.record import Kind

_SKIN_TONE = re.compile("[\U0001f3fb-\U0001f3ff]")
_NOT_SIGNS = frozenset(" !.\ufe0f")


@dataclass(frozen=True)
class Answer:
    """``yes`` True or False, or the ``kind`` the resident names instead."""

    yes: bool
    kind: Kind | None = None


def read_answer(text: str) -> Answer | None:
    """Yes, no, or a kind of post ("offer", "es una necesidad"); None for anything else."""
    message = read(text)
    signs = {ch for ch in message.text if ch not in _NOT_SIGNS and not _SKIN_TONE.match(ch)}
    if not message.words and signs:
        if signs <= YES_SIGNS:
            return Answer(True)
        if signs <= NO_SIGNS:
            return Answer(False)
    words = [w for w in message.words if w not in ANSWER_FILLER]
    if not words or len(words) > 3:
        return None
    kinds = {KIND_WORDS[w] for w in words if w in KIND_WORDS}
    if len(kinds) == 1 and all(w in KIND_WORDS or w in YES_WORDS for w in words):
        return Answer(True, kinds.pop())
    if all(w in YES_WORDS for w in words):
        return Answer(True)
    if all(w in NO_WORDS for w in words):
        return Answer(False)
    return None

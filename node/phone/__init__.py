"""Residents' phone commands: what a text message asks (``parse``) and what the node
answers (``replies``, in the words of the ``messages`` catalogues: English and Spanish).
Pure: no store, no clock, no radio."""

from meshaid.node.phone.command import Command, Intent
from meshaid.node.phone.intents import parse, query_matches
from meshaid.node.phone.replies import MAX_REPLY_BYTES, EntrySummary

__all__ = ["MAX_REPLY_BYTES", "Command", "EntrySummary", "Intent", "parse", "query_matches"]

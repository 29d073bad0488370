"""The protocol layer's error family.

Two branches, as in h11: ``UsageError`` when the caller asked for something the format
cannot express (our bug or a user's input to check first), ``DecodeError`` when bytes from
outside are not a valid payload (drop and count them, never crash on them).
"""


class ProtocolError(Exception):
    """Root of every error raised by meshaid.protocol."""


class UsageError(ProtocolError, ValueError):
    """The caller asked for something the format cannot express."""


class DecodeError(ProtocolError):
    """Bytes received are not a valid payload of the expected kind."""


class SignatureError(DecodeError):
    """A record's signature does not match its origin's key."""

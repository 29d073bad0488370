"""The node layer's error family.

Every error a committee member or the daemon can cause or meet is a ``NodeError``; its
message is one line that says what went wrong and, where there is one, what to do. The CLI
prints it as is. Anything else escaping node/ is a bug.
"""


class NodeError(Exception):
    """Root of every error raised by meshaid.node."""


class HomeMissingError(NodeError):
    """There is no initialised node home where one was expected."""


class ConfigError(NodeError):
    """The node's configuration file cannot be read or says something invalid."""


class KeyFileError(NodeError):
    """The node's key file is missing, malformed, unsafe, or does not match the store."""


class StoreError(NodeError):
    """The board database cannot be opened or used."""


class StoreBusyError(StoreError):
    """Another process holds the board database's write lock for too long."""


class InputError(NodeError, ValueError):
    """A value given by a person (CLI option, phone message) is not acceptable."""


class UnknownCodeError(NodeError):
    """No entry on the board has this code."""


class AmbiguousCodeError(NodeError):
    """Several entries start with this code."""


class NotOwnerError(NodeError):
    """The entry belongs to another node, so this node may not change it."""


class AlreadyClosedError(NodeError):
    """The entry is fulfilled or withdrawn already."""

"""Where a node keeps its key, database and configuration.

The node home is, in order of precedence:

1. the ``--home`` option of the CLI, or the ``MESHAID_HOME`` environment variable;
2. the service home, ``/var/lib/meshaid``, when running as the system service: the
   process runs as the system user ``meshaid`` or has ``MESHAID_SERVICE=1`` in its
   environment;
3. otherwise the user's data directory, ``platformdirs.user_data_dir("meshaid")``
   (``~/.local/share/meshaid`` on Linux), if it holds a node;
4. if it does not and the machine has a service home, that one when this user owns it;
   when someone else does (a committee member logged in as ``pi`` on a service node),
   ServiceNodeError says to run the command as the service user, rather than letting
   ``meshaid init`` make a second node with a new key beside the real one.

The configuration file is, for every command and the daemon alike (``config_file``):
``--config PATH``, else ``$MESHAID_CONFIG``, else ``/etc/meshaid/meshaid.toml`` when the
home is the service home and that file exists (where the service's unit has always read
it), else the home's own ``meshaid.toml``.

``MESHAID_SERVICE_HOME`` and ``MESHAID_SERVICE_CONFIG`` move the service's two paths (for
tests, and for a system that keeps state elsewhere).

The home is created with mode 0700: it holds the node's private key.
"""

from __future__ import annotations

import os
import pwd
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from meshaid.node.config import CONFIG_FILE
from meshaid.node.errors import HomeMissingError

SERVICE_HOME = Path("/var/lib/meshaid")
SERVICE_CONFIG = Path("/etc/meshaid/meshaid.toml")
SERVICE_USER = "meshaid"
HOME_MODE = 0o700
KEY_FILE = "node.key"
DB_FILE = "board.sqlite3"


def _user_name() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # a uid with no passwd entry, as in some containers
        return ""


class ServiceNodeError(HomeMissingError):
    """The machine's node is the service's, and this user cannot open it."""


def service_home(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env["MESHAID_SERVICE_HOME"]) if env.get("MESHAID_SERVICE_HOME") else SERVICE_HOME


def service_config(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    given = env.get("MESHAID_SERVICE_CONFIG")
    return Path(given) if given else SERVICE_CONFIG


def default_home(environ: Mapping[str, str] | None = None) -> Path:
    """The node home when none is given, by rules 1 to 3 of the module docstring."""
    env = os.environ if environ is None else environ
    if env.get("MESHAID_HOME"):
        return Path(env["MESHAID_HOME"]).expanduser()
    if env.get("MESHAID_SERVICE") == "1" or _user_name() == SERVICE_USER:
        return service_home(env)
    import platformdirs  # only here: it costs start-up time every other case can skip

    return Path(platformdirs.user_data_dir("meshaid"))


def _holds_node(root: Path) -> bool:
    try:
        return (root / CONFIG_FILE).exists() or (root / KEY_FILE).exists()
    except OSError:
        return False


def find_home(
    environ: Mapping[str, str] | None = None,
    argv: Sequence[str] = (),
    uid: int | None = None,
) -> Path:
    """The node home when none is given on the command line: rules 1 to 4 of the module
    docstring. ``argv`` (the command's arguments) goes into ServiceNodeError's advice;
    ``uid`` is the user's (default: the effective one)."""
    env = os.environ if environ is None else environ
    home = default_home(env)
    if env.get("MESHAID_HOME") or env.get("MESHAID_SERVICE") == "1" or _holds_node(home):
        return home
    service = service_home(env)
    if home == service:
        return home
    try:
        owner = service.stat().st_uid
    except OSError:  # no service node on this machine
        return home
    if owner == (os.geteuid() if uid is None else uid):
        return service
    # Root could open it, but files it made there (the database's journal) would lock the
    # service out: everyone but the owner is sent to the service user.
    command = shlex.join(["sudo", "-u", _owner_name(owner), "meshaid", *argv])
    raise ServiceNodeError(
        f"this machine's node is the meshaid service's, at {service}: run `{command}` "
        "(or give --home DIR for a node of your own)"
    )


def _owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return SERVICE_USER


def config_file(
    home: Path, given: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The configuration file of the node at ``home`` (see the module docstring)."""
    env = os.environ if environ is None else environ
    if given is not None:
        return given
    if env.get("MESHAID_CONFIG"):
        return Path(env["MESHAID_CONFIG"]).expanduser()
    system = service_config(env)
    if _same_path(home, service_home(env)) and system.is_file():
        return system
    return home / CONFIG_FILE


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


@dataclass(frozen=True)
class NodeHome:
    """The files of one node home."""

    root: Path

    @property
    def key_file(self) -> Path:
        return self.root / KEY_FILE

    @property
    def db_file(self) -> Path:
        return self.root / DB_FILE

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

"""Where a node keeps its key, database and configuration.

The node home is, in order of precedence:

1. the ``--home`` option of the CLI, or the ``MESHAID_HOME`` environment variable;
2. ``/var/lib/meshaid`` when running as the system service: the process runs as the
   system user ``meshaid`` or has ``MESHAID_SERVICE=1`` in its environment;
3. otherwise the user's data directory, ``platformdirs.user_data_dir("meshaid")``
   (``~/.local/share/meshaid`` on Linux).

The home is created with mode 0700: it holds the node's private key.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from meshaid.node.config import CONFIG_FILE

SERVICE_HOME = Path("/var/lib/meshaid")
SERVICE_USER = "meshaid"
HOME_MODE = 0o700
KEY_FILE = "node.key"
DB_FILE = "board.sqlite3"


def _user_name() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # a uid with no passwd entry, as in some containers
        return ""


def default_home(environ: Mapping[str, str] | None = None) -> Path:
    """The node home when none is given on the command line (see the module docstring)."""
    env = os.environ if environ is None else environ
    if env.get("MESHAID_HOME"):
        return Path(env["MESHAID_HOME"]).expanduser()
    if env.get("MESHAID_SERVICE") == "1" or _user_name() == SERVICE_USER:
        return SERVICE_HOME
    import platformdirs  # only here: it costs start-up time every other case can skip

    return Path(platformdirs.user_data_dir("meshaid"))


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

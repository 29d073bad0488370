"""What every command needs besides its arguments: where the node and its configuration
live, and the clock and key source, which tests replace."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from meshaid.node.clock import WallClock
from meshaid.node.home import config_file, find_home
from meshaid.node.keys import KeyFactory, generate_key
from meshaid.node.services import Node, open_node
from meshaid.node.store.database import DEFAULT_BUSY_TIMEOUT_MS


@dataclass
class CliContext:
    """``ctx.obj`` of the command line; tests pass their own with ``invoke(obj=...)``."""

    home: Path | None = None  # None: meshaid.node.home.find_home()
    config: Path | None = None  # --config; None: meshaid.node.home.config_file's rule
    wall: WallClock = time.time
    new_key: KeyFactory = generate_key
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
    argv: tuple[str, ...] = ()  # the command's arguments, for advice that repeats them

    @property
    def home_dir(self) -> Path:
        return self.home if self.home is not None else find_home(argv=self.argv)

    @property
    def config_file(self) -> Path:
        """The configuration file every command and the daemon read for this home."""
        return config_file(self.home_dir, self.config)

    def open_node(self) -> Node:
        return open_node(
            self.home_dir,
            wall=self.wall,
            busy_timeout_ms=self.busy_timeout_ms,
            config_path=self.config_file,
        )

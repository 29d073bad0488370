"""What every command needs besides its arguments: where the node lives, and the
clock and key source, which tests replace."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from meshaid.node.clock import WallClock
from meshaid.node.home import default_home
from meshaid.node.keys import KeyFactory, generate_key
from meshaid.node.services import Node, open_node
from meshaid.node.store.database import DEFAULT_BUSY_TIMEOUT_MS


@dataclass
class CliContext:
    """``ctx.obj`` of the command line; tests pass their own with ``invoke(obj=...)``."""

    home: Path | None = None  # None: meshaid.node.home.default_home()
    wall: WallClock = time.time
    new_key: KeyFactory = generate_key
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS

    @property
    def home_dir(self) -> Path:
        return self.home if self.home is not None else default_home()

    def open_node(self) -> Node:
        return open_node(self.home_dir, wall=self.wall, busy_timeout_ms=self.busy_timeout_ms)

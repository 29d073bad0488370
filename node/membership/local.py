"""What this node keeps of its neighbourhood outside the board: ``membership.json``.

The neighbourhood's id, the founder's key (the trust anchor: the genesis roster must be
signed by it and hash to the id), and the epoch keys this node was given directly (by the
genesis it made, or by its invite). Later epoch keys come as control records sealed to
this node and are opened at start. The file holds secret keys, so it is written like the
node key: mode 0600, atomically (a temporary file, fsync, rename).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from meshaid.node.errors import ConfigError
from meshaid.node.membership.keyring import EpochKeyHeld

FILE_NAME = "membership.json"


@dataclass(frozen=True)
class Membership:
    neighbourhood: bytes
    name: str
    founder_key: bytes
    epochs: tuple[EpochKeyHeld, ...]
    head_version: int = 1  # the roster version this node was told of when it joined


def membership_path(home: Path) -> Path:
    return home / FILE_NAME


def load_membership(home: Path) -> Membership | None:
    path = membership_path(home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}); restore it from a backup or "
                          "join the neighbourhood again") from exc
    try:
        return Membership(
            neighbourhood=bytes.fromhex(data["neighbourhood"]),
            name=str(data.get("name", "")),
            founder_key=bytes.fromhex(data["founder_key"]),
            epochs=tuple(EpochKeyHeld(int(e["epoch"]), bytes.fromhex(e["key"]))
                         for e in data["epochs"]),
            head_version=int(data.get("head_version", 1)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: malformed ({exc})") from exc


def save_membership(home: Path, m: Membership) -> None:
    data = {
        "neighbourhood": m.neighbourhood.hex(),
        "name": m.name,
        "founder_key": m.founder_key.hex(),
        "epochs": [{"epoch": e.epoch, "key": e.key.hex()} for e in m.epochs],
        "head_version": m.head_version,
    }
    path = membership_path(home)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    dir_fd = os.open(home, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)

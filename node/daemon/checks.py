"""Start-up safety checks of ``meshaid run``: what would make the node slow, unsafe or lossy.

Each check gives a ``Check``: its name, a level and one line saying what was found and, when
it is not "ok", why it matters and what to do. "refused" stops the daemon before it opens
the radio; "warning" is logged and shown by ``meshaid status`` for as long as it holds.

The machine (before the radio is opened):

* protobuf's compiled backend (``upb`` or ``cpp``): the pure-Python one decodes every frame
  and record many times slower; a warning;
* the store in WAL mode with ``synchronous=FULL``, read back with PRAGMA on a connection of
  the store itself (node/store/database.py sets both): FULL is what makes an acknowledged
  post survive a power cut, so anything less is refused; no WAL is a warning (readers then
  block the daemon's writes, nothing is lost);
* the data directory private: writable by other users is refused (anyone on the machine
  could replace the board or the node key, and the node would sign and gossip their
  work); writable by the group, or readable by others, is a warning.

The radio (after its first handshake):

* firmware at least 2.7.15. CVE-2025-52464 (vendor-cloned and low-entropy X25519 keys,
  GHSA-gq7v-jr8c-mfr7) was fixed in 2.6.11 and 2.6.12; CVE-2025-53627 (a direct message
  without the PKI flag taken as PKI-encrypted) in 2.7.15. Residents' direct messages go
  through the radio's keys, so an older radio gets a warning saying which CVE applies;
* the LoRa region set: with region UNSET the firmware does not transmit at all (and 2.6.11
  on generates its keys only once a region is set); a warning, as the daemon keeps waiting
  for the radio to be configured.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from meshaid.hardware.radio import RadioInfo

Level = Literal["ok", "warning", "refused"]

MIN_FIRMWARE = (2, 7, 15)
SYNCHRONOUS_FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
# (version the fix came in, what older firmware exposes)
FIRMWARE_FIXES = (
    ((2, 6, 11), "CVE-2025-52464 (cloned and low-entropy radio keys)"),
    ((2, 7, 15), "CVE-2025-53627 (direct messages downgraded from PKI)"),
)


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "level": self.level, "message": self.message}


def protobuf_backend(backend: Callable[[], str] | None = None) -> Check:
    if backend is None:
        from google.protobuf.internal import api_implementation

        backend = api_implementation.Type
    kind = backend()
    if kind in ("upb", "cpp"):
        return Check("protobuf", "ok", f"protobuf backend {kind} (compiled)")
    return Check("protobuf", "warning",
                 f"protobuf uses its pure-Python backend ({kind}): every frame and record "
                 "decodes many times slower; install a protobuf wheel built for this "
                 "platform (pip install --force-reinstall protobuf)")


def sqlite_durability(journal_mode: str, synchronous: int) -> list[Check]:
    """The store's PRAGMA journal_mode and synchronous, as read on its own connection."""
    out: list[Check] = []
    if synchronous >= SYNCHRONOUS_FULL:
        out.append(Check("sqlite_sync", "ok", "SQLite synchronous=FULL"))
    else:
        out.append(Check("sqlite_sync", "refused",
                         f"SQLite synchronous is {synchronous}, not FULL (2): a power cut could "
                         "lose posts already acknowledged"))
    if journal_mode.lower() == "wal":
        out.append(Check("sqlite_wal", "ok", "SQLite journal_mode=WAL"))
    else:
        out.append(Check("sqlite_wal", "warning",
                         f"SQLite journal_mode is {journal_mode}, not WAL (the file system may "
                         "not support it): readers such as `meshaid board` will hold up the "
                         "daemon's writes; keep the node home on a local file system"))
    return out


def data_directory(path: Path) -> Check:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        return Check("data_dir", "refused", f"cannot read the node home {path}: {exc.strerror}")
    if mode & stat.S_IWOTH:
        return Check("data_dir", "refused",
                     f"the node home {path} is writable by every user (mode {mode:04o}): "
                     "anyone could replace the board or the node key; run: chmod 700 "
                     f"{path}")
    if mode & stat.S_IWGRP:
        return Check("data_dir", "warning",
                     f"the node home {path} is writable by its group (mode {mode:04o}): "
                     f"each group member can change the board; chmod g-w {path} unless meant")
    if mode & stat.S_IROTH:
        return Check("data_dir", "warning",
                     f"the node home {path} is readable by every user (mode {mode:04o}): "
                     f"residents' posts and phone numbers are visible; run: chmod o-rwx {path}")
    return Check("data_dir", "ok", f"node home {path} is private (mode {mode:04o})")


def firmware_version(text: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a Meshtastic version such as "2.7.15.567b8ea"."""
    match = re.match(r"\s*v?(\d+)\.(\d+)\.(\d+)", text)
    if match is None:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def radio_checks(info: RadioInfo | None) -> list[Check]:
    """What the radio said at its handshake; nothing before it has said anything."""
    if info is None:
        return []
    out: list[Check] = []
    version = firmware_version(info.firmware_version)
    shown = ".".join(map(str, MIN_FIRMWARE))
    if version is None:
        out.append(Check("firmware", "warning",
                         f"the radio did not give a readable firmware version "
                         f"({info.firmware_version!r}); make sure it runs {shown} or later"))
    elif version < MIN_FIRMWARE:
        open_cves = "; ".join(what for fixed, what in FIRMWARE_FIXES if version < fixed)
        out.append(Check("firmware", "warning",
                         f"radio firmware {info.firmware_version} is older than {shown}: "
                         f"{open_cves}; update the radio's firmware"))
    else:
        out.append(Check("firmware", "ok", f"radio firmware {info.firmware_version}"))
    if info.region in ("UNSET", "", "0"):
        out.append(Check("region", "warning",
                         "the radio's LoRa region is not set: it transmits nothing until it "
                         "is; set it with: meshtastic --set lora.region EU_868 (or yours)"))
    else:
        out.append(Check("region", "ok", f"radio region {info.region}"))
    return out


def machine_checks(home: Path, pragma: Callable[[str], Any],
                   backend: Callable[[], str] | None = None) -> list[Check]:
    """The checks made before the radio is opened; ``pragma`` reads one store PRAGMA."""
    try:
        journal, sync = str(pragma("journal_mode")), int(pragma("synchronous"))
    except Exception as exc:  # a store that cannot even answer a PRAGMA
        checks = [Check("sqlite_sync", "refused", f"cannot read the store's settings: {exc}")]
    else:
        checks = sqlite_durability(journal, sync)
    return [protobuf_backend(backend), *checks, data_directory(home)]


def refused(checks: Iterable[Check]) -> list[Check]:
    return [c for c in checks if c.level == "refused"]


def problems(checks: Iterable[Check]) -> list[str]:
    """The lines an operator should read: every check that is not ok."""
    return [f"{c.level}: {c.message}" for c in checks if c.level != "ok"]

"""The neighbourhood's shared settings, as the roster gives them: its communities and zones,
and how long each kind of entry lives when its poster does not say.

Communities and zones go on air as numbers, so every node must read a number the same
way. The founder's communities and zones go into the genesis roster (``meshaid init
--new-neighbourhood``), later ones into roster changes; a joined node takes them from
the roster in force instead of asking its operator to copy meshaid.toml by hand.

The roster is worked out from control records in the store, which takes a scan; a command
that only reads the board should not pay for it. So whenever a node works out a roster
version (meshaid.node.membership.neighbourhood), it writes the settings beside the
membership file, and ``open_node`` reads that small file. What the roster numbers wins
over meshaid.toml; the file's own numbers the roster does not use stay (a zone only this
node's operator named), and a clash is reported, not hidden.

Lifetimes are applied where an entry is posted (meshaid.node.services): the poster's node
writes the neighbourhood's lifetime into the record, so every node counts the same expiry
from signed bytes alone, whether or not it has the roster version that set it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meshaid.node.config import NodeConfig

if TYPE_CHECKING:  # not at run time: a command that reads the board needs no roster code
    from meshaid.sync.roster import Roster

SETTINGS_FILE = "roster-settings.json"


def _warn(message: str, *args: object) -> None:
    # logging is imported only to warn: a command that reads the board need not load it.
    import logging

    logging.getLogger(__name__).warning(message, *args)


@dataclass(frozen=True)
class SharedSettings:
    version: int  # the roster version they come from
    communities: dict[int, str] = field(default_factory=dict)
    zones: dict[int, str] = field(default_factory=dict)
    lifetimes: dict[int, int] = field(default_factory=dict)  # kind -> minutes


def settings_of(roster: Roster) -> SharedSettings:
    return SharedSettings(roster.version, dict(roster.communities), dict(roster.zones),
                          dict(roster.lifetimes))


def save_settings(root: Path, settings: SharedSettings) -> bool:
    """Write ``settings`` unless the file holds them already; True when written."""
    if load_settings(root) == settings:
        return False
    data = {"version": settings.version,
            "communities": {str(n): c for n, c in sorted(settings.communities.items())},
            "zones": {str(n): z for n, z in sorted(settings.zones.items())},
            "lifetimes": {str(k): m for k, m in sorted(settings.lifetimes.items())}}
    path = root / SETTINGS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return True


def _numbered(value: Any) -> dict[int, str]:
    if not isinstance(value, dict):
        raise ValueError("not a table")
    out = {int(k): v for k, v in value.items()}
    if not all(isinstance(v, str) and n > 0 for n, v in out.items()):
        raise ValueError("not numbered names")
    return out


def _minutes(value: Any) -> dict[int, int]:
    if not isinstance(value, dict):
        raise ValueError("lifetimes: not a table")
    out = {int(k): v for k, v in value.items()}
    if not all(isinstance(v, int) and v > 0 for v in out.values()):
        raise ValueError("lifetimes: not minutes")
    return out


def load_settings(root: Path) -> SharedSettings | None:
    """The settings last written, or None (none yet, or a file that cannot be read: it is
    written again from the roster the next time the node works one out)."""
    path = root / SETTINGS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SharedSettings(int(data["version"]), _numbered(data["communities"]),
                              _numbered(data["zones"]), _minutes(data.get("lifetimes", {})))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _warn("ignoring %s: %s", path, exc)
        return None


def _merge(what: str, local: dict[int, str], shared: dict[int, str]) -> dict[int, str]:
    names = {name.casefold(): number for number, name in shared.items()}
    out = {}
    for number, name in local.items():
        theirs = names.get(name.casefold())
        if theirs is not None and theirs != number:
            _warn("%s %r is number %d on the roster, %d in meshaid.toml: the "
                  "roster's is used", what, name, theirs, number)
            continue
        out[number] = name
    for number, name in shared.items():
        mine = out.get(number)
        if mine is not None and mine.casefold() != name.casefold():
            _warn("%s %d is %r on the roster, %r in meshaid.toml: the roster's is "
                  "used", what, number, name, mine)
        out[number] = name
    return out


def apply_settings(config: NodeConfig, settings: SharedSettings | None) -> NodeConfig:
    """``config`` with the roster's communities, zones and lifetimes in force."""
    if settings is None or not (settings.communities or settings.zones or settings.lifetimes):
        return config
    return replace(config,
                   communities=_merge("community", config.communities, settings.communities),
                   zones=_merge("zone", config.zones, settings.zones),
                   lifetimes=dict(settings.lifetimes))

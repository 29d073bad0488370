"""Which residents' radios may post through this node's phone desk.

Until the member roster exists, the committee lists the radios in the node's config file::

    [phone]
    allow = ["!a1b2c3d4", "!0000beef"]

Radios are written as Meshtastic shows them: ``!`` and 8 hex digits. No ``[phone]`` table,
or no ``allow`` key, means that nobody may post (everybody may still read the board).
Radios of this list have no pinned key, so they post only with ``allow_plain_dm``::

    [phone]
    allow_plain_dm = true   # take plain DMs from roster radios without a pinned key

(meshaid.node.desk.identity says what that costs.)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from meshaid.node.config import read_toml
from meshaid.node.errors import ConfigError

MAX_RADIO_ID = 0xFFFF_FFFF
_PHONE_KEYS = {"allow", "allow_plain_dm"}


def radio_label(radio_id: int) -> str:
    """A radio id as Meshtastic shows it: ``!a1b2c3d4``."""
    return f"!{radio_id & MAX_RADIO_ID:08x}"


def parse_radio_id(text: str) -> int:
    """``!a1b2c3d4`` (any case) to its number; ValueError when it is not one."""
    given = text.strip()
    if not given.startswith("!") or len(given) != 9:
        raise ValueError(f"{text!r} is not a radio id such as !a1b2c3d4")
    try:
        return int(given[1:], 16)
    except ValueError:
        raise ValueError(f"{text!r} is not a radio id such as !a1b2c3d4") from None


def parse_allow(data: Mapping[str, Any], path: Path | str) -> frozenset[int]:
    """The allow-list from a parsed config file's top level; ConfigError names the problem."""
    phone = data.get("phone", {})
    if not isinstance(phone, dict):
        raise ConfigError(f"{path}: [phone] must be a table")
    unknown = sorted(set(phone) - _PHONE_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown setting [phone] {unknown[0]!r}")
    plain = phone.get("allow_plain_dm", False)
    if not isinstance(plain, bool):
        raise ConfigError(f"{path}: [phone] allow_plain_dm must be true or false, not {plain!r}")
    allow = phone.get("allow", [])
    if not isinstance(allow, list):
        raise ConfigError(f'{path}: [phone] allow must be a list such as ["!a1b2c3d4"]')
    radios = set()
    for item in allow:
        if not isinstance(item, str):
            raise ConfigError(f"{path}: [phone] allow holds {item!r}, not a radio id text")
        try:
            radios.add(parse_radio_id(item))
        except ValueError as exc:
            raise ConfigError(f"{path}: [phone] allow: {exc}") from None
    return frozenset(radios)


def load_allow(path: Path) -> frozenset[int]:
    """The allow-list of the config file at ``path``."""
    return parse_allow(read_toml(path), path)


def parse_plain_dm(data: Mapping[str, Any], path: Path | str) -> bool:
    """``[phone] allow_plain_dm`` (default false); ConfigError for a bad [phone] table."""
    parse_allow(data, path)  # checks every key of the table
    return bool(data.get("phone", {}).get("allow_plain_dm", False))


def load_plain_dm(path: Path) -> bool:
    """Whether the config file at ``path`` allows plain DMs from unpinned roster radios."""
    return parse_plain_dm(read_toml(path), path)

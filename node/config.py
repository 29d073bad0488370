"""The node's configuration: ``meshaid.toml`` in the node home.

    name = "north porch"
    timezone = "America/Chicago"

    [communities]
    1 = "Magnolia Flats"

    [zones]
    1 = "north block"
    2 = "Elm & 5th"

Communities and zones go on air as numbers, so every node of a neighbourhood must give
the same number to the same name; numbers are written out rather than implied by list
order, so deleting a line never renumbers the rest. A zone that is not in the list can
still be posted: its name then goes on air as text.
"""

from __future__ import annotations

import contextlib
import json
import os
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from meshaid.node.errors import ConfigError, InputError
from meshaid.node.text_rules import clean_text, has_surrogates, has_visible
from meshaid.protocol.record import MAX_ZONE_NAME_BYTES

CONFIG_FILE = "meshaid.toml"
MAX_NUMBER = 0xFFFF_FFFF
# "radio" is read by meshaid.node.daemon.radio_config, "phone" by meshaid.node.desk.allowlist.
_KNOWN_KEYS = {"name", "timezone", "language", "communities", "zones", "radio", "phone"}
# Languages the node can answer residents in; a sender's own language wins once known.
LANGUAGES = ("en", "es")
# A node's name travels in roster changes, which hold at most
# meshaid.protocol.control.MAX_NAME_BYTES (not imported: it would load protobuf at start-up);
# 40 bytes is also what a status line or a members list shows without wrapping.
MAX_NAME_BYTES = 40


@dataclass(frozen=True)
class NodeConfig:
    name: str
    timezone: str = "UTC"
    language: str = "en"  # how the node first answers a radio it has not heard from
    communities: dict[int, str] = field(default_factory=dict)
    zones: dict[int, str] = field(default_factory=dict)
    # Minutes an entry of each kind (by number) lives when its poster gives no expiry: set
    # for the whole neighbourhood by the roster (meshaid.node.membership.settings), never
    # in meshaid.toml; kinds not listed keep meshaid.sync.lifetime's defaults.
    lifetimes: dict[int, int] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def community_number(self, given: str | None) -> int:
        """The number of a community given by name (any case) or number.

        With none given: the lowest-numbered community, or 0 when none is configured.
        """
        if given is None:
            return min(self.communities, default=0)
        wanted = given.strip().casefold()
        for number, name in self.communities.items():
            if name.casefold() == wanted or str(number) == wanted:
                return number
        if not self.communities:
            raise InputError(f"unknown community {given!r}; no communities are configured")
        listed = ", ".join(self.communities[n] for n in sorted(self.communities))
        raise InputError(f"unknown community {given!r}; configured: {listed}")

    def community_label(self, number: int) -> str:
        if number in self.communities:
            return self.communities[number]
        return f"#{number}" if number else ""

    def zone_of(self, given: str | None) -> tuple[int, str]:
        """(zone_id, zone_name) for a zone given by name: configured names go as numbers."""
        if given is not None and has_surrogates(given):
            raise InputError("the zone is not valid UTF-8; check the terminal's encoding")
        wanted = " ".join(clean_text(given or "").split())
        if not has_visible(wanted):
            return 0, ""
        for number, name in self.zones.items():
            if name.casefold() == wanted.casefold():
                return number, ""
        size = len(wanted.encode("utf-8"))
        if size > MAX_ZONE_NAME_BYTES:
            raise InputError(f"zone name is {size} bytes, over the limit of {MAX_ZONE_NAME_BYTES}")
        return 0, wanted

    def zone_label(self, zone_id: int, zone_name: str) -> str:
        if zone_name:
            return zone_name
        if zone_id in self.zones:
            return self.zones[zone_id]
        return f"zone {zone_id}" if zone_id else ""


def _toml_string(value: str) -> str:
    # A JSON string of printable text is also a TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def render_config(config: NodeConfig) -> str:
    """The TOML text of ``config``, with comments for whoever edits it next."""
    lines = [
        "# meshaid node configuration.",
        "",
        "# This node's name, shown to the operators of other nodes.",
        f"name = {_toml_string(config.name)}",
        "",
        '# Times are shown in this time zone (an IANA name, e.g. "America/Chicago").',
        f"timezone = {_toml_string(config.timezone)}",
        "",
        '# Language of the first answer to a resident\'s phone ("en" or "es"); after that,',
        "# each resident is answered in the language they write in.",
        f"language = {_toml_string(config.language)}",
        "",
        "# Communities and zones go on air as numbers: every node of the neighbourhood must",
        "# use the same numbers. Never renumber; give a new name the next free number.",
        "[communities]",
        *(f"{n} = {_toml_string(config.communities[n])}" for n in sorted(config.communities)),
        "",
        "[zones]",
        *(f"{n} = {_toml_string(config.zones[n])}" for n in sorted(config.zones)),
    ]
    return "\n".join(lines) + "\n"


def write_config(path: Path, config: NodeConfig) -> None:
    """Write a new config file; never replaces an existing one."""
    validate(config, path)
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(render_config(config))
        fh.flush()
        os.fsync(fh.fileno())


def _check_label(path: Path | str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: {where} must be a non-empty string")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ConfigError(f"{path}: {where} contains a control character")
    return value


def _numbered(path: Path | str, table: str, value: Any, max_bytes: int | None) -> dict[int, str]:
    if not isinstance(value, dict):
        raise ConfigError(f'{path}: [{table}] must be a table of number = "name" lines')
    result: dict[int, str] = {}
    seen: dict[str, str] = {}
    for key, name in value.items():
        if not key.isdigit() or not 0 < int(key) <= MAX_NUMBER:
            raise ConfigError(
                f"{path}: [{table}] key {key!r} is not a number from 1 to {MAX_NUMBER}"
            )
        label = _check_label(path, f"[{table}] {key}", name)
        if max_bytes is not None and len(label.encode("utf-8")) > max_bytes:
            raise ConfigError(f"{path}: [{table}] {key} is longer than {max_bytes} bytes")
        folded = label.casefold()
        if folded in seen:
            raise ConfigError(f"{path}: [{table}] {seen[folded]} and {key} have the same name")
        seen[folded] = key
        result[int(key)] = label
    return result


def validate(config: NodeConfig, path: Path | str) -> None:
    """ConfigError unless ``config`` could be written and read back; messages start with
    ``path`` (the file, or whatever else the values came from)."""
    parse_config(
        {
            "name": config.name,
            "timezone": config.timezone,
            "language": config.language,
            "communities": {str(k): v for k, v in config.communities.items()},
            "zones": {str(k): v for k, v in config.zones.items()},
        },
        path,
    )


def parse_config(data: dict[str, Any], path: Path | str) -> NodeConfig:
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown setting {unknown[0]!r}")
    if "name" not in data:
        raise ConfigError(f'{path}: the node\'s name is missing (name = "...")')
    name = _check_label(path, "name", data["name"])
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise ConfigError(
            f"{path}: name is {len(name.encode('utf-8'))} bytes; a node's name is at most "
            f"{MAX_NAME_BYTES} (the roster carries it on air, and status lines show it whole)"
        )
    timezone = data.get("timezone", "UTC")
    if not isinstance(timezone, str):
        raise ConfigError(f'{path}: timezone must be a string such as "America/Chicago"')
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ConfigError(f"{path}: timezone {timezone!r} is not a known time zone") from exc
    language = data.get("language", "en")
    if language not in LANGUAGES:
        raise ConfigError(f"{path}: language must be one of {', '.join(LANGUAGES)}")
    return NodeConfig(
        name=name,
        timezone=timezone,
        language=language,
        communities=_numbered(path, "communities", data.get("communities", {}), None),
        zones=_numbered(path, "zones", data.get("zones", {}), MAX_ZONE_NAME_BYTES),
    )


def read_toml(path: Path) -> dict[str, Any]:
    """The config file's TOML as a dict; ConfigError names the file and the problem."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file is missing") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    return data


def load_config(path: Path) -> NodeConfig:
    """Read and check the whole config file, the daemon's sections too, so that every
    command refuses a file the daemon would; ConfigError names the file and the problem."""
    data = read_toml(path)
    config = parse_config(data, path)
    # Imported only when the file has the section: most commands need neither.
    if "radio" in data:
        from meshaid.node.daemon.radio_config import parse_radio

        parse_radio(data["radio"], path)
    if "phone" in data:
        from meshaid.node.desk.allowlist import parse_allow

        parse_allow(data, path)
    return config


def system_timezone() -> str:
    """This machine's IANA time zone name, or "UTC" when it cannot be told."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
        return name
    return "UTC"

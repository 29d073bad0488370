"""The ``[radio]`` section of ``meshaid.toml``: where the radio is and how much air to use.

    [radio]
    port = "/dev/meshtastic"   # a serial device; or host = "192.168.1.40:4403"
    channel = 0                # the channel index gossip goes out on
    region = "EU_868"          # what the radio should be set to; a mismatch is logged
    preset = "LONG_FAST"       # modem preset, for airtime accounting
    budget_share = 0.05        # share of each rolling hour this node may spend on air

Every key is optional and so is the section: with none, the daemon looks for the one USB
serial port there is, uses channel 0, LONG_FAST and 5 % of the hour (half of the EU868
10 % duty cycle, see meshaid.sync.config).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meshaid.hardware.meshtastic_radio import REGIONS
from meshaid.node.config import read_toml
from meshaid.node.errors import ConfigError
from meshaid.protocol.airtime import DEFAULT_PRESET, PRESETS
from meshaid.sync.config import SyncConfig

SECTION = "radio"
_KEYS = {"port", "host", "channel", "region", "preset", "budget_share"}
_CHANNELS = 8  # Meshtastic devices have channels 0..7
# The 10 % duty cycle of EU868 is the highest any Meshtastic region allows for the
# whole band; asking for more would only earn DUTY_CYCLE_LIMIT refusals.
MAX_BUDGET_SHARE = 0.10


@dataclass(frozen=True)
class RadioConfig:
    port: str | None = None  # serial device path
    host: str | None = None  # host[:port] of a radio on the network
    channel: int = 0
    region: str | None = None  # expected LoRa region; None: whatever the radio says
    preset: str = DEFAULT_PRESET
    budget_share: float = SyncConfig.budget_share

    @property
    def target(self) -> str | None:
        """What meshaid.hardware.meshtastic_radio.parse_target reads (None: autodetect)."""
        return self.port or self.host

    def with_target(self, port: str | None, host: str | None) -> RadioConfig:
        """This config with the radio given on the command line, if any, taking precedence."""
        if port is None and host is None:
            return self
        return RadioConfig(port, host, self.channel, self.region, self.preset, self.budget_share)

    def sync_config(self, **overrides: Any) -> SyncConfig:
        return SyncConfig(preset=self.preset, budget_share=self.budget_share, **overrides)


def parse_radio(data: Any, path: Path | str) -> RadioConfig:
    """The ``[radio]`` table (``data``; None when absent) of the file ``path``."""
    if data is None:
        return RadioConfig()
    where = f"{path}: [{SECTION}]"
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        known = ", ".join(sorted(_KEYS))
        raise ConfigError(f"{where} unknown setting {unknown[0]!r}; known: {known}")
    if "port" in data and "host" in data:
        raise ConfigError(f"{where} give port (serial) or host (network), not both")
    port = _optional_text(data, "port", where)
    host = _optional_text(data, "host", where)
    channel = data.get("channel", 0)
    if isinstance(channel, bool) or not isinstance(channel, int) or not 0 <= channel < _CHANNELS:
        raise ConfigError(f"{where} channel must be a channel index from 0 to {_CHANNELS - 1}")
    region = _optional_text(data, "region", where)
    if region is not None:
        region = region.upper()
        if region not in REGIONS:
            known = ", ".join(REGIONS)
            raise ConfigError(f"{where} region {region!r} is not a region; one of {known}")
    preset = (_optional_text(data, "preset", where) or DEFAULT_PRESET).upper()
    if preset not in PRESETS:
        raise ConfigError(f"{where} preset {preset!r} is unknown; one of {', '.join(PRESETS)}")
    share = data.get("budget_share", SyncConfig.budget_share)
    if isinstance(share, bool) or not isinstance(share, int | float) or not (
        0 < share <= MAX_BUDGET_SHARE
    ):
        raise ConfigError(
            f"{where} budget_share must be a number above 0 and at most {MAX_BUDGET_SHARE} "
            "(a share of each hour)"
        )
    return RadioConfig(port, host, channel, region, preset, float(share))


def _optional_text(data: dict[str, Any], key: str, where: str) -> str | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} {key} must be a non-empty string")
    return value.strip()


def load_radio_config(path: Path) -> RadioConfig:
    """The ``[radio]`` section of the config file at ``path`` (defaults when it has none)."""
    return parse_radio(read_toml(path).get(SECTION), path)

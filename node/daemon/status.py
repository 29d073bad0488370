"""What ``meshaid status`` shows: the radio, its warnings, neighbours, airtime and the store.

Plain values only: the daemon sends them as msgpack over the control socket, and the CLI
builds the same store rows itself when no daemon answers.
"""

from __future__ import annotations

from typing import Any

from meshaid.hardware.radio import Radio
from meshaid.node.store.board import BoardStore
from meshaid.node.store.sync_state import store_summary


def summary_rows(store: BoardStore) -> list[dict[str, Any]]:
    """The store summary as status shows it, this node's own origin first."""
    own = store.origin
    rows = [
        {"origin": f"{origin:08x}", "records": count, "max_seq": top, "own": origin == own}
        for origin, (count, top) in store_summary(store).items()
    ]
    rows.sort(key=lambda r: (not r["own"], r["origin"]))
    return rows


def radio_warnings(radio: Radio, region: str | None, preset: str) -> list[str]:
    """What an operator should fix about the radio's settings."""
    out: list[str] = []
    info = radio.info
    if info is None:
        return out
    if info.uses_default_key:
        out.append(
            f"gossip channel {info.channel_index} ({info.channel_name!r}) uses the public "
            "default key AQ==: anyone can read and inject frames; set a private channel key"
        )
    elif info.channel_is_public:
        out.append(f"gossip channel {info.channel_index} uses a publicly known key "
                   f"({info.channel_key})")
    if region is not None and info.region != region:
        out.append(f"radio region is {info.region}, the configuration says {region}")
    if info.modem_preset != preset:
        out.append(f"radio preset is {info.modem_preset}, airtime is counted for "
                   f"{preset}; set preset in [radio]")
    return out


def radio_status(radio: Radio) -> dict[str, Any]:
    info = radio.info
    out: dict[str, Any] = {
        "connected": radio.connected,
        "status": radio.status,
        "target": radio.address,
        "pending_frames": radio.pending,
        # The radio's own measurements, in percent (None until it reported them).
        "channel_utilisation": radio.metrics.channel_utilisation,
        "own_airtime_share": radio.metrics.own_airtime_share,
    }
    if info is not None:
        out.update(
            node=f"!{info.node_num:08x}", name=info.long_name,
            firmware=info.firmware_version, region=info.region, preset=info.modem_preset,
            channel=info.channel_index, channel_name=info.channel_name,
            channel_key=info.channel_key, default_key=info.uses_default_key,
        )
    return out

"""What a Meshtastic device says about itself, read from the library's interface.

``read_info`` takes the node number, names, firmware version, LoRa settings and the
gossip channel from what the config handshake filled in; ``own_metrics`` and
``telemetry_metrics`` read the channel measurements the device reports of itself (at the
handshake, then in its device telemetry).
"""

from __future__ import annotations

from typing import Any

from meshtastic.protobuf import channel_pb2, config_pb2, telemetry_pb2

from meshaid.hardware.meshtastic_radio.firmware import preset_display_name, psk_kind
from meshaid.hardware.radio import RadioInfo, RadioMetrics

LoRaConfig = config_pb2.Config.LoRaConfig


def read_info(iface: Any, channel_index: int) -> tuple[RadioInfo, bool]:
    """The radio behind a library interface that finished its handshake, and whether
    channel ``channel_index`` is enabled on it. Any exception: a config we cannot read."""
    node_num = int(iface.myInfo.my_node_num)
    user = (iface.nodesByNum or {}).get(node_num, {}).get("user", {})
    lora = iface.localNode.localConfig.lora
    channels = iface.localNode.channels or []
    channel = channels[channel_index] if channel_index < len(channels) else None
    usable = channel is not None and channel.role != channel_pb2.Channel.Role.DISABLED
    settings = channel.settings if channel is not None else channel_pb2.ChannelSettings()
    preset_name = preset_display_name(lora.modem_preset) if lora.use_preset else "Custom"
    info = RadioInfo(
        node_num=node_num,
        long_name=str(user.get("longName", "")),
        short_name=str(user.get("shortName", "")),
        firmware_version=iface.metadata.firmware_version if iface.metadata else "",
        region=enum_name(LoRaConfig.RegionCode, lora.region),
        modem_preset=enum_name(LoRaConfig.ModemPreset, lora.modem_preset),
        hop_limit=int(lora.hop_limit),
        channel_index=channel_index,
        channel_name=settings.name or preset_name,
        channel_key=psk_kind(bytes(settings.psk)),
    )
    return info, usable


def own_metrics(iface: Any, node_num: int) -> RadioMetrics | None:
    """The device metrics of its own entry in the node DB; None when it has none."""
    node = (iface.nodesByNum or {}).get(node_num, {})
    metrics = node.get("deviceMetrics")
    if not isinstance(metrics, dict):
        return None
    cu, tx = metrics.get("channelUtilization"), metrics.get("airUtilTx")
    return RadioMetrics(
        channel_utilisation=float(cu) if cu is not None else None,
        own_airtime_share=float(tx) if tx is not None else None,
    )


def telemetry_metrics(payload: bytes, old: RadioMetrics) -> RadioMetrics | None:
    """``old`` updated with a TELEMETRY_APP payload; None when it holds no device metrics."""
    try:
        telemetry = telemetry_pb2.Telemetry.FromString(payload)
    except Exception:
        return None
    if not telemetry.HasField("device_metrics"):
        return None
    dm = telemetry.device_metrics
    return RadioMetrics(
        channel_utilisation=float(dm.channel_utilization)
        if dm.HasField("channel_utilization") else old.channel_utilisation,
        own_airtime_share=float(dm.air_util_tx)
        if dm.HasField("air_util_tx") else old.own_airtime_share,
    )


def enum_name(enum: Any, value: int) -> str:
    """The protobuf name of an enum value, or the number when the library does not know it."""
    try:
        return str(enum.Name(value))
    except ValueError:
        return str(value)

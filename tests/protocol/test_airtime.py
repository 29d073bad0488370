import pytest

from meshaid.protocol.airtime import (
    MAX_APP_PAYLOAD,
    MAX_PHY_PAYLOAD,
    PRESETS,
    Preset,
    airtime_seconds,
    data_overhead,
    frame_airtime,
    phy_payload_bytes,
    preset_named,
)
from meshaid.protocol.errors import UsageError


@pytest.mark.parametrize(
    ("payload", "expected"),
    [(0, 0.44), (50, 0.80), (100, 1.17), (200, 1.90), (MAX_APP_PAYLOAD, 2.16)],
)
def test_long_fast_matches_the_design_figures(payload: int, expected: float) -> None:
    assert airtime_seconds(payload) == pytest.approx(expected, rel=0.03)


def test_a_full_frame_is_255_bytes_on_long_fast() -> None:
    assert phy_payload_bytes(MAX_APP_PAYLOAD) == MAX_PHY_PAYLOAD
    assert frame_airtime(MAX_PHY_PAYLOAD) == pytest.approx(2.16, rel=0.01)


def test_data_wrapper_is_seven_or_eight_bytes_on_port_256() -> None:
    assert data_overhead(0) == 7
    assert data_overhead(127) == 7
    assert data_overhead(128) == 8
    assert data_overhead(10, portnum=1) == 6  # text port: one-byte portnum varint
    assert MAX_APP_PAYLOAD == 231


def _without_long_preamble(pl: int, p: Preset) -> float:
    # LoRaWAN calculators use an 8-symbol preamble; Meshtastic uses 16.
    return frame_airtime(pl, p) - 8 * p.symbol_seconds


def test_formula_matches_published_lorawan_airtimes() -> None:
    # Reference values of the LoRaWAN airtime calculators for a 13-byte payload.
    assert _without_long_preamble(13, Preset("SF7BW125", 7, 125_000, 5)) == pytest.approx(
        0.046336, abs=1e-6
    )
    assert _without_long_preamble(13, Preset("SF12BW125", 12, 125_000, 5)) == pytest.approx(
        1.155072, abs=1e-6
    )


def test_low_data_rate_optimisation_follows_symbol_time() -> None:
    assert not PRESETS["LONG_FAST"].low_data_rate  # 8.2 ms symbols
    assert PRESETS["LONG_MODERATE"].low_data_rate  # 16.4 ms
    assert PRESETS["LONG_SLOW"].low_data_rate
    assert PRESETS["VERY_LONG_SLOW"].low_data_rate


def test_presets_are_ordered_by_speed() -> None:
    times = [airtime_seconds(100, name) for name in (
        "SHORT_TURBO", "SHORT_FAST", "SHORT_SLOW", "MEDIUM_FAST", "MEDIUM_SLOW",
        "LONG_FAST", "LONG_MODERATE", "LONG_SLOW", "VERY_LONG_SLOW",
    )]
    assert times == sorted(times)
    assert airtime_seconds(100, "LONG_TURBO") < airtime_seconds(100, "LONG_FAST")


def test_airtime_grows_with_payload_in_coding_blocks() -> None:
    previous = 0.0
    for size in range(MAX_APP_PAYLOAD + 1):
        t = airtime_seconds(size)
        assert t >= previous
        previous = t
    # Bytes come in blocks of SF - 2*DE = 11 symbols' worth on LONG_FAST: 5.5 bytes a block.
    assert airtime_seconds(60) - airtime_seconds(49) == pytest.approx(
        2 * 5 * PRESETS["LONG_FAST"].symbol_seconds
    )


def test_bad_sizes_and_names_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="231"):
        airtime_seconds(MAX_APP_PAYLOAD + 1)
    with pytest.raises(UsageError):
        frame_airtime(256)
    with pytest.raises(UsageError):
        airtime_seconds(-1)
    with pytest.raises(UsageError, match="LONG_FAST"):
        preset_named("LONG_FASTEST")
    assert preset_named("long_slow") is PRESETS["LONG_SLOW"]

"""The daemon's start-up safety checks, one by one, and as ``meshaid status`` shows them."""

from __future__ import annotations

from pathlib import Path

from meshaid.cli.run import render_status
from meshaid.hardware.radio import RadioInfo
from meshaid.node.daemon.checks import (
    data_directory,
    firmware_version,
    machine_checks,
    problems,
    protobuf_backend,
    radio_checks,
    sqlite_durability,
)
from meshaid.node.services import init_node, open_node
from meshaid.node.store.database import pragma


def info(firmware: str = "2.7.15.567b8ea", region: str = "EU_868") -> RadioInfo:
    return RadioInfo(node_num=1, long_name="n", short_name="n", firmware_version=firmware,
                     region=region, modem_preset="LONG_FAST", hop_limit=3, channel_index=0,
                     channel_name="LongFast", channel_key="private")


def test_the_compiled_protobuf_backend_is_ok_and_the_python_one_warned() -> None:
    assert protobuf_backend(lambda: "upb").level == "ok"
    assert protobuf_backend(lambda: "cpp").level == "ok"
    slow = protobuf_backend(lambda: "python")
    assert slow.level == "warning" and "pure-Python" in slow.message
    assert protobuf_backend().level == "ok"  # this machine's own


def test_the_store_as_opened_is_wal_and_synchronous_full(tmp_path: Path) -> None:
    init_node(tmp_path / "h", name="n", timezone="UTC")
    with open_node(tmp_path / "h") as node:
        checks = machine_checks(node.home.root, lambda name: pragma(node.store.db, name))
    assert [(c.name, c.level) for c in checks] == [
        ("protobuf", "ok"), ("sqlite_sync", "ok"), ("sqlite_wal", "ok"), ("data_dir", "ok"),
    ]


def test_less_than_full_sync_is_refused_and_no_wal_warned() -> None:
    sync, wal = sqlite_durability("delete", 1)
    assert sync.level == "refused" and "power cut" in sync.message
    assert wal.level == "warning"


def test_the_data_directory_must_not_be_writable_by_others(tmp_path: Path) -> None:
    levels = {}
    for mode in (0o700, 0o750, 0o770, 0o755, 0o777, 0o703):
        tmp_path.chmod(mode)
        levels[mode] = data_directory(tmp_path).level
    tmp_path.chmod(0o700)
    assert levels == {0o700: "ok", 0o750: "ok", 0o770: "warning", 0o755: "warning",
                      0o777: "refused", 0o703: "refused"}
    assert data_directory(tmp_path / "gone").level == "refused"


def test_firmware_before_the_2025_key_fixes_is_warned_with_the_cve() -> None:
    assert firmware_version("2.7.15.567b8ea") == (2, 7, 15)
    assert firmware_version("v2.6.11") == (2, 6, 11)
    assert firmware_version("unknown") is None
    (old,) = [c for c in radio_checks(info("2.5.20.4c97351")) if c.name == "firmware"]
    assert old.level == "warning"
    assert "CVE-2025-52464" in old.message and "CVE-2025-53627" in old.message
    (mid,) = [c for c in radio_checks(info("2.6.11.60ec05e")) if c.name == "firmware"]
    assert "CVE-2025-52464" not in mid.message and "CVE-2025-53627" in mid.message
    assert [c.level for c in radio_checks(info("2.7.15.x"))] == ["ok", "ok"]
    assert radio_checks(info("2.10.0"))[0].level == "ok"
    assert radio_checks(info(""))[0].level == "warning"
    assert radio_checks(None) == []


def test_an_unset_region_is_warned() -> None:
    (region,) = [c for c in radio_checks(info(region="UNSET")) if c.name == "region"]
    assert region.level == "warning" and "transmits nothing" in region.message
    assert problems(radio_checks(info(region="UNSET"))) == [f"warning: {region.message}"]


def test_status_shows_the_checks_that_are_not_ok() -> None:
    checks = [c.to_json() for c in radio_checks(info("2.5.0"))]
    shown = render_status({
        "node": {"name": "n", "origin": "00000001"},
        "daemon": {"running": True, "pid": 1, "uptime": 5.0},
        "radio": {"connected": True, "status": "connected"},
        "warnings": [], "checks": checks, "neighbours": [],
        "airtime": {"used": 0.0, "budget": 180.0, "frames_sent": 0},
        "pending": {"own_records_waiting": 0, "radio_frames": 0}, "store": [],
    })
    assert "start-up checks: 1 of 2 ok" in shown
    assert "WARNING: radio firmware 2.5.0 is older than 2.7.15" in shown

"""The systemd unit and the udev rule in packaging/: hardening, ordering, radio chips."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
UNIT = PACKAGING / "meshaid.service"
RULES = PACKAGING / "99-meshaid-radio.rules"


def unit_settings() -> dict[str, dict[str, list[str]]]:
    """Section -> key -> every value given (keys such as DeviceAllow= repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in UNIT.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        assert current is not None, f"setting outside a section: {line}"
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def test_the_service_starts_after_the_network_is_online() -> None:
    unit = unit_settings()["Unit"]
    assert unit["After"] == ["network-online.target"]
    assert unit["Wants"] == ["network-online.target"]


def test_the_service_is_hardened() -> None:
    service = unit_settings()["Service"]
    expected = {
        "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
        "NoNewPrivileges": "yes", "CapabilityBoundingSet": "", "DevicePolicy": "closed",
        "SupplementaryGroups": "dialout", "ReadWritePaths": "/var/lib/meshaid",
        "MemoryDenyWriteExecute": "yes", "LockPersonality": "yes", "RestrictRealtime": "yes",
        "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
        "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes", "ProtectClock": "yes",
        "ProtectHostname": "yes", "RestrictNamespaces": "yes", "UMask": "0077",
        "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
    }
    assert {key: service.get(key, [None])[-1] for key in expected} == expected
    assert sorted(service["DeviceAllow"]) == ["char-ttyACM rw", "char-ttyUSB rw"]
    assert "@system-service" in service["SystemCallFilter"]
    assert "PrivateDevices" not in service  # it would hide the radio's port
    assert "PrivateUsers" not in service  # it would unmap the dialout group


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_rates_the_unit_ok() -> None:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(UNIT)],
        capture_output=True, text=True, timeout=60,
    )
    if "--offline" in done.stderr:  # an older systemd
        pytest.skip(done.stderr.strip().splitlines()[0])
    found = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", done.stdout)
    assert found is not None, done.stdout + done.stderr
    assert float(found.group(1)) <= 3.0 and found.group(2) == "OK"


def rule_ids() -> set[tuple[str, str]]:
    """(vendor, product) of each rule line; product "*" when any product of the vendor."""
    ids = set()
    for line in RULES.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        vendor = re.search(r'ATTRS\{idVendor\}=="([0-9a-f]{4})"', line)
        product = re.search(r'ATTRS\{idProduct\}=="([0-9a-f]{4})"', line)
        assert vendor is not None, line
        assert 'SYMLINK+="meshtastic"' in line and 'GROUP="dialout"' in line, line
        assert 'MODE="0660"' in line and 'ENV{ID_MM_DEVICE_IGNORE}="1"' in line, line
        ids.add((vendor.group(1), product.group(1) if product else "*"))
    return ids


def test_the_udev_rule_knows_the_usb_serial_chips_of_lora_boards() -> None:
    ids = rule_ids()
    for chip in [("10c4", "ea60"), ("1a86", "7523"), ("1a86", "55d4"), ("0403", "6001"),
                 ("303a", "1001"), ("239a", "*"), ("2886", "*")]:
        assert chip in ids, chip


def test_every_chip_the_meshtastic_library_lists_has_a_rule() -> None:
    from meshtastic import supported_device

    ids = rule_ids()
    for device in supported_device.supported_devices:
        vendor = device.usb_vendor_id_in_hex
        product = device.usb_product_id_in_hex
        if vendor is None:
            continue
        assert (vendor, product) in ids or (vendor, "*") in ids, (device.name, vendor, product)

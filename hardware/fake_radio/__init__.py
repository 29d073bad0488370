"""A fake Meshtastic device for tests and demos, speaking the real stream protocol.

The unmodified ``meshtastic`` library connects to it as to a radio: ``SerialInterface``
on a pseudo-terminal (``PtyPort``), ``TCPInterface`` on a loopback port (``TcpPort``).
``FakeDevice`` holds the firmware state and answers; an ``Air`` (``LocalAir``, or a mesh
simulator) carries frames between devices.

    air = LocalAir()
    with TcpPort(FakeDevice(0x1001, air=air)) as a, PtyPort(FakeDevice(0x1002, air=air)) as b:
        ...  # TCPInterface("127.0.0.1", portNumber=a.port), SerialInterface(devPath=b.path)
"""

from meshaid.hardware.fake_radio.air import Air, AirFrame, LocalAir, Receiver
from meshaid.hardware.fake_radio.device import ClientLink, DeviceCounters, FakeDevice
from meshaid.hardware.fake_radio.pty_port import PtyPort
from meshaid.hardware.fake_radio.tcp_port import TcpPort

__all__ = [
    "Air",
    "AirFrame",
    "ClientLink",
    "DeviceCounters",
    "FakeDevice",
    "LocalAir",
    "PtyPort",
    "Receiver",
    "TcpPort",
]

"""Where the radio is: a serial port or a TCP address, as a user writes it, and the search
for the one USB serial port a radio can be on when none is given.

No ``meshtastic`` import here: the CLI reads radio addresses before it knows whether it
will talk to a radio at all.
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from meshaid.hardware.meshtastic_radio.firmware import DEFAULT_TCP_PORT
from meshaid.hardware.radio import RadioAddressError

SERIAL_PATTERNS = ("/dev/ttyUSB*", "/dev/ttyACM*")


@dataclass(frozen=True)
class SerialTarget:
    """A radio on a serial port; ``path`` None: find the one USB serial port there is."""

    path: str | None = None

    def __str__(self) -> str:
        return self.path or "the USB serial port"


@dataclass(frozen=True)
class TcpTarget:
    """A radio (or meshtasticd) serving the stream API over TCP."""

    host: str
    port: int = DEFAULT_TCP_PORT

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


Target = SerialTarget | TcpTarget


class NoRadioPortError(RadioAddressError):
    """No serial port a radio could be on, yet: it may be plugged in later."""


def parse_target(text: str | None) -> Target:
    """A radio address as a user writes it; RadioAddressError when it cannot be one.

    Empty or "auto": the only USB serial port. Anything with a "/" (``/dev/ttyUSB0``,
    ``./link``): a serial device. Otherwise ``host``, ``host:port``, ``[v6addr]:port`` or
    ``tcp://`` followed by one of those.
    """
    text = (text or "").strip()
    if text in ("", "auto"):
        return SerialTarget(None)
    if text.startswith("tcp://"):
        text = text[len("tcp://") :].rstrip("/")
    elif "/" in text:
        return SerialTarget(text)
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise RadioAddressError(f"cannot read {text!r} as [address]:port")
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    if not host:
        raise RadioAddressError(f"no host in radio address {text!r}")
    if not port_text:
        return TcpTarget(host)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise RadioAddressError(f"port in radio address {text!r} must be 1..65535")
    return TcpTarget(host, int(port_text))


def find_serial_port(
    patterns: Iterable[str] = SERIAL_PATTERNS, glob_fn: Callable[[str], list[str]] = glob.glob,
) -> str:
    """The one serial port a radio can be on; NoRadioPortError when there is none,
    RadioAddressError when there are several."""
    patterns = tuple(patterns)
    found = sorted({path for pattern in patterns for path in glob_fn(pattern)})
    if len(found) == 1:
        return found[0]
    looked = ", ".join(patterns)
    if not found:
        raise NoRadioPortError(
            f"no radio found: nothing matches {looked}; plug the radio in, "
            "or give its device path or host:port"
        )
    raise RadioAddressError(
        f"several serial ports could be the radio ({', '.join(found)}); give the one to use"
    )

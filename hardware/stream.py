"""The byte framing of Meshtastic's serial and TCP API, as a sans-I/O decoder.

Every protobuf on the link (``ToRadio`` towards the radio, ``FromRadio`` back) travels as
``0x94 0xC3 <length high> <length low>`` followed by that many bytes. Bytes outside a frame
are not an error: the firmware prints its debug log as plain text on the same serial line,
and the Python library wakes a sleeping device with 32 bytes of 0xC3. A length over 512
cannot be a real frame (``MAX_TO_FROM_RADIO_SIZE`` in the firmware and the library), so
the decoder treats the header as noise and looks for the next start byte.

The fake radio uses this module on its side of the link; the real adapter goes through the
``meshtastic`` library, which has its own reader.
"""

from __future__ import annotations

from dataclasses import dataclass

START1 = 0x94
START2 = 0xC3
HEADER_LEN = 4
MAX_PAYLOAD = 512
# What meshtastic.stream_interface writes before anything else, to wake the device and
# to push a half-read frame in the firmware's parser past its end.
WAKE_BYTES = bytes([START2]) * 32


def encode_frame(payload: bytes) -> bytes:
    """One frame around ``payload``; ValueError when it is longer than a frame may be."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"a stream frame holds at most {MAX_PAYLOAD} bytes, not {len(payload)}")
    return bytes((START1, START2, len(payload) >> 8, len(payload) & 0xFF)) + payload


@dataclass(frozen=True)
class Frame:
    """A complete frame's payload (a serialized ToRadio or FromRadio)."""

    payload: bytes


@dataclass(frozen=True)
class Stray:
    """Bytes that were outside any frame: debug text, wake-up bytes or line noise."""

    data: bytes


class StreamDecoder:
    """Bytes in (any split), frames and stray bytes out, in the order they came."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.frames = 0
        self.stray_bytes = 0
        self.resyncs = 0  # headers dropped because their length was over MAX_PAYLOAD

    def feed(self, data: bytes) -> list[Frame | Stray]:
        self._buf += data
        out: list[Frame | Stray] = []
        stray = bytearray()
        buf = self._buf
        i = 0
        while i < len(buf):
            if buf[i] != START1:
                stray.append(buf[i])
                i += 1
                continue
            if i + 1 >= len(buf):
                break  # a lone start byte at the end: wait for more
            if buf[i + 1] != START2:
                # Not a header after all. Look again from the next byte, which may itself
                # be a START1 (the library would drop it; rescanning loses nothing).
                stray.append(buf[i])
                i += 1
                continue
            if i + HEADER_LEN > len(buf):
                break
            length = (buf[i + 2] << 8) | buf[i + 3]
            if length > MAX_PAYLOAD:
                self.resyncs += 1
                stray.append(buf[i])
                i += 1
                continue
            if i + HEADER_LEN + length > len(buf):
                break
            if stray:
                out.append(Stray(bytes(stray)))
                stray.clear()
            out.append(Frame(bytes(buf[i + HEADER_LEN : i + HEADER_LEN + length])))
            self.frames += 1
            i += HEADER_LEN + length
        if stray:
            out.append(Stray(bytes(stray)))
        self.stray_bytes += sum(len(item.data) for item in out if isinstance(item, Stray))
        del buf[:i]
        return out

    @property
    def pending(self) -> int:
        """Bytes held back as the start of a frame that has not fully arrived."""
        return len(self._buf)

"""Short-text packing for board records.

The first byte of a packed text says how the rest is coded:
  0  raw UTF-8
Other methods are added here; ``unpack`` rejects a method it does not know.
"""

from .errors import DecodeError

RAW = 0


def pack(text: str) -> bytes:
    if not text:
        return b""
    return bytes([RAW]) + text.encode("utf-8")


def unpack(data: bytes) -> str:
    if not data:
        return ""
    method, rest = data[0], data[1:]
    if method == RAW:
        try:
            return rest.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError("text is not valid UTF-8") from exc
    raise DecodeError(f"unknown text packing method {method}")

"""Decoded records and signature checks, kept so that bytes heard again cost nothing.

Both results depend only on the bytes (and the key), never on the node, so the nodes of
one simulated mesh may share one cache: each record is then decoded and verified once
for the whole mesh instead of once per node. Bounded, least recently used out first.
"""

from __future__ import annotations

from collections import OrderedDict

from meshaid.protocol.errors import DecodeError, SignatureError, UsageError
from meshaid.protocol.record import SignedRecord, decode


class VerifyCache:
    def __init__(self, max_entries: int = 4096) -> None:
        if max_entries < 1:
            raise UsageError("a verify cache holds at least one entry")
        self.max_entries = max_entries
        self.decodes = 0  # records actually decoded (cache misses)
        self.checks = 0  # signatures actually verified (cache misses)
        self._decoded: OrderedDict[bytes, SignedRecord | None] = OrderedDict()
        self._verified: OrderedDict[tuple[bytes, bytes], bool] = OrderedDict()

    def decode(self, raw: bytes) -> SignedRecord:
        """``record.decode``, remembered; raises DecodeError like it."""
        if raw in self._decoded:
            self._decoded.move_to_end(raw)
            rec = self._decoded[raw]
        else:
            self.decodes += 1
            try:
                rec = decode(raw)
            except DecodeError:
                rec = None
            self._decoded[raw] = rec
            if len(self._decoded) > self.max_entries:
                self._decoded.popitem(last=False)
        if rec is None:
            raise DecodeError("not a valid record")
        return rec

    def verify(self, record: SignedRecord, public_key: bytes) -> bool:
        """True when ``public_key`` signed ``record`` and owns its origin."""
        key = (record.raw, public_key)
        result = self._verified.get(key)
        if result is not None:
            self._verified.move_to_end(key)
            return result
        self.checks += 1
        try:
            record.verify(public_key)
            result = True
        except SignatureError:
            result = False
        self._verified[key] = result
        if len(self._verified) > self.max_entries:
            self._verified.popitem(last=False)
        return result

"""Short-text packing for board records.

The first byte of a packed text says how the rest is coded:
  0  raw UTF-8
  1  static order-4 PPM byte model + exact arithmetic code (below)
Other methods are added with new numbers; ``unpack`` rejects a method it does not know.
The empty text packs to no bytes at all.

Method 1. Posts are short (median ~70 bytes), too short for an adaptive compressor to
learn anything, so the model is static: byte counts in contexts of up to 4 previous
bytes, taken from a seed text of everyday neighbourhood posts in English and Spanish
(with a few lines of Vietnamese, Haitian Creole and Arabic)
(data/textpack_seed.txt, pinned by its SHA-256 below; changing it would change what
every packed text means). A symbol is coded in the longest context that has been seen,
escaping to shorter ones (PPM method C escapes, with exclusion of the symbols already
ruled out), down to a flat distribution over all 256 bytes and the end symbol.

Measured, as packed size over UTF-8 size, on the shared dev corpus (240 posts) and on the
held-out test corpus (120 posts), with the final seed:
  zlib raw deflate with the seed as zdict      0.56 / 0.53
  this model, contexts of up to 3 bytes        0.42 / 0.39
  this model, contexts of up to 4 bytes        0.40 / 0.37
  contexts of up to 5 bytes                    0.40 / 0.37, but the build is 40 % slower
  escape weight 0.5x, 1.5x or 2x of method C   worse on both
The model is built on first use, not at import: a command that only reads the board
never packs a text. Building it then counts the seed (about 0.05 s); each context's
coding table is made the first time a text needs it. Packing and unpacking all 240 dev
posts takes about 0.25 s (one CPU of a small VM).

The arithmetic code is exact: the interval is kept as Python integers over the product
of all the totals used, so there is no rounding loss and no renormalisation to get
wrong; at ~200 symbols the integers stay a few thousand bits long. The output is the
shortest byte string whose value, read as a fraction, lies inside the final interval,
and ``unpack`` accepts a method-1 payload only in exactly that form. There is no
checksum: nearly every byte string decodes to some text, so a cut or altered payload may
unpack to other text. Packed texts travel inside signed records, whose signature is
what catches that.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections import Counter
from itertools import accumulate
from typing import Any, NamedTuple

from meshaid.protocol.errors import DecodeError, UsageError

RAW = 0
PPM = 1
# The same limit as record.MAX_TEXT_BYTES (record imports this module, not the reverse).
MAX_TEXT_BYTES = 200

_ORDER = 4
_ORDERS = tuple(range(_ORDER, -1, -1))  # longest context first
_END = 256
_ALPHABET = 257
# Contexts before the first byte of a text are padded with newlines, as seed lines are.
_PAD = b"\n" * _ORDER
_SEED_FILE = "textpack_seed.txt"
_SEED_SHA256 = "483b5f88b77b21d086f5a9bffcbe6d57a8d9dd046cd597c828bf3a558407f7e6"


class _Context(NamedTuple):
    """What the seed says follows one context: symbols in byte order, with counts."""

    symbols: tuple[int, ...]
    counts: tuple[int, ...]
    starts: tuple[int, ...]  # running sums: starts[i] counts the symbols before i
    escape: int
    total: int  # sum of counts + escape


class _Contexts(dict[bytes, _Context | None]):
    """One order's contexts, each built from the seed's counts the first time it is
    looked up. Looking up a context the seed never saw gives None (and keeps nothing, so
    that texts from the air cannot grow the model).

    ``grams`` are the seed's (context + next byte) strings of this order, sorted, so the
    symbols that follow one context are a contiguous run of them.
    """

    def __init__(self, grams: dict[bytes, int]) -> None:
        super().__init__()
        self._grams = sorted(grams)
        self._counts = [grams[gram] for gram in self._grams]
        self._seen = frozenset(gram[:-1] for gram in self._grams)

    def __missing__(self, ctx: bytes) -> _Context | None:
        if ctx not in self._seen:
            return None
        at = bisect_left(self._grams, ctx)
        n = len(ctx)
        following: dict[int, int] = {}
        while at < len(self._grams) and self._grams[at][:n] == ctx:
            following[self._grams[at][n] or _END] = self._counts[at]
            at += 1
        built = self[ctx] = _context(following)
        return built

    def built(self) -> dict[bytes, _Context]:
        """Every context of this order, built (for checks of the whole model)."""
        out: dict[bytes, _Context] = {}
        for ctx in sorted(self._seen):
            built = self[ctx]
            assert built is not None
            out[ctx] = built
        return out


_Model = tuple[_Contexts, ...]


def _seed_lines() -> list[bytes]:
    # pkgutil reads it through the package's loader, as importlib.resources would, without
    # importing tempfile, shutil and the rest into every command that posts.
    import pkgutil

    data = pkgutil.get_data(__name__.rpartition(".")[0], f"data/{_SEED_FILE}") or b""
    if hashlib.sha256(data).hexdigest() != _SEED_SHA256:
        # A different seed would silently change the meaning of every packed text.
        raise RuntimeError(f"{_SEED_FILE} is not the pinned seed text of textpack method 1")
    return [line for line in data.split(b"\n") if line]


def _count_grams(lines: list[bytes]) -> list[dict[bytes, int]]:
    """Count every (context, next byte) pair of the seed for contexts of 0.._ORDER bytes;
    item ``k`` holds the grams of order ``k``."""
    # NUL stands for the end symbol while counting (the seed has no NUL in it).
    padded = [_PAD + line + b"\0" for line in lines]
    longest = Counter(
        text[end - _ORDER : end + 1] for text in padded for end in range(_ORDER, len(text))
    )
    # Each shorter order's counts are the longer one's summed over the first byte
    # (cheaper than counting the seed again).
    levels: list[dict[bytes, int]] = [dict(longest)]
    for _ in range(_ORDER):
        shorter: dict[bytes, int] = {}
        for gram, count in levels[-1].items():
            tail = gram[1:]
            shorter[tail] = shorter.get(tail, 0) + count
        levels.append(shorter)
    levels.reverse()
    return levels


def _build_model(lines: list[bytes]) -> _Model:
    """The model of the seed ``lines``, its contexts built as they are looked up."""
    return tuple(_Contexts(grams) for grams in _count_grams(lines))


def _context(seen: dict[int, int]) -> _Context:
    symbols = tuple(sorted(seen))
    counts = tuple(map(seen.__getitem__, symbols))
    starts = tuple(accumulate(counts, initial=0))
    escape = len(symbols)  # PPM method C: one escape per distinct symbol seen
    return _Context(symbols, counts, starts, escape, starts[-1] + escape)


_built: _Model | None = None


def _model() -> _Model:
    """The model of the pinned seed, built on first use."""
    global _built
    if _built is None:
        _built = _build_model(_seed_lines())
    return _built


def __getattr__(name: str) -> Any:
    # ``_MODEL``: the whole model, every context built, for checks of its shape.
    if name == "_MODEL":
        return tuple(contexts.built() for contexts in _model())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Encoder:
    """Narrows [low, low + width) / scale, all exact integers."""

    def __init__(self) -> None:
        self.low = 0
        self.width = 1
        self.scale = 1

    def narrow(self, start: int, size: int, total: int) -> None:
        self.low = self.low * total + start * self.width
        self.width *= size
        self.scale *= total

    def finish(self) -> bytes:
        """The shortest byte string whose value v / 256**n lies in the interval."""
        # If n bytes can do it, so can n + 1 (append a zero byte): search for the least n.
        low, high = 0, max(1, (self.scale.bit_length() - self.width.bit_length()) // 8 + 2)
        while self._value(high) is None:
            low, high = high, 2 * high
        while low < high:
            middle = (low + high) // 2
            if self._value(middle) is None:
                low = middle + 1
            else:
                high = middle
        value = self._value(high)
        assert value is not None
        return value.to_bytes(high, "big")

    def _value(self, n: int) -> int | None:
        """The least n-byte value inside the interval, if there is one."""
        grid = 1 << (8 * n)
        value = -(-self.low * grid // self.scale)  # ceiling
        return value if value * self.scale < (self.low + self.width) * grid else None


class _Decoder:
    """Follows the encoder's narrowing; keeps (value - low) and width scaled to integers.

    An encoder is narrowed alongside, so that at the end the decoder can tell whether
    the payload is exactly what encoding the decoded text gives (see ``canonical``).
    """

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.offset = int.from_bytes(payload, "big")
        self.width = 1 << (8 * len(payload))
        self.mirror = _Encoder()

    def target(self, total: int) -> int:
        return self.offset * total // self.width

    def narrow(self, start: int, size: int, total: int) -> None:
        self.offset = self.offset * total - start * self.width
        self.width *= size
        self.mirror.narrow(start, size, total)

    def canonical(self) -> bool:
        return self.mirror.finish() == self.payload


# A longer context's symbols are always a subset of its suffix's (every occurrence of the
# longer one is one of the shorter), so after an escape the excluded symbols are exactly
# those of the context escaped from, and all of them are in the next context. Contexts
# never seen in the seed are skipped at no cost.


def _live(ctx: _Context, excluded: tuple[int, ...]) -> tuple[list[int], int]:
    """Positions in ``ctx`` of the excluded symbols, and the total of what is left."""
    gone = [ctx.symbols.index(symbol) for symbol in excluded]
    return gone, ctx.total - sum(ctx.counts[i] for i in gone)


def _encode_symbol(model: _Model, coder: _Encoder, history: bytes, symbol: int) -> None:
    """Code ``symbol`` after ``history`` (the previous _ORDER bytes)."""
    excluded: tuple[int, ...] = ()
    for order in _ORDERS:
        ctx = model[order][history[_ORDER - order :]]
        if ctx is None:
            continue
        symbols, counts, starts, escape, total = ctx
        gone: list[int] = []
        if excluded:
            gone, total = _live(ctx, excluded)
            if total == escape:
                continue  # every symbol seen here was already ruled out: nothing to code
        if symbol in symbols:
            at = symbols.index(symbol)
            start = starts[at] - sum(counts[i] for i in gone if i < at)
            coder.narrow(start, counts[at], total)
            return
        coder.narrow(total - escape, escape, total)
        excluded = symbols
    # Order -1: every symbol not yet excluded is equally likely.
    start = symbol - sum(1 for seen in excluded if seen < symbol)
    coder.narrow(start, 1, _ALPHABET - len(excluded))


def _decode_symbol(model: _Model, coder: _Decoder, history: bytes) -> int:
    """The inverse of _encode_symbol: the same steps, choosing by the coder's target."""
    excluded: tuple[int, ...] = ()
    for order in _ORDERS:
        ctx = model[order][history[_ORDER - order :]]
        if ctx is None:
            continue
        symbols, counts, starts, escape, total = ctx
        gone: list[int] = []
        if excluded:
            gone, total = _live(ctx, excluded)
            if total == escape:
                continue
        target = coder.target(total)
        if target < total - escape:
            at = _symbol_at(ctx, gone, target)
            start = starts[at] - sum(counts[i] for i in gone if i < at)
            coder.narrow(start, counts[at], total)
            return symbols[at]
        coder.narrow(total - escape, escape, total)
        excluded = symbols
    remaining = [symbol for symbol in range(_ALPHABET) if symbol not in excluded]
    index = coder.target(len(remaining))
    coder.narrow(index, 1, len(remaining))
    return remaining[index]


def _symbol_at(ctx: _Context, gone: list[int], target: int) -> int:
    """The position of the symbol whose slice of the live counts holds ``target``."""
    if not gone:
        return bisect_right(ctx.starts, target) - 1
    skip = set(gone)
    start = 0
    for at, count in enumerate(ctx.counts):
        if at in skip:
            continue
        if target < start + count:
            return at
        start += count
    raise AssertionError("target beyond the live counts")  # excluded by the caller


def _ppm_encode(raw: bytes) -> bytes:
    model = _model()
    coder = _Encoder()
    history = _PAD + raw
    for i, symbol in enumerate(raw):
        _encode_symbol(model, coder, history[i : _ORDER + i], symbol)
    _encode_symbol(model, coder, history[-_ORDER:], _END)
    return coder.finish()


def _ppm_decode(payload: bytes) -> bytes:
    model = _model()
    coder = _Decoder(payload)
    history = bytearray(_PAD)
    while True:
        symbol = _decode_symbol(model, coder, bytes(history[-_ORDER:]))
        if symbol == _END:
            break
        if len(history) - _ORDER >= MAX_TEXT_BYTES:
            raise DecodeError(f"packed text decodes to more than {MAX_TEXT_BYTES} bytes")
        history.append(symbol)
    # One text, one packing: trailing or altered bytes that happen to decode are refused.
    if not coder.canonical():
        raise DecodeError("packed text is not in canonical form")
    return bytes(history[_ORDER:])


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UsageError("text is not valid Unicode (it holds a lone surrogate)") from exc


def pack(text: str) -> bytes:
    """``text`` in as few bytes as this module can manage; deterministic.

    Raises UsageError for text over MAX_TEXT_BYTES of UTF-8 or that is not valid Unicode.
    """
    if not text:
        return b""
    raw = _utf8(text)
    if len(raw) > MAX_TEXT_BYTES:
        raise UsageError(f"text is {len(raw)} bytes, over the limit of {MAX_TEXT_BYTES}")
    packed = _ppm_encode(raw)
    if len(packed) < len(raw):
        return bytes([PPM]) + packed
    return bytes([RAW]) + raw


def unpack(data: bytes) -> str:
    """The text that ``pack`` made ``data`` from. Raises DecodeError for anything else."""
    if not data:
        return ""
    if len(data) > MAX_TEXT_BYTES + 1:
        raise DecodeError(f"packed text of {len(data)} bytes is longer than any text allowed")
    method, rest = data[0], bytes(data[1:])
    if method == RAW:
        raw = rest
    elif method == PPM:
        raw = _ppm_decode(rest)
        # pack uses method 1 only for a text that it makes shorter, never for the empty one.
        if not 0 < len(rest) < len(raw):
            raise DecodeError("packed text is not in canonical form")
    else:
        raise DecodeError(f"unknown text packing method {method}")
    if len(raw) > MAX_TEXT_BYTES:
        raise DecodeError(f"text is {len(raw)} bytes, over the limit of {MAX_TEXT_BYTES}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError("text is not valid UTF-8") from exc

"""How big are board records on air? The logic behind ``meshaid bench encode``.

Posts are read from a JSON-lines file (one post a line, as in the shared corpus), signed
as creating records with a throwaway key, and measured next to a JSON and a msgpack
encoding of the same content, as a typical app would send it.
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgpack
from nacl.signing import SigningKey

from meshaid.node.bench.jsonl_file import BenchInputError, json_object, read_numbered
from meshaid.protocol import record, timebase
from meshaid.protocol.errors import UsageError
from meshaid.protocol.record import Category, Kind, RecordBody, SignedRecord, Urgency

# What one Meshtastic frame carries for an application: the 255-byte LoRa maximum less
# Meshtastic's header and data wrapper (meshaid.protocol.airtime.MAX_APP_PAYLOAD).
FRAME_BYTES = 231
GOAL_MEDIAN = 130
GOAL_P95 = 200
# A neighbourhood's configuration numbers its communities and zones; past this many, a
# zone goes on air by name (zone_id 0 + zone_name).
TABLE_LIMIT = 1000
# Fixed so that every run signs the same bytes (Ed25519 signatures are deterministic).
BENCH_KEY_SEED = hashlib.sha256(b"meshaid bench encode").digest()
# Every record says it was created at this minute: 2026-11-01T00:00Z.
BENCH_CREATED = timebase.to_minutes(datetime(2026, 11, 1, tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class Post:
    """One line of the posts file, checked."""

    line: int
    kind: Kind
    category: Category
    community: str
    zone: str
    text: str
    urgency: Urgency | None
    when: int | None


@dataclass(frozen=True)
class SizeStats:
    """Sizes of one encoding over all records. p95 is nearest-rank on the sorted sizes."""

    median: float
    p95: int
    max: int
    fit_one_frame: int
    fit_one_frame_pct: float


@dataclass(frozen=True)
class BenchResult:
    records: int
    signed: SizeStats
    json: SizeStats
    msgpack: SizeStats

    @property
    def median_ok(self) -> bool:
        return self.signed.median <= GOAL_MEDIAN

    @property
    def p95_ok(self) -> bool:
        return self.signed.p95 <= GOAL_P95

    @property
    def goal_met(self) -> bool:
        return self.median_ok and self.p95_ok


def _enum_field(raw: dict[str, Any], name: str, enum: type[Any], line: int) -> Any:
    value = raw.get(name)
    if not isinstance(value, str) or value.upper() not in enum.__members__:
        choices = ", ".join(m.lower() for m in enum.__members__)
        raise BenchInputError(f"line {line}: unknown {name} {value!r} (one of: {choices})")
    return enum[value.upper()]


def _str_field(raw: dict[str, Any], name: str, line: int) -> str:
    value = raw.get(name)
    if not isinstance(value, str):
        raise BenchInputError(f"line {line}: missing or non-text field {name!r}")
    return value


def _when_minutes(value: Any, line: int) -> int | None:
    """Local ISO time of a trade to on-air minutes, read as UTC (no zone in the corpus)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise BenchInputError(f"line {line}: 'when' is not an ISO time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return timebase.to_minutes(moment.timestamp())


def parse_post(text_line: str, line: int) -> Post:
    """One JSON line to a Post; BenchInputError names the line when it is not one."""
    raw = json_object(text_line, line)
    urgency = None
    if raw.get("urgency") is not None:
        urgency = _enum_field(raw, "urgency", Urgency, line)
    return Post(
        line=line,
        kind=_enum_field(raw, "kind", Kind, line),
        category=_enum_field(raw, "category", Category, line),
        community=_str_field(raw, "community", line),
        zone=_str_field(raw, "zone", line),
        text=_str_field(raw, "text", line),
        urgency=urgency,
        when=_when_minutes(raw.get("when"), line),
    )


def read_posts(path: Path) -> list[Post]:
    return read_numbered(path, parse_post, "posts")


@dataclass(frozen=True)
class Tables:
    """Community and zone numbers, 1.. in order of first appearance, as a config holds them."""

    communities: dict[str, int]
    zones: dict[tuple[str, str], int]


def build_tables(posts: Sequence[Post]) -> Tables:
    communities: dict[str, int] = {}
    zones: dict[tuple[str, str], int] = {}
    for post in posts:
        if post.community not in communities:
            if len(communities) >= TABLE_LIMIT:
                raise BenchInputError(f"line {post.line}: more than {TABLE_LIMIT} communities")
            communities[post.community] = len(communities) + 1
        key = (post.community, post.zone)
        if key not in zones and len(zones) < TABLE_LIMIT:
            zones[key] = len(zones) + 1
    return Tables(communities, zones)


def bench_key() -> SigningKey:
    return SigningKey(BENCH_KEY_SEED)


def to_body(post: Post, seq: int, origin: int, tables: Tables) -> RecordBody:
    zone_id = tables.zones.get((post.community, post.zone), 0)
    return RecordBody(
        origin=origin,
        seq=seq,
        kind=post.kind,
        category=post.category,
        community=tables.communities[post.community],
        zone_id=zone_id,
        zone_name="" if zone_id else post.zone,
        text=post.text,
        created=BENCH_CREATED,
        urgency=post.urgency or Urgency.NORMAL,
        when=post.when or 0,
    )


def app_fields(post: Post, signed: SignedRecord) -> dict[str, Any]:
    """The record's content with the field names a typical app would use; sig left out."""
    body = signed.body
    fields: dict[str, Any] = {
        "origin": body.origin,
        "seq": body.seq,
        "kind": body.kind.name.lower(),
        "category": body.category.name.lower(),
        "community": body.community,
        "zone": body.zone_id or body.zone_name,
        "text": body.text,
    }
    if post.urgency is not None:
        fields["urgency"] = post.urgency.name.lower()
    if post.when is not None:
        fields["when"] = post.when
    fields["created"] = body.created
    return fields


def json_bytes(post: Post, signed: SignedRecord) -> bytes:
    fields = app_fields(post, signed) | {"sig": signed.signature.hex()}
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def msgpack_bytes(post: Post, signed: SignedRecord) -> bytes:
    fields = app_fields(post, signed) | {"sig": signed.signature}
    packed: bytes = msgpack.packb(fields, use_bin_type=True)
    return packed


def sign_posts(posts: Sequence[Post]) -> list[SignedRecord]:
    key = bench_key()
    origin = record.origin_id(bytes(key.verify_key))
    tables = build_tables(posts)
    signed = []
    for seq, post in enumerate(posts, 1):
        try:
            signed.append(record.sign(to_body(post, seq, origin, tables), key))
        except UsageError as exc:
            raise BenchInputError(f"line {post.line}: {exc}") from None
    return signed


def nearest_rank(sorted_sizes: Sequence[int], pct: float) -> int:
    """The nearest-rank percentile: the smallest size with at least pct % of sizes at or below."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_sizes)))
    return sorted_sizes[rank - 1]


def size_stats(sizes: Sequence[int]) -> SizeStats:
    ordered = sorted(sizes)
    fit = sum(1 for size in ordered if size <= FRAME_BYTES)
    return SizeStats(
        median=statistics.median(ordered),
        p95=nearest_rank(ordered, 95),
        max=ordered[-1],
        fit_one_frame=fit,
        fit_one_frame_pct=round(100 * fit / len(ordered), 1),
    )


def bench_posts(posts: Sequence[Post]) -> BenchResult:
    if not posts:
        raise BenchInputError("no posts to measure")
    signed = sign_posts(posts)
    return BenchResult(
        records=len(signed),
        signed=size_stats([len(s.raw) for s in signed]),
        json=size_stats([len(json_bytes(p, s)) for p, s in zip(posts, signed, strict=True)]),
        msgpack=size_stats([len(msgpack_bytes(p, s)) for p, s in zip(posts, signed, strict=True)]),
    )


def bench_file(path: Path) -> BenchResult:
    return bench_posts(read_posts(path))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def stats_dict(stats: SizeStats) -> dict[str, int | float]:
    return {
        "median": _number(stats.median),
        "p95": stats.p95,
        "max": stats.max,
        "fit_one_frame": stats.fit_one_frame,
        "fit_one_frame_pct": stats.fit_one_frame_pct,
    }


def result_dict(result: BenchResult) -> dict[str, Any]:
    return {
        "records": result.records,
        "frame_bytes": FRAME_BYTES,
        "signed": stats_dict(result.signed),
        "json": stats_dict(result.json),
        "msgpack": stats_dict(result.msgpack),
        "goal": {"median": GOAL_MEDIAN, "p95": GOAL_P95},
        "goal_met": result.goal_met,
    }


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _row(name: str, stats: SizeStats) -> str:
    fit = f"{stats.fit_one_frame} ({stats.fit_one_frame_pct:.1f}%)"
    return f"{name:<9}{stats.median:>8g}{stats.p95:>6}{stats.max:>6}  {fit}"


def format_result(result: BenchResult) -> list[str]:
    """The report as lines of text: a size table in bytes, then the goal check."""
    return [
        f"records: {result.records}",
        f"{'bytes':<9}{'median':>8}{'p95':>6}{'max':>6}  fit one {FRAME_BYTES}-byte frame",
        _row("signed", result.signed),
        _row("json", result.json),
        _row("msgpack", result.msgpack),
        f"median ≤ {GOAL_MEDIAN}: {_yes(result.median_ok)}",
        f"p95 ≤ {GOAL_P95}: {_yes(result.p95_ok)}",
    ]

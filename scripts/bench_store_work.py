"""The work ``bench_store.py`` measures: the board it builds, and what runs in the
processes it starts (the tree measured in a child process, the yardsticks in bare ones).

Kept apart so that both files stay short; see bench_store.py for what the figures are.
"""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey

ROOT = Path(__file__).resolve().parents[1]
CORPORA = (ROOT.parent / "shared" / "corpus" / "dev.jsonl",
           ROOT / "tests" / "data" / "posts_heldout.jsonl")
PEERS = 24
ZONES = ("north block", "Elm & 5th", "school gate", "laundromat lot")
COMMUNITIES = ("Magnolia Flats", "Riverside")
DAY = 24 * 60


# -- the workload ---------------------------------------------------------------------------


def corpus_posts() -> list[dict[str, Any]]:
    posts = []
    for path in CORPORA:
        posts += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    return posts


class Workload:
    """Deterministic records of PEERS nodes: creations spread over 30 days before ``now``
    (minutes), and later edits and closes of some of them."""

    def __init__(self, now: int, seed: int = 1) -> None:
        from meshaid.protocol.record import origin_id

        self.now = now
        self.rng = random.Random(seed)
        self.keys = [SigningKey(bytes([200 + i]) * 32) for i in range(PEERS)]
        self.origins = [origin_id(bytes(k.verify_key)) for k in self.keys]
        self.seqs = [0] * PEERS
        self.made: list[tuple[int, int, Any]] = []  # (peer, seq, body) of creations
        self.posts = corpus_posts()

    def _next(self, peer: int) -> int:
        self.seqs[peer] += 1
        return self.seqs[peer]

    def create(self, age_days: float | None = None) -> Any:
        from meshaid.protocol.record import Category, Kind, RecordBody, Urgency

        rng = self.rng
        peer = rng.randrange(PEERS)
        post = rng.choice(self.posts)
        kind = rng.choices([Kind.OFFER, Kind.NEED, Kind.TRADE, Kind.ALERT], [45, 35, 10, 10])[0]
        age = rng.uniform(0, 30 * DAY) if age_days is None else age_days * DAY
        zone = rng.randrange(len(ZONES) + 1)
        body = RecordBody(
            origin=self.origins[peer], seq=self._next(peer), kind=kind,
            category=Category[post["category"].upper()], text=post["text"],
            created=int(self.now - age), community=rng.randrange(len(COMMUNITIES) + 1),
            zone_id=zone, zone_name="" if zone else post.get("zone", ""),
            urgency=rng.choice(list(Urgency)),
        )
        self.made.append((peer, body.seq, body))
        return body

    def change(self) -> Any:
        """A later edit or close of an earlier creation, by its owner."""
        import dataclasses

        from meshaid.protocol.record import Status

        peer, seq, body = self.rng.choice(self.made)
        status = self.rng.choice([Status.OPEN, Status.MATCHED, Status.FULFILLED,
                                  Status.WITHDRAWN, Status.FULFILLED])
        text = body.text if status != Status.OPEN else body.text + " (still needed)"
        return dataclasses.replace(body, seq=self._next(peer), entry_seq=seq, version=1,
                                   status=status, text=text[:180])

    def records(self, n: int, change_share: float = 0.15) -> list[Any]:
        """``n`` signed records, about ``change_share`` of them changes."""
        from meshaid.protocol.record import sign

        out = []
        for _ in range(n):
            body = self.change() if self.made and self.rng.random() < change_share else (
                self.create())
            out.append(sign(body, self.keys[self.origins.index(body.origin)]))
        return out


# -- building the board ---------------------------------------------------------------------


def build(home: Path, entries: int) -> dict[str, Any]:
    """A node home whose board has ``entries`` entries, through init_node and apply_all."""
    from meshaid.node.services import PostRequest, init_node, open_node

    init_node(home, name="bench node", timezone="America/Chicago", communities=COMMUNITIES,
              zones=ZONES, new_key=lambda: SigningKey(bytes([199]) * 32))
    started = time.perf_counter()
    signing = merging = 0.0
    with open_node(home) as node:
        work = Workload(node.store.now_minute())
        for key, origin in zip(work.keys, work.origins, strict=True):
            node.store.add_key(bytes(key.verify_key), f"peer {origin:08x}")
        made = 0
        while made < entries:
            t = time.perf_counter()
            batch = work.records(min(1000, int((entries - made) * 1.2) + 1))
            signing += time.perf_counter() - t
            t = time.perf_counter()
            node.store.apply_all(batch)
            merging += time.perf_counter() - t
            made = node.store.count(_filter("all"), work.now)
        for text in ("niños necesitan agua, calle 5", "need water jugs for 3 households"):
            node.post(PostRequest(kind="need", text=text, category="water"))
        records = sum(n for n, _top in _summary(node.store).values())
    db = sqlite3.connect(home / "board.sqlite3")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"db_bytes": (home / "board.sqlite3").stat().st_size, "entries": made + 2,
            "records": records, "build_seconds": time.perf_counter() - started,
            "sign_seconds": signing, "merge_seconds": merging,
            "peers": list(zip([bytes(k) for k in work.keys], work.origins, work.seqs,
                              strict=True))}


def _filter(status: str) -> Any:
    from meshaid.node.store.board import EntryFilter

    return EntryFilter(status=status)


def _summary(store: Any) -> dict[int, tuple[int, int]]:
    from meshaid.node.store.sync_state import store_summary

    return store_summary(store)


# -- what the yardstick processes do ---------------------------------------------------------

NEAR = ("SELECT code FROM entries WHERE code < ? ORDER BY code DESC LIMIT 1",
        "SELECT code FROM entries WHERE code > ? ORDER BY code LIMIT 1")


def sql_listing(db: Path, count: str | None, rows: str, codes: str = "near") -> str:
    """Python code for a bare process doing what a listing does in SQL, with the same
    statements: count the matches, read the rows, find the codes' neighbours (``near``) or
    read every code (``all``), and print it all."""
    return f"""import sqlite3
c = sqlite3.connect({str(db)!r})
if {count!r}:
    print(c.execute({count!r}).fetchone())
rows = c.execute({rows!r}).fetchall()
for row in rows:
    print(row)
if {codes!r} == "near":
    for row in rows:
        print([c.execute(q, (row[2],)).fetchone() for q in {NEAR!r}])
else:
    print(len(c.execute("SELECT code FROM entries ORDER BY code").fetchall()))
"""


def sql_post(db: Path) -> str:
    """A bare process doing a post's writes, on a scratch copy of the board: sign, then
    commit one record row and one entry row with the same durability."""
    return f"""
import sqlite3, hashlib
from nacl.signing import SigningKey
c = sqlite3.connect({str(db)!r}, isolation_level=None)
c.execute("PRAGMA journal_mode = WAL"); c.execute("PRAGMA synchronous = FULL")
c.execute("BEGIN IMMEDIATE")
o, n, m = c.execute("SELECT origin, next_seq, clock_minute FROM local_state").fetchone()
top = c.execute("SELECT max(seq) FROM records WHERE origin = ?", (o,)).fetchone()[0]
seq = max(n, (top or 0) + 1)
raw = b"\\x01" + SigningKey(bytes(32)).sign(b"need water" * 8).signature * 2
c.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?)",
          (o, seq, raw, hashlib.sha256(raw).digest(), o, seq, m, bytes(46)))
row = c.execute("SELECT * FROM entries LIMIT 1").fetchone()
c.execute(f"INSERT INTO entries VALUES ({{', '.join('?' * len(row))}})",
          (o, seq, "Z" * 13) + row[3:17] + (o, seq, o, seq) + row[21:])
c.execute("COMMIT")
"""


# -- merging, and the daemon's start-up (run in a child process of the tree measured) -------


def write_raws(path: Path, raws: list[bytes]) -> None:
    path.write_bytes(b"".join(len(r).to_bytes(2, "big") + r for r in raws))


def read_raws(path: Path) -> list[bytes]:
    data, out, at = path.read_bytes(), [], 0
    while at < len(data):
        n = int.from_bytes(data[at : at + 2], "big")
        out.append(data[at + 2 : at + 2 + n])
        at += 2 + n
    return out


MERGE_SPLIT = (10, 10_000, 300, 3_000)  # warm-up, batched, one per transaction, as bytes


def merge_parts(raws: list[bytes]) -> dict[str, list[bytes]]:
    """The merge records after the warm-up: batched, one a transaction, as bytes."""
    warm, batched, single, as_bytes = MERGE_SPLIT
    ends = (warm, warm + batched, warm + batched + single, warm + batched + single + as_bytes)
    return {"warm": raws[: ends[0]], "batched": raws[ends[0] : ends[1]],
            "single": raws[ends[1] : ends[2]], "bytes": raws[ends[2] : ends[3]]}


def child_merge(home: Path, records: Path, part: str) -> dict[str, Any]:
    """The rate of BoardStore.apply_all on the node at ``home`` for one part: records the
    sync engine decoded and verified, 1,000 to a transaction (``batched``) or one to a
    transaction (``single``); records as bytes, 1,000 at a time (``bytes``)."""
    from meshaid.node.services import open_node
    from meshaid.protocol.record import SignedRecord, decode

    parts = merge_parts(read_raws(records))
    with open_node(home) as node:
        store = node.store
        items: list[bytes | SignedRecord] = list(parts[part])
        if part != "bytes":
            items = [decode(raw) for raw in parts[part]]
            for rec in items:  # what the engine does before it hands records to the store
                assert isinstance(rec, SignedRecord)
                key = store.key_of(rec.body.origin)
                assert key is not None
                rec.verify(key)
        store.apply_all(parts["warm"])  # the first write makes the write engine
        step = 1 if part == "single" else 1000
        start = time.perf_counter()
        for at in range(0, len(items), step):
            results = store.apply_all(items[at : at + step])
            assert all(r.outcome == "new" for r in results), results[0]
        return {"rate": len(items) / (time.perf_counter() - start)}


def proc_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def child_load(home: Path) -> dict[str, Any]:
    """CPU of loading the node's store into a sync engine, as Daemon.start does."""
    from meshaid.node.services import open_node
    from meshaid.node.store import sync_state
    from meshaid.sync.config import SyncConfig
    from meshaid.sync.engine import SyncEngine

    # As Daemon.start does it (the collector off while loading, where the tree has that).
    bulk = getattr(sync_state, "bulk_load", contextlib.nullcontext)
    with open_node(home) as node:
        before = proc_rss()
        start = time.process_time()
        with bulk():
            state = sync_state.load_sync_state(node.store)
            loaded = time.process_time()
            engine = SyncEngine(node.store.key_of, random.Random(1), SyncConfig(), node_id=1)
            engine.load(state.records, known=state.known, first_seen=state.first_seen)
            done = time.process_time()
            n = len(state.records)
            del state
        return {"records": n, "store_cpu": loaded - start, "engine_cpu": done - loaded,
                "rss_held": proc_rss() - before}


def sqlite_merge(
    db: Path, raws: list[bytes], keys: dict[int, bytes], check: bool, per: int = 1000
) -> float:
    """The yardstick: plain sqlite3, same schema and durability, writing the rows the records
    make, ``per`` to a transaction (with meshaid's decode and signature check if ``check``)."""
    from nacl.signing import VerifyKey

    from meshaid.node.store.merging import ENTRY_COLUMNS, entry_row, record_row
    from meshaid.protocol.record import SIGN_DOMAIN, decode
    from meshaid.sync.merge import join

    recs = [decode(raw) for raw in raws]
    rows = [(record_row(r, 0), entry_row(join(None, r), 0) if not r.body.entry_seq else None)
            for r in recs]
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")
    entry_sql = f"INSERT INTO entries ({', '.join(map(repr, ENTRY_COLUMNS))}) VALUES " + (
        f"({', '.join('?' * len(ENTRY_COLUMNS))})")
    start = time.perf_counter()
    for at in range(0, len(raws), per):
        if check:
            for raw in raws[at : at + per]:
                rec = decode(raw)
                VerifyKey(keys[rec.body.origin]).verify(SIGN_DOMAIN + raw[:-64], raw[-64:])
        part = rows[at : at + per]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [rec for rec, _entry in part])
        conn.executemany(entry_sql, [entry for _rec, entry in part if entry is not None])
        conn.executemany(
            "UPDATE entries SET status = ?, status_origin = ?, status_seq = ? "
            "WHERE origin = ? AND seq = ?",
            [(rec[7], rec[0], rec[1], rec[4], rec[5]) for rec, entry in part if entry is None])
        conn.execute("COMMIT")
    rate = len(raws) / (time.perf_counter() - start)
    conn.close()
    return rate



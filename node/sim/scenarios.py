"""What a simulated neighbourhood does: the mesh, the board's history and its mishaps.

A Scenario says which mesh (topology, link loss), how long, which entries exist at the
start, how many are created, edited, withdrawn and raised as alerts each hour, and what
goes wrong (clocks off by years, nodes off or wiped, partitions). ``plan`` turns it into
the exact signed records each node creates and when, from the scenario's seed alone, so
that every protocol is measured on the same workload.

Times in a scenario are hours from the start of the run; records carry on-air minutes
read from the creating node's own wall clock, which a scenario may set years off.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey

from meshaid.hardware.sim import topology as topo
from meshaid.protocol import timebase
from meshaid.protocol.airtime import PRESETS
from meshaid.protocol.errors import UsageError
from meshaid.protocol.record import (
    MAX_TEXT_BYTES,
    Category,
    EntryId,
    Kind,
    RecordBody,
    SignedRecord,
    Status,
    Urgency,
    origin_id,
    sign,
)
from meshaid.sync.lifetime import expires_at

# Runs start at a fixed date so that results do not depend on the day they are made.
START_UNIX = 1_740_787_200  # 2025-03-01T00:00Z
HOUR = 3600.0
YEAR = 365 * 24 * HOUR
EXISTING_MAX_AGE = 48 * HOUR  # existing entries were made in the two days before the start
COMMUNITY = 1
ZONES = 12


@dataclass(frozen=True)
class Outage:
    """Node ``node`` is off from ``start`` to ``end`` (hours); ``wipe``: it comes back with
    an empty store and a new key, as after a reinstall."""

    node: int
    start: float
    end: float
    wipe: bool = False


@dataclass(frozen=True)
class Partition:
    """From ``start`` to ``end`` (hours) the mesh is cut in two halves; ``entries`` more
    entries are created meanwhile, on both sides."""

    start: float
    end: float
    entries: int = 0


@dataclass(frozen=True)
class Scenario:
    name: str
    nodes: int
    topology: str = "clique"
    loss: float = 0.2
    hours: float = 24.0
    settle_hours: float = 1.0  # quiet time after the last record, before counting
    seed: int = 1
    existing_entries: int = 0
    new_per_hour: float = 10.0
    edits_per_hour: float = 3.0
    withdrawals_per_hour: float = 1.0
    alerts_per_hour: float = 0.0
    clock_offsets: tuple[tuple[int, float], ...] = ()  # (node, seconds its wall clock is off)
    outages: tuple[Outage, ...] = ()
    partitions: tuple[Partition, ...] = ()
    duty_cycle: float = 0.10  # the region's limit, enforced by the simulated firmware
    budget_share: float = 0.05  # each protocol's own airtime budget
    preset: str = "LONG_FAST"
    hop_limit: int = 3  # the radios' default, used by naive flooding
    min_hops: int = 3  # random topology: hops across
    max_hops: int = 6
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.nodes < 2:
            raise UsageError("a scenario needs at least 2 nodes")
        if self.topology not in topo.TOPOLOGIES:
            raise UsageError(
                f"unknown topology {self.topology!r}; choose one of {', '.join(topo.TOPOLOGIES)}"
            )
        if not 0 <= self.loss < 1:
            raise UsageError(f"loss must be in [0, 1), not {self.loss}")
        if self.hours <= 0 or self.settle_hours < 0:
            raise UsageError("hours must be positive and settle_hours not negative")
        for name in ("existing_entries", "new_per_hour", "edits_per_hour",
                     "withdrawals_per_hour", "alerts_per_hour"):
            if getattr(self, name) < 0:
                raise UsageError(f"{name} cannot be negative")
        if self.preset.upper() not in PRESETS:
            raise UsageError(f"unknown preset {self.preset!r}")
        if not 0 < self.budget_share <= self.duty_cycle <= 1:
            raise UsageError("need 0 < budget_share <= duty_cycle <= 1")
        for node, _ in self.clock_offsets:
            self._check_node(node, "clock_offsets")
        for out in self.outages:
            self._check_node(out.node, "outages")
            if not 0 <= out.start < out.end <= self.hours:
                raise UsageError(f"outage of node {out.node} must lie within 0..{self.hours} h")
        for part in self.partitions:
            if not 0 <= part.start < part.end <= self.hours or part.entries < 0:
                raise UsageError(f"partition must lie within 0..{self.hours} h")

    def _check_node(self, node: int, what: str) -> None:
        if not 0 <= node < self.nodes:
            raise UsageError(f"{what}: no node {node} in a {self.nodes}-node scenario")

    @property
    def end(self) -> float:
        """Seconds simulated in all."""
        return (self.hours + self.settle_hours) * HOUR

    def clock_offset(self, node: int) -> float:
        return dict(self.clock_offsets).get(node, 0.0)


_S2 = Scenario(
    name="S2", nodes=50, topology="random", loss=0.2, hours=24, existing_entries=2000,
    new_per_hour=18, alerts_per_hour=2, edits_per_hour=4, withdrawals_per_hour=3,
    description="50 nodes, random geometric graph 3-6 hops across, 20 % loss, "
                "20 new entries an hour (2 of them alerts)",
)

SCENARIOS: dict[str, Scenario] = {
    "small": Scenario(
        name="small", nodes=6, topology="clique", loss=0.1, hours=1, settle_hours=0.5,
        existing_entries=40, new_per_hour=10, edits_per_hour=4, withdrawals_per_hour=3,
        alerts_per_hour=2, description="6-node clique, 10 % loss, 1 h: a quick check",
    ),
    "S1": Scenario(
        name="S1", nodes=20, topology="clique", loss=0.2, hours=24, existing_entries=2000,
        new_per_hour=10, edits_per_hour=3, withdrawals_per_hour=2,
        description="clique of 20, 2,000 entries, 10 new and 3 edits an hour (and 2 "
                    "withdrawals), 24 h",
    ),
    "S2": _S2,
    "S3": replace(
        _S2, name="S3", outages=(Outage(node=7, start=4, end=5, wipe=True),),
        description="S2 with node 7 wiped at hour 4 and back, empty, at hour 5",
    ),
    "S4": replace(
        _S2, name="S4",
        clock_offsets=((3, 5 * YEAR), (11, -float(START_UNIX))),
        partitions=(Partition(start=6, end=12, entries=500),),
        description="S2 with one clock 5 years ahead, one at 1970, and a 6-hour partition "
                    "with 500 entries made on both sides",
    ),
    "idle": Scenario(
        name="idle", nodes=20, topology="clique", loss=0.2, hours=6, settle_hours=0,
        existing_entries=2000, new_per_hour=0, edits_per_hour=0, withdrawals_per_hour=0,
        description="clique of 20 with 2,000 entries and nothing new: the idle cost",
    ),
}


def load_scenario(path: Path) -> Scenario:
    """A scenario from a TOML or JSON file: the Scenario fields at the top level, outages
    and partitions as lists of tables, clock_offsets as {node = seconds}."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not valid UTF-8 (byte {exc.start})") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path} is not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}") \
            from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the top level must be a table of scenario fields")
    return scenario_from_mapping(data, default_name=path.stem)


# What each field a scenario file may set holds, by the type named in its dataclass.
_FIELD_KINDS: dict[str, tuple[tuple[type, ...], str]] = {
    "int": ((int,), "a whole number"),
    "float": ((int, float), "a number"),
    "str": ((str,), "a text"),
    "bool": ((bool,), "true or false"),
}


def _checked(where: str, value: Any, type_name: str) -> Any:
    """``value`` when it is of the field's type; UsageError in the scenario's own words
    otherwise (Python's would name its comparison operators)."""
    types, described = _FIELD_KINDS[type_name]
    wrong_bool = isinstance(value, bool) and type_name != "bool"
    if wrong_bool or not isinstance(value, types):
        raise UsageError(f"scenario field {where} must be {described}, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"scenario field {where} must be a finite number, not {value!r}")
    if isinstance(value, str) and any("\ud800" <= ch <= "\udfff" for ch in value):
        raise UsageError(f"scenario field {where} is not valid UTF-8")
    return value


def _table_list(where: str, value: Any, cls: type) -> tuple[Any, ...]:
    """A list of tables (outages, partitions) as ``cls`` instances, each field checked."""
    if not isinstance(value, list | tuple):
        raise UsageError(f"scenario field {where} must be a list of tables")
    types = {f.name: str(f.type) for f in fields(cls)}
    items = []
    for number, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise UsageError(f"scenario field {where} #{number} must be a table")
        for key, field_value in item.items():
            if key not in types:
                raise UsageError(f"scenario field {where} #{number}: unknown field {key!r}")
            _checked(f"{where} #{number} {key}", field_value, types[key])
        missing = [f.name for f in fields(cls) if f.default is MISSING and f.name not in item]
        if missing:
            raise UsageError(f"scenario field {where} #{number} needs {', '.join(missing)}")
        items.append(cls(**item))
    return tuple(items)


def _clock_offsets(value: Any) -> tuple[tuple[int, float], ...]:
    if not isinstance(value, dict):
        raise UsageError("scenario field clock_offsets must be a table of node = seconds")
    offsets = []
    for key, seconds in value.items():
        if not str(key).isdigit():
            raise UsageError(f"scenario field clock_offsets: {key!r} is not a node number")
        offsets.append((int(key), float(_checked(f"clock_offsets {key}", seconds, "float"))))
    return tuple(offsets)


def scenario_from_mapping(data: Mapping[str, Any], default_name: str = "custom") -> Scenario:
    known = {f.name for f in fields(Scenario)}
    types = {f.name: str(f.type) for f in fields(Scenario)}
    base_name = data.get("base")
    base = None
    if base_name is not None:
        base = SCENARIOS.get(str(base_name))
        if base is None:
            raise UsageError(f"unknown base scenario {base_name!r}; known: {', '.join(SCENARIOS)}")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "base":
            continue
        if key not in known:
            raise UsageError(f"unknown scenario field {key!r}")
        if types[key] in _FIELD_KINDS:
            _checked(key, value, types[key])
        values[key] = value
    try:
        if "outages" in values:
            values["outages"] = _table_list("outages", values["outages"], Outage)
        if "partitions" in values:
            values["partitions"] = _table_list("partitions", values["partitions"], Partition)
        if "clock_offsets" in values:
            values["clock_offsets"] = _clock_offsets(values["clock_offsets"])
        if base is not None:
            return replace(base, **values)
        values.setdefault("name", default_name)
        if "nodes" not in values:
            raise UsageError("a scenario needs 'nodes' (or a 'base' scenario)")
        return Scenario(**values)
    except TypeError as exc:
        raise UsageError(f"bad scenario: {exc}") from exc


# -- workload ------------------------------------------------------------------------------

ACTIONS = ("new", "edit", "withdraw", "alert")


@dataclass(frozen=True)
class Identity:
    """A node's signing key for one life of its store (a wipe starts a new one)."""

    key: SigningKey
    public_key: bytes
    origin: int

    @classmethod
    def derive(cls, seed: int, node: int, life: int) -> Identity:
        digest = hashlib.sha256(f"meshaid-sim/{seed}/{node}/{life}".encode()).digest()
        key = SigningKey(digest)
        public = bytes(key.verify_key)
        return cls(key, public, origin_id(public))


@dataclass(frozen=True)
class Planned:
    """One record a node creates during the run."""

    at: float  # seconds from the start
    node: int
    action: str  # one of ACTIONS
    record: SignedRecord


@dataclass(frozen=True)
class Rejoin:
    """A wiped node comes back at ``at`` with ``identity``."""

    at: float
    node: int
    identity: Identity


@dataclass
class Workload:
    identities: list[Identity]  # each node's identity at the start
    existing: list[SignedRecord]
    planned: list[Planned]
    rejoins: list[Rejoin]
    keys: dict[int, bytes]  # origin -> public key, every identity of the run
    born: dict[EntryId, float]  # when each entry was created, in true seconds from the start

    def key_of(self, origin: int) -> bytes | None:
        return self.keys.get(origin)

    def expires(self, rec: SignedRecord) -> float:
        """When ``rec``'s entry expires, in true seconds from the start.

        As a node with a right clock sees it: the lifetime counts from ``created``, or from
        when the entry was first seen when ``created`` is a lifetime or more off.
        """
        first_seen = timebase.to_minutes(START_UNIX + self.born[rec.entry_id])
        return timebase.from_minutes(expires_at(rec.body, first_seen)) - START_UNIX


# Plain words for made-up posts; lengths follow the dev corpus (median 72 UTF-8 bytes,
# 90th percentile 114, at most 200).
_WORD_LIST = """water food rice beans bread milk diapers formula baby kids ride clinic pharmacy
    insulin inhaler meds generator power charger phone batteries ice cooler fridge tarp roof
    tree chainsaw cleanup porch steps door window plywood nails tools jacket coats blankets shoes
    socks tent shelter room couch spanish english translate lawyer rent eviction notice court
    tomorrow tonight morning afternoon today friday saturday sunday need have offer can bring
    pick drop free please thanks help anyone neighbor church school corner store park library
    bus stop street block north south east west near behind across two three four five ten
    dozen some extra spare fresh hot cooked canned gallons bags boxes cases plates pots trays
    after before until around by at on for with from to the a my our your their call text
    knock come will can't no yes ok still agua comida arroz frijoles pan leche pañales niños
    medicina ayuda mañana hoy noche tengo necesito puedo gracias vecinos iglesia escuela
    calle cerca casa Elm Oak Main MLK 5th 3rd 12th 7pm 9am 2 3 4 6 10 20 $5 ASAP !! ?"""
_WORDS = tuple(_WORD_LIST.split())
_MEDIAN_TEXT = 72.0
_SIGMA_TEXT = 0.36  # gives a 90th percentile of about 114 bytes


def make_text(rng: random.Random, texts: Sequence[str] | None = None) -> str:
    """A post's text: drawn from ``texts`` when given, else made of plain words."""
    if texts:
        return rng.choice(texts)
    target = min(max(int(rng.lognormvariate(math.log(_MEDIAN_TEXT), _SIGMA_TEXT)), 20),
                 MAX_TEXT_BYTES)
    words: list[str] = []
    size = -1
    while size < target:
        word = rng.choice(_WORDS)
        cost = 1 + len(word.encode("utf-8"))
        if size + cost > MAX_TEXT_BYTES:
            break
        words.append(word)
        size += cost
    return " ".join(words)


_KINDS = (Kind.OFFER, Kind.NEED, Kind.TRADE)
_KIND_WEIGHTS = (40, 35, 15)  # the corpus's mix of offers, needs and trades
_ALERT_CATEGORIES = (Category.SAFETY, Category.HEALTH, Category.WATER, Category.ENERGY)


class _Planner:
    def __init__(self, sc: Scenario, texts: Sequence[str] | None) -> None:
        self.sc = sc
        self.texts = texts
        self.rng = random.Random(f"workload/{sc.seed}")
        self.life = [0] * sc.nodes
        self.identities = [Identity.derive(sc.seed, n, 0) for n in range(sc.nodes)]
        self.current = list(self.identities)
        self.seq = [0] * sc.nodes
        self.keys = {i.origin: i.public_key for i in self.identities}
        # Open entries each node's current identity owns: its newest record of each.
        self.open: list[dict[EntryId, SignedRecord]] = [{} for _ in range(sc.nodes)]
        self.born: dict[EntryId, float] = {}

    def wall_minutes(self, node: int, at: float) -> int:
        return timebase.to_minutes(START_UNIX + at + self.sc.clock_offset(node))

    def down(self, node: int, at: float) -> bool:
        return any(o.node == node and o.start * HOUR <= at < o.end * HOUR
                   for o in self.sc.outages)

    def body(self, node: int, at: float, kind: Kind) -> RecordBody:
        rng = self.rng
        self.seq[node] += 1
        ident = self.current[node]
        alert = kind == Kind.ALERT
        category = rng.choice(_ALERT_CATEGORIES) if alert else rng.choice(list(Category))
        if alert:
            urgency = rng.choice((Urgency.HIGH, Urgency.CRITICAL))
        elif kind == Kind.NEED:
            urgency = rng.choice((Urgency.NORMAL, Urgency.NORMAL, Urgency.LOW, Urgency.HIGH))
        else:
            urgency = Urgency.NORMAL
        created = self.wall_minutes(node, at)
        when = created + rng.randrange(60, 7 * 24 * 60) if kind == Kind.TRADE else 0
        return RecordBody(
            origin=ident.origin, seq=self.seq[node], kind=kind, category=category,
            text=make_text(rng, self.texts), created=created, community=COMMUNITY,
            zone_id=rng.randrange(1, ZONES + 1), urgency=urgency, when=when,
        )

    def create(self, node: int, at: float, kind: Kind) -> SignedRecord:
        rec = sign(self.body(node, at, kind), self.current[node].key)
        self.open[node][rec.entry_id] = rec
        self.born[rec.entry_id] = at
        return rec

    def forget_expired(self, node: int, at: float) -> None:
        entries = self.open[node]
        for eid in [e for e, rec in entries.items() if self.expires(rec) <= at]:
            del entries[eid]

    def expires(self, rec: SignedRecord) -> float:
        first_seen = timebase.to_minutes(START_UNIX + self.born[rec.entry_id])
        return timebase.from_minutes(expires_at(rec.body, first_seen)) - START_UNIX

    def change(self, node: int, at: float, withdraw: bool) -> SignedRecord | None:
        self.forget_expired(node, at)
        entries = self.open[node]
        if not entries:
            return None
        eid = self.rng.choice(sorted(entries))
        last = entries[eid].body
        self.seq[node] += 1
        body = replace(
            last, seq=self.seq[node], entry_seq=eid[1], version=last.version + 1,
            status=Status.WITHDRAWN if withdraw else last.status,
            text=last.text if withdraw else make_text(self.rng, self.texts),
        )
        rec = sign(body, self.current[node].key)
        if withdraw:
            del entries[eid]
        else:
            entries[eid] = rec
        return rec

    def pick_node(self, at: float, owning: bool = False) -> int | None:
        if owning:
            for n in range(self.sc.nodes):
                self.forget_expired(n, at)
        candidates = [n for n in range(self.sc.nodes)
                      if not self.down(n, at) and (not owning or self.open[n])]
        return self.rng.choice(candidates) if candidates else None


def plan(sc: Scenario, texts: Sequence[str] | None = None) -> Workload:
    """Every record of the run, signed, with when and where it is made."""
    p = _Planner(sc, texts)
    rng = p.rng
    existing: list[SignedRecord] = []
    ages = sorted((rng.uniform(0, EXISTING_MAX_AGE) for _ in range(sc.existing_entries)),
                  reverse=True)
    for age in ages:
        node = rng.randrange(sc.nodes)
        kind = rng.choices(_KINDS, _KIND_WEIGHTS)[0]
        existing.append(p.create(node, -age, kind))

    events: list[tuple[float, str]] = []
    horizon = sc.hours * HOUR
    rates = {"new": sc.new_per_hour, "edit": sc.edits_per_hour,
             "withdraw": sc.withdrawals_per_hour, "alert": sc.alerts_per_hour}
    for action, per_hour in rates.items():
        if per_hour <= 0:
            continue
        at = rng.expovariate(per_hour / HOUR)
        while at < horizon:
            events.append((at, action))
            at += rng.expovariate(per_hour / HOUR)
    for part in sc.partitions:
        events += [(rng.uniform(part.start * HOUR, part.end * HOUR), "new")
                   for _ in range(part.entries)]
    rejoins: list[Rejoin] = []
    for out in sc.outages:
        if out.wipe:
            events.append((out.end * HOUR, f"rejoin:{out.node}"))
    events.sort()

    planned: list[Planned] = []
    for at, action in events:
        if action.startswith("rejoin:"):
            node = int(action.split(":")[1])
            p.life[node] += 1
            ident = Identity.derive(sc.seed, node, p.life[node])
            p.current[node] = ident
            p.seq[node] = 0
            p.open[node] = {}
            p.keys[ident.origin] = ident.public_key
            rejoins.append(Rejoin(at, node, ident))
            continue
        owning = action in ("edit", "withdraw")
        chosen = p.pick_node(at, owning=owning)
        if chosen is None:
            continue
        if action == "new":
            rec = p.create(chosen, at, rng.choices(_KINDS, _KIND_WEIGHTS)[0])
        elif action == "alert":
            rec = p.create(chosen, at, Kind.ALERT)
        else:
            changed = p.change(chosen, at, withdraw=action == "withdraw")
            if changed is None:
                continue
            rec = changed
        planned.append(Planned(at, chosen, action, rec))
    return Workload(p.identities, existing, planned, rejoins, p.keys, p.born)


def load_texts(path: Path) -> list[str]:
    """Post texts from a JSON-lines file with a "text" field on each line."""
    out: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not valid UTF-8 (byte {exc.start})") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            text = json.loads(line)["text"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise UsageError(f"{path}:{number}: not a JSON object with a text field") from exc
        # A JSON escape can still spell a lone surrogate, which is no text at all.
        if (isinstance(text, str) and not any("\ud800" <= ch <= "\udfff" for ch in text)
                and 0 < len(text.encode("utf-8")) <= MAX_TEXT_BYTES):
            out.append(text)
    if not out:
        raise UsageError(f"{path} holds no usable texts")
    return out

"""The member roster in force, worked out from the control records a node holds.

Pure and deterministic: every node that holds the same control records gets the same
roster, in whatever order they arrived. The rules:

* version 1 (genesis) founds the neighbourhood: its id is a hash of the genesis record,
  so a node told the id (by its invite) recognises the one true genesis; the genesis is
  signed by the founder, whose key it lists as a node and a committee member;
* version n+1 names the digest of version n's change; it is proposed by a committee member
  of roster n and takes effect once ``threshold`` distinct committee members of roster n
  have signed it: the proposer, and the signers of RosterApproval records naming it;
* two different changes for the same version that both gather enough signatures are a
  conflict: the roster stays at the version before them (frozen) and says so, for the
  committee to sort out; nothing after them is applied;
* removing a node names its last valid seq: records of that origin past it are refused,
  records up to it stay valid (nodes have no trustworthy clocks to cut by time);
* a node's sequence floor: its records at or below the floor are refused, so a node
  reinstalled with its old key never reuses a seq;
* signatures are checked here with the signer's key from the roster in force at that
  version, so a change cannot be authorised by anyone the roster did not trust then.

Cost: each change and approval is looked at once per version step: linear in the records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from meshaid.protocol.control import (
    ControlRecord,
    EpochKey,
    OpKind,
    RosterApproval,
    RosterChange,
    neighbourhood_id,
)
from meshaid.protocol.errors import SignatureError
from meshaid.protocol.record import KINDS, origin_id
from meshaid.sync.lifetime import MAX_LIFETIME

MAX_VERSIONS = 10_000  # far beyond any neighbourhood's history; bounds a forged chain


@dataclass(frozen=True)
class MemberNode:
    origin: int
    key: bytes
    name: str
    floor: int = 0  # records with seq <= floor are refused
    last_seq: int | None = None  # removed: records past this seq are refused

    @property
    def active(self) -> bool:
        return self.last_seq is None


@dataclass(frozen=True)
class MemberRadio:
    radio: int  # Meshtastic node number
    key: bytes  # its Meshtastic public key, pinned; b"" when not pinned
    name: str


@dataclass(frozen=True)
class Roster:
    """One roster version and everything it says."""

    neighbourhood: bytes
    name: str = ""
    version: int = 0
    head: bytes = b""  # digest of the change record of this version
    nodes: dict[int, MemberNode] = field(default_factory=dict)
    committee: frozenset[int] = frozenset()
    radios: dict[int, MemberRadio] = field(default_factory=dict)
    threshold_setting: int = 0  # 0: the default rule
    communities: dict[int, str] = field(default_factory=dict)
    zones: dict[int, str] = field(default_factory=dict)
    lifetimes: dict[int, int] = field(default_factory=dict)  # kind -> minutes
    epoch: int = 0  # the latest epoch a change started
    # Set when two changes for one version both gathered enough signatures.
    conflict: tuple[bytes, bytes] | None = None
    signers: tuple[int, ...] = ()  # who signed this version

    @property
    def threshold(self) -> int:
        """Committee signatures a change needs: 1 while the committee has one or two
        members, 2 from three on, unless the roster sets another number."""
        if self.threshold_setting:
            return min(self.threshold_setting, max(len(self.committee), 1))
        return 1 if len(self.committee) <= 2 else 2

    def key_for(self, origin: int, seq: int | None = None) -> bytes | None:
        """The key whose records of ``origin`` are valid at ``seq`` (None: any seq)."""
        node = self.nodes.get(origin)
        if node is None:
            return None
        if seq is not None and (seq <= node.floor or (
                node.last_seq is not None and seq > node.last_seq)):
            return None
        return node.key

    def active_nodes(self) -> list[MemberNode]:
        return [n for n in self.nodes.values() if n.active]


class RosterBook:
    """Control records held, and the roster they make. ``add`` them, read ``roster``."""

    def __init__(self, neighbourhood: bytes) -> None:
        self.neighbourhood = neighbourhood
        self._genesis: ControlRecord | None = None
        self._changes: dict[int, dict[bytes, ControlRecord]] = {}  # version -> digest -> rec
        self._approvals: dict[bytes, set[ControlRecord]] = {}  # change digest -> approvals
        self._epoch_keys: list[ControlRecord] = []
        self._roster = Roster(neighbourhood)
        self._history: list[Roster] = []
        self._dirty = False

    def add(self, rec: ControlRecord) -> None:
        what = rec.what
        if isinstance(what, RosterChange):
            if what.version == 1:
                if neighbourhood_id(rec.record) == self.neighbourhood:
                    self._genesis = rec
            elif what.version <= MAX_VERSIONS:
                self._changes.setdefault(what.version, {})[rec.digest] = rec
        elif isinstance(what, RosterApproval):
            self._approvals.setdefault(what.change, set()).add(rec)
        elif isinstance(what, EpochKey):
            self._epoch_keys.append(rec)
        self._dirty = True

    def add_all(self, recs: Iterable[ControlRecord]) -> None:
        for rec in recs:
            self.add(rec)

    @property
    def roster(self) -> Roster:
        if self._dirty:
            self._fold()
        return self._roster

    @property
    def history(self) -> list[Roster]:
        """Every version in force so far, oldest first."""
        if self._dirty:
            self._fold()
        return list(self._history)

    def pending(self) -> list[tuple[ControlRecord, set[int]]]:
        """Changes proposed for the next version, not yet signed by enough members:
        each with the committee members who signed it so far."""
        roster = self.roster
        out = []
        for rec in self._changes.get(roster.version + 1, {}).values():
            assert isinstance(rec.what, RosterChange)
            if rec.what.prev == roster.head:
                out.append((rec, self._signers(rec, roster)))
        return out

    def records_starting(self, epoch: int) -> list[ControlRecord]:
        """The change in force that started ``epoch``, its approvals, and the epoch's keys
        signed by committee members: what a node that missed the re-key needs."""
        roster = self.roster
        change = next((rec for version in sorted(self._changes)
                       for rec in self._changes[version].values()
                       if isinstance(rec.what, RosterChange) and rec.what.epoch == epoch
                       and any(r.head == rec.digest for r in self._history)), None)
        out: list[ControlRecord] = []
        if change is not None:
            out.append(change)
            out += sorted(self._approvals.get(change.digest, ()),
                          key=lambda r: (r.origin, r.record.body.seq))
        for rec in self._epoch_keys:
            what = rec.what
            assert isinstance(what, EpochKey)
            if what.epoch == epoch and rec.origin in roster.committee | {
                    o for r in self._history for o in r.committee}:
                out.append(rec)
        return out

    def epoch_keys_for(self, origin: int) -> list[EpochKey]:
        """Epoch keys sealed to ``origin`` by committee members of the roster in force."""
        roster = self.roster
        out = []
        for rec in self._epoch_keys:
            what = rec.what
            assert isinstance(what, EpochKey)
            key = roster.key_for(rec.origin)
            if what.recipient == origin and key is not None and _signed(rec, key) and (
                    rec.origin in roster.committee or _was_committee(self._history, rec.origin)):
                out.append(what)
        return out

    # -- folding -----------------------------------------------------------------------

    def _fold(self) -> None:
        self._dirty = False
        self._history = []
        genesis = self._genesis
        if genesis is None:
            self._roster = Roster(self.neighbourhood)
            return
        roster = self._apply_genesis(genesis)
        if roster is None:
            self._roster = Roster(self.neighbourhood)
            return
        self._history.append(roster)
        while roster.version < MAX_VERSIONS:
            ready = [
                (rec, signers) for rec in self._changes.get(roster.version + 1, {}).values()
                if isinstance(rec.what, RosterChange) and rec.what.prev == roster.head
                and len(signers := self._signers(rec, roster)) >= roster.threshold
            ]
            if not ready:
                break
            if len(ready) > 1:
                digests = sorted(rec.digest for rec, _ in ready)
                roster = replace(roster, conflict=(digests[0], digests[1]))
                break
            rec, signers = ready[0]
            roster = _apply(roster, rec, signers)
            self._history.append(roster)
        self._roster = roster

    def _apply_genesis(self, rec: ControlRecord) -> Roster | None:
        change = rec.what
        assert isinstance(change, RosterChange)
        founder = next((op for op in change.ops if op.kind == OpKind.ADD_NODE
                        and origin_id(op.key) == rec.origin), None)
        if founder is None or not _signed(rec, founder.key):
            return None
        base = Roster(self.neighbourhood, name=change.name)
        roster = _apply(base, rec, (rec.origin,))
        if rec.origin not in roster.committee:
            return None  # a genesis names its founder to the committee
        return roster

    def _signers(self, rec: ControlRecord, roster: Roster) -> set[int]:
        """Committee members of ``roster`` who signed ``rec``: its proposer and approvers."""
        signers: set[int] = set()
        key = roster.key_for(rec.origin)
        if rec.origin in roster.committee and key is not None and _signed(rec, key):
            signers.add(rec.origin)
        else:
            return signers  # only a committee member may propose
        for approval in self._approvals.get(rec.digest, ()):
            what = approval.what
            assert isinstance(what, RosterApproval)
            akey = roster.key_for(approval.origin)
            if (what.version == roster.version + 1 and approval.origin in roster.committee
                    and akey is not None and _signed(approval, akey)):
                signers.add(approval.origin)
        return signers


def _signed(rec: ControlRecord, key: bytes) -> bool:
    try:
        rec.record.verify(key)
    except SignatureError:
        return False
    return True


def _was_committee(history: list[Roster], origin: int) -> bool:
    return any(origin in r.committee for r in history)


def _apply(roster: Roster, rec: ControlRecord, signers: Iterable[int]) -> Roster:
    change = rec.what
    assert isinstance(change, RosterChange)
    nodes = dict(roster.nodes)
    committee = set(roster.committee)
    radios = dict(roster.radios)
    communities = dict(roster.communities)
    zones = dict(roster.zones)
    lifetimes = dict(roster.lifetimes)
    threshold = roster.threshold_setting
    for op in change.ops:
        kind = op.kind
        if kind == OpKind.ADD_NODE:
            origin = origin_id(op.key)
            held = nodes.get(origin)
            if held is None or held.key == op.key:
                floor = max(op.seq, held.floor if held else 0)
                nodes[origin] = MemberNode(origin, op.key, op.name, floor, None)
        elif kind == OpKind.REMOVE_NODE and op.origin in nodes:
            nodes[op.origin] = replace(nodes[op.origin], last_seq=op.seq)
            committee.discard(op.origin)
        elif kind == OpKind.ADD_COMMITTEE and op.origin in nodes and nodes[op.origin].active:
            committee.add(op.origin)
        elif kind == OpKind.REMOVE_COMMITTEE:
            committee.discard(op.origin)
        elif kind == OpKind.ADD_RADIO:
            radios[op.radio] = MemberRadio(op.radio, op.key, op.name)
        elif kind == OpKind.REMOVE_RADIO:
            radios.pop(op.radio, None)
        elif kind == OpKind.SET_THRESHOLD:
            threshold = op.seq
        elif kind == OpKind.ADD_COMMUNITY:
            communities[op.seq] = op.name
        elif kind == OpKind.ADD_ZONE:
            zones[op.seq] = op.name
        elif kind == OpKind.SET_FLOOR and op.origin in nodes:
            node = nodes[op.origin]
            nodes[op.origin] = replace(node, floor=max(node.floor, op.seq))
        elif kind == OpKind.SET_LIFETIME and op.seq in KINDS:  # a kind this node knows
            # seq names the kind, radio the minutes; 0 goes back to the built-in default.
            if op.radio:
                lifetimes[op.seq] = min(op.radio, MAX_LIFETIME)
            else:
                lifetimes.pop(op.seq, None)
    return Roster(
        roster.neighbourhood, name=change.name or roster.name, version=change.version,
        head=rec.digest, nodes=nodes, committee=frozenset(committee), radios=radios,
        threshold_setting=threshold, communities=communities, zones=zones,
        lifetimes=lifetimes, epoch=max(roster.epoch, change.epoch),
        signers=tuple(sorted(signers)),
    )

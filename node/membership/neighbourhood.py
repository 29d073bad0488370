"""This node's neighbourhood: the roster in force, whose records to accept, and the keys.

Built from two things: the membership file (meshaid.node.membership.local: the
neighbourhood id, the founder's key, the epoch keys given directly) and the control
records in the board store (roster changes, approvals, epoch keys sealed to nodes),
folded by meshaid.sync.roster. The daemon asks it whom to trust and how to seal frames;
the CLI's roster commands (meshaid.node.membership.commands) change it by signing new
control records.
"""

from __future__ import annotations

from collections.abc import Iterable

from meshaid.node.keys import load_key
from meshaid.node.membership.held import held_control
from meshaid.node.membership.keyring import EpochKeyHeld, Keyring
from meshaid.node.membership.local import Membership, load_membership
from meshaid.node.membership.settings import apply_settings, save_settings, settings_of
from meshaid.node.services import Node
from meshaid.protocol import control, frames, seal
from meshaid.protocol.airtime import MAX_APP_PAYLOAD
from meshaid.protocol.control import ControlRecord
from meshaid.protocol.errors import DecodeError
from meshaid.protocol.record import Category, Kind, RecordBody, SignedRecord, origin_id
from meshaid.sync.roster import Roster, RosterBook

# A node behind an epoch is sent the new epoch's records at most this often (seconds).
CATCH_UP_EVERY = 120.0


class Neighbourhood:
    """The neighbourhood as this node sees it. ``refresh`` after new control records."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._signing_key = load_key(node.home.key_file)
        self.keyring = Keyring()
        self.frame_mtu = MAX_APP_PAYLOAD  # the radio's; the daemon sets it
        self._catch_up_sent: dict[int, float] = {}
        self.reload()

    def reload(self) -> None:
        """Read the membership file and the store's control records again (after
        ``meshaid join``, or roster changes made by the CLI while the daemon runs)."""
        self.membership: Membership | None = load_membership(self.node.home.root)
        neighbourhood = self.membership.neighbourhood if self.membership else b""
        self.book = RosterBook(neighbourhood)
        self.book.add_all(self._held_control())
        self._load_keys()

    @property
    def joined(self) -> bool:
        return self.membership is not None

    @property
    def roster(self) -> Roster:
        return self.book.roster

    def refresh(self, records: Iterable[SignedRecord]) -> bool:
        """Take control records just stored; True when any was one."""
        found = False
        for rec in records:
            if rec.body.control:
                try:
                    self.book.add(control.read(rec))
                except DecodeError:
                    continue
                found = True
        if found:
            self._load_keys()
        return found

    # -- the pump's sealer: the keyring in force ---------------------------------------

    @property
    def overhead(self) -> int:
        return self.keyring.overhead

    def can_seal(self) -> bool:
        return self.keyring.can_seal()

    def seal(self, payload: bytes) -> bytes:
        return self.keyring.seal(payload)

    def open(self, frame: bytes) -> bytes | None:
        return self.keyring.open(frame)

    def catch_up(self, frame: bytes, now: float) -> list[bytes]:
        """A member sealed ``frame`` with an older epoch: it missed a re-key and cannot
        read what we send now. Send it, sealed with the epoch it has, the change that
        started ours and our epoch's keys: each is sealed to one node, so a node removed
        with that change reads the frames and learns no key. At most once a while per
        epoch, however many stale frames arrive."""
        current = self.keyring.current()
        try:
            epoch, kid = seal.header(frame)
        except DecodeError:
            return []
        if current is None or epoch >= current.epoch:
            return []
        old = self.keyring.key(epoch, kid)
        last = self._catch_up_sent.get(epoch)
        if old is None or (last is not None and now - last < CATCH_UP_EVERY):
            return []
        self._catch_up_sent[epoch] = now
        raws = [rec.record.raw for rec in self.book.records_starting(current.epoch)]
        out: list[bytes] = []
        room = self.frame_mtu - seal.OVERHEAD
        batch: list[bytes] = []
        for raw in raws:
            trial = frames.encode(frames.RecordsFrame((*batch, raw), relay=False))
            if len(trial) > room and batch:
                out.append(frames.encode(frames.RecordsFrame(tuple(batch), relay=False)))
                batch = []
            if len(frames.encode(frames.RecordsFrame((raw,), relay=False))) <= room:
                batch.append(raw)
        if batch:
            out.append(frames.encode(frames.RecordsFrame(tuple(batch), relay=False)))
        return [seal.seal(old, epoch, self.keyring.nonce(), f) for f in out]

    # -- trust -----------------------------------------------------------------------------

    def trust(self, origin: int, seq: int | None = None) -> bytes | None:
        """The key whose records of ``origin`` (at ``seq``) this node accepts, if any.

        Before the genesis roster is held, only the founder's records are accepted: the
        genesis is among them, and it must hash to the neighbourhood id to count."""
        roster = self.roster
        if roster.version:
            return roster.key_for(origin, seq)
        m = self.membership
        if m is not None and origin_id(m.founder_key) == origin:
            return m.founder_key
        return None

    def key_of(self, origin: int) -> bytes | None:
        return self.trust(origin)

    def radio_allowed(self, radio: int) -> bool:
        """Whether the roster lets this resident's radio post by text."""
        return radio in self.roster.radios

    def name_of(self, origin: int) -> str | None:
        node = self.roster.nodes.get(origin)
        return node.name if node is not None else None

    # -- making control records --------------------------------------------------------

    def sign(self, what: control.Control) -> SignedRecord:
        """Sign and store a control record as this node (committed when this returns)."""
        data = control.encode(what)

        def build(seq: int, now: int) -> RecordBody:
            return RecordBody(origin=self.node.store.origin, seq=seq, kind=Kind.OFFER,
                              category=Category.FOOD, text="", created=now, control=data)

        rec = self.node.store.create(build)
        self.refresh([rec])
        return rec

    def unseal(self, sealed: bytes) -> bytes:
        return control.unseal_key(sealed, self._signing_key)

    # -- loading ----------------------------------------------------------------------------

    def _held_control(self) -> list[ControlRecord]:
        with self.node.store.reading() as conn:
            return held_control(conn)

    def _load_keys(self) -> None:
        m = self.membership
        if m is None:
            return
        in_force = max(self.roster.epoch, max((e.epoch for e in m.epochs), default=0))
        held: list[EpochKeyHeld] = list(m.epochs)
        for ek in self.book.epoch_keys_for(self.node.store.origin):
            if ek.epoch > in_force:
                continue  # prepared for a change not yet in force
            try:
                held.append(EpochKeyHeld(ek.epoch, self.unseal(ek.sealed)))
            except DecodeError:
                continue
        keyring = Keyring(held)
        keyring.counters = self.keyring.counters
        self.keyring = keyring
        if self.roster.version:
            # The roster's communities and zones, for this node and its next commands.
            shared = settings_of(self.roster)
            save_settings(self.node.home.root, shared)
            self.node.config = apply_settings(self.node.config, shared)


"""What the committee does to the roster, and how a node joins: the services behind
``meshaid init --new-neighbourhood``, ``key``, ``members``, ``committee``, ``roster``, ``join``.

Every change is a control record signed by this node (meshaid.protocol.control). It takes
effect when enough committee members signed it (meshaid.sync.roster); until then it
travels and waits for ``roster approve`` on another committee node. Removing a node or a
committee member starts a new epoch: a fresh key, sealed to each remaining node.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
from dataclasses import dataclass

from meshaid.node.errors import InputError, NodeError
from meshaid.node.membership.keyring import EpochKeyHeld
from meshaid.node.membership.local import Membership, load_membership, save_membership
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import Node
from meshaid.node.store.sync_state import store_summary
from meshaid.protocol import control, keytext, seal
from meshaid.protocol.control import (
    EpochKey,
    OpKind,
    RosterApproval,
    RosterChange,
    RosterOp,
    neighbourhood_id,
)
from meshaid.protocol.errors import DecodeError
from meshaid.protocol.record import Kind, origin_id
from meshaid.sync.lifetime import DEFAULT_LIFETIME, MAX_LIFETIME, MINUTES_PER_DAY
from meshaid.sync.roster import MemberNode, Roster

INVITE_VERSION = 1
_INVITE_BYTES = 1 + 8 + 2 + 16 + 32 + 2 + control.SEALED_KEY_BYTES


class MembershipError(NodeError):
    """A roster command that cannot be done as asked."""


@dataclass(frozen=True)
class Invite:
    neighbourhood: bytes
    head_version: int
    head: bytes
    founder_key: bytes
    epoch: int
    sealed_key: bytes

    def to_bytes(self) -> bytes:
        return (bytes([INVITE_VERSION]) + self.neighbourhood + self.head_version.to_bytes(2, "big")
                + self.head + self.founder_key + self.epoch.to_bytes(2, "big") + self.sealed_key)

    def to_text(self) -> str:
        return keytext.encode(keytext.INVITE_PREFIX, self.to_bytes())

    @classmethod
    def from_text(cls, text: str) -> Invite:
        try:
            data = keytext.decode(keytext.INVITE_PREFIX, text)
        except DecodeError as exc:
            raise InputError(str(exc)) from exc
        if len(data) != _INVITE_BYTES or data[0] != INVITE_VERSION:
            raise InputError("this invite is not one this version of meshaid can read")
        return cls(data[1:9], int.from_bytes(data[9:11], "big"), data[11:27], data[27:59],
                   int.from_bytes(data[59:61], "big"), data[61:])


def node_key_text(node: Node) -> str:
    """This node's public key as one line people can read aloud or type."""
    return keytext.encode(keytext.KEY_PREFIX, node.store.public_key)


def parse_key_text(text: str) -> bytes:
    try:
        key = keytext.decode(keytext.KEY_PREFIX, text)
    except DecodeError as exc:
        raise InputError(str(exc)) from exc
    if len(key) != control.KEY_BYTES:
        raise InputError("a node key is 32 bytes; this text holds something else")
    return key


def found(node: Node, name: str) -> Neighbourhood:
    """Found a neighbourhood with this node as its first node and committee member."""
    if load_membership(node.home.root) is not None:
        raise MembershipError("this node already belongs to a neighbourhood")
    name = name.strip()
    if not name:
        raise InputError("give the neighbourhood a name")
    store = node.store
    ops = [RosterOp(OpKind.ADD_NODE, key=store.public_key, name=node.config.name,
                    seq=store.next_seq() - 1),
           RosterOp(OpKind.ADD_COMMITTEE, origin=store.origin)]
    ops += [RosterOp(OpKind.ADD_COMMUNITY, seq=n, name=c)
            for n, c in sorted(node.config.communities.items())]
    ops += [RosterOp(OpKind.ADD_ZONE, seq=n, name=z) for n, z in sorted(node.config.zones.items())]
    genesis = RosterChange(1, b"", tuple(ops[: control.MAX_OPS]), name[:40], epoch=1)
    nb = Neighbourhood(node)
    rec = nb.sign(genesis)
    key = os.urandom(seal.KEY_BYTES)
    membership = Membership(neighbourhood_id(rec), name, store.public_key,
                            (EpochKeyHeld(1, key),))
    save_membership(node.home.root, membership)
    nb = Neighbourhood(node)
    nb.sign(EpochKey(1, store.origin, control.seal_key(key, store.public_key), seal.key_id(key)))
    return nb


def _joined(node: Node) -> Neighbourhood:
    nb = Neighbourhood(node)
    if not nb.joined:
        raise MembershipError("this node is in no neighbourhood yet: found one with "
                              "`meshaid init --new-neighbourhood NAME` or `meshaid join INVITE`")
    if nb.roster.conflict is not None:
        raise MembershipError("roster changes are frozen: two different changes were signed "
                              "for one version; see `meshaid roster show`")
    return nb


def _committee(node: Node) -> Neighbourhood:
    nb = _joined(node)
    if node.store.origin not in nb.roster.committee:
        raise MembershipError("only a committee node can change the roster")
    return nb


def propose(nb: Neighbourhood, *ops: RosterOp, epoch: int = 0) -> Roster:
    """Sign a change of the roster in force; returns the roster after it (in force now if
    this node's signature is enough, else still the old one)."""
    roster = nb.roster
    nb.sign(RosterChange(roster.version + 1, roster.head, tuple(ops), epoch=epoch))
    return nb.roster


def add_node(node: Node, key_text: str, name: str) -> tuple[Roster, Invite]:
    """Put a node on the roster and make its invite (useful only to that node)."""
    nb = _committee(node)
    key = parse_key_text(key_text)
    name = _name(name)
    origin = origin_id(key)
    held = nb.roster.nodes.get(origin)
    if held is not None and held.active:
        raise MembershipError(f"{held.name!r} is on the roster already")
    if any(n.name == name and n.active for n in nb.roster.nodes.values()):
        raise InputError(f"a node is called {name!r} already; choose another name")
    roster = propose(nb, RosterOp(OpKind.ADD_NODE, key=key, name=name))
    current = nb.keyring.current()
    assert current is not None and nb.membership is not None
    invite = Invite(nb.membership.neighbourhood, roster.version, roster.head,
                    nb.membership.founder_key, current.epoch,
                    control.seal_key(current.key, key))
    return roster, invite


def join(node: Node, text: str) -> Membership:
    """Join the neighbourhood an invite is for."""
    if load_membership(node.home.root) is not None:
        raise MembershipError("this node already belongs to a neighbourhood")
    invite = Invite.from_text(text)
    nb = Neighbourhood(node)
    try:
        key = nb.unseal(invite.sealed_key)
    except DecodeError:
        raise InputError("this invite was made for another node's key; ask for one made "
                         "with this node's `meshaid key`") from None
    membership = Membership(invite.neighbourhood, "", invite.founder_key,
                            (EpochKeyHeld(invite.epoch, key),), invite.head_version)
    save_membership(node.home.root, membership)
    return membership


def remove_node(node: Node, who: str) -> Roster:
    """Take a node off the roster: its records after its last one are refused, and a new
    epoch key goes to every remaining node."""
    nb = _committee(node)
    target = _find_node(nb.roster, who)
    if target.origin == node.store.origin:
        raise MembershipError("a node cannot remove itself; ask another committee node")
    last = _last_seq(node, target.origin)
    return _rekey(nb, RosterOp(OpKind.REMOVE_NODE, origin=target.origin, seq=last),
                  leaving=target.origin)


def committee(node: Node, who: str, add: bool) -> Roster:
    nb = _committee(node)
    target = _find_node(nb.roster, who)
    if add:
        if target.origin in nb.roster.committee:
            raise MembershipError(f"{target.name!r} is on the committee already")
        return propose(nb, RosterOp(OpKind.ADD_COMMITTEE, origin=target.origin))
    if target.origin not in nb.roster.committee:
        raise MembershipError(f"{target.name!r} is not on the committee")
    if len(nb.roster.committee) == 1:
        raise MembershipError("the committee needs at least one member")
    return _rekey(nb, RosterOp(OpKind.REMOVE_COMMITTEE, origin=target.origin), leaving=None)


def radio(node: Node, number: int, add: bool, key_text: str | None = None,
          name: str = "") -> Roster:
    nb = _committee(node)
    if not 0 < number < 0xFFFF_FFFF:
        raise InputError("a radio is named by its node number, e.g. !a1b2c3d4")
    if add:
        key = b""
        if key_text:
            try:
                key = (bytes.fromhex(key_text) if len(key_text) == 64
                       else base64.b64decode(key_text, validate=True))
            except (ValueError, binascii.Error):
                raise InputError("give the radio's public key as shown by the Meshtastic "
                                 "app (base64) or as 64 hex digits") from None
            if len(key) != control.KEY_BYTES:
                raise InputError("a Meshtastic public key is 32 bytes")
        return propose(nb, RosterOp(OpKind.ADD_RADIO, key=key, name=_name(name or "resident"),
                                    radio=number))
    if number not in nb.roster.radios:
        raise MembershipError(f"radio !{number:08x} is not on the roster")
    return propose(nb, RosterOp(OpKind.REMOVE_RADIO, radio=number))


def set_lifetime(node: Node, kind: str, days: float) -> Roster:
    """Set how long entries of ``kind`` live when their poster gives no expiry, for the
    whole neighbourhood; 0 days goes back to the built-in default."""
    nb = _committee(node)
    try:
        chosen = Kind[kind.strip().upper()]
    except KeyError:
        raise InputError(f"unknown kind {kind!r}; kinds: "
                         f"{', '.join(k.name.lower() for k in Kind)}") from None
    if not math.isfinite(days) or days < 0:
        raise InputError("give the lifetime in days, e.g. 14 or 0.5 (0: the default)")
    minutes = round(days * MINUTES_PER_DAY)
    if days and not 0 < minutes <= MAX_LIFETIME:
        raise InputError(f"a lifetime is between a minute and "
                         f"{MAX_LIFETIME // MINUTES_PER_DAY} days")
    held = nb.roster.lifetimes.get(int(chosen), 0)
    if minutes == held or (not held and minutes == DEFAULT_LIFETIME[chosen]):
        raise MembershipError(f"{chosen.name.lower()} entries live that long already")
    return propose(nb, RosterOp(OpKind.SET_LIFETIME, seq=int(chosen), radio=minutes))


def add_place(node: Node, what: str, name: str) -> Roster:
    """Give a new community or zone (``what``) its number for the whole neighbourhood."""
    nb = _committee(node)
    name = _name(name)
    community = what == "community"
    shared = nb.roster.communities if community else nb.roster.zones
    local = node.config.communities if community else node.config.zones
    if any(n.casefold() == name.casefold() for n in shared.values()):
        raise MembershipError(f"{what} {name!r} is on the roster already")
    # The number this node's meshaid.toml gives the name, if the roster has not used it
    # (its own posts keep their meaning), else one that no node uses yet.
    mine = [n for n, given in local.items() if given.casefold() == name.casefold()]
    number = mine[0] if mine and mine[0] not in shared else max((*shared, *local),
                                                                 default=0) + 1
    op = OpKind.ADD_COMMUNITY if community else OpKind.ADD_ZONE
    return propose(nb, RosterOp(op, seq=number, name=name))


def approve(node: Node, change_id: str) -> Roster:
    """Sign a change another committee member proposed."""
    nb = _committee(node)
    wanted = change_id.strip().lower()
    for rec, signers in nb.book.pending():
        if rec.digest.hex().startswith(wanted) and len(wanted) >= 4:
            if node.store.origin in signers:
                raise MembershipError("this node signed that change already")
            change = rec.what
            assert isinstance(change, RosterChange)
            nb.sign(RosterApproval(change.version, rec.digest))
            roster = nb.roster
            if roster.version == change.version and change.epoch:
                _seal_epoch(nb, roster, change.epoch)
            return roster
    raise InputError(f"no change waiting for signatures starts with {change_id!r}; "
                     "see `meshaid roster show`")


def _rekey(nb: Neighbourhood, op: RosterOp, leaving: int | None) -> Roster:
    epoch = nb.roster.epoch + 1
    roster = propose(nb, op, epoch=epoch)
    if roster.epoch >= epoch:  # in force: seal the new key to everyone remaining
        _seal_epoch(nb, roster, epoch)
    return roster


def _seal_epoch(nb: Neighbourhood, roster: Roster, epoch: int) -> None:
    key = os.urandom(seal.KEY_BYTES)
    for member in roster.active_nodes():
        nb.sign(EpochKey(epoch, member.origin, control.seal_key(key, member.key),
                         seal.key_id(key)))


def _find_node(roster: Roster, who: str) -> MemberNode:
    wanted = who.strip()
    for n in roster.nodes.values():
        if n.active and (n.name == wanted or f"{n.origin:08x}" == wanted.lower()):
            return n
    names = ", ".join(sorted(n.name for n in roster.active_nodes()))
    raise InputError(f"no node {who!r} on the roster; nodes: {names}")


def _last_seq(node: Node, origin: int) -> int:
    return store_summary(node.store).get(origin, (0, 0))[1]


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InputError("give a name")
    if len(name.encode("utf-8")) > control.MAX_NAME_BYTES:
        raise InputError(f"a name is at most {control.MAX_NAME_BYTES} bytes")
    return name

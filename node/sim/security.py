"""The simulated neighbourhood's security: a signed roster and sealed frames, as a real one.

A node of a real neighbourhood accepts a record only when the roster in force names its
origin's key (revocations and sequence floors included), and seals every frame with the
epoch key (XChaCha20-Poly1305, 45 bytes a frame: protocol/seal.py). So that the
simulator measures what a node really does, each simulated node gets:

* ``trust``: the key lookup of a roster built from genuine signed control records
  (sync/roster.py), a genesis and changes adding every identity of the run (a wiped node
  comes back with a new key, as after `meshaid members add-node`), all signed by a
  committee node that stays off the air;
* a Keyring holding the neighbourhood's epoch key, as the daemon's pump uses it (the same
  ``Sealer`` interface), with nonces from a seeded generator so that runs repeat.

The roster is held by every node from the start: the benchmark measures the board's sync
in a formed neighbourhood, not the join (tests/node/test_join_e2e.py covers that).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence

from nacl.signing import SigningKey

from meshaid.node.membership.keyring import EpochKeyHeld, Keyring
from meshaid.protocol import control
from meshaid.protocol.control import OpKind, RosterChange, RosterOp, neighbourhood_id
from meshaid.protocol.record import Category, Kind, RecordBody, origin_id, sign
from meshaid.sync.api import Trust
from meshaid.sync.roster import Roster, RosterBook

# Nodes a roster change adds: each ADD_NODE op is about 45 bytes, and a control record
# must stay under the record size limit (protocol/record.py).
NODES_PER_CHANGE = 6


class SimNeighbourhood:
    """The roster and epoch key of a simulated run, from its seed and its nodes' keys."""

    def __init__(self, seed: int, public_keys: Sequence[bytes]) -> None:
        digest = hashlib.sha256(f"meshaid-sim/{seed}/committee".encode()).digest()
        committee = SigningKey(digest)
        committee_key = bytes(committee.verify_key)
        origin = origin_id(committee_key)
        seq = 0

        def signed(what: control.Control) -> control.ControlRecord:
            nonlocal seq
            seq += 1
            body = RecordBody(origin=origin, seq=seq, kind=Kind.OFFER, category=Category.FOOD,
                              text="", created=1, control=control.encode(what))
            return control.read(sign(body, committee))

        genesis = signed(RosterChange(
            1, b"", (RosterOp(OpKind.ADD_NODE, key=committee_key, name="committee"),
                     RosterOp(OpKind.ADD_COMMITTEE, origin=origin)), "simulated", epoch=1))
        book = RosterBook(neighbourhood_id(genesis.record))
        book.add(genesis)
        head, version = genesis.digest, 1
        keys = list(dict.fromkeys(public_keys))
        for start in range(0, len(keys), NODES_PER_CHANGE):
            ops = tuple(RosterOp(OpKind.ADD_NODE, key=k, name=f"node {start + i}")
                        for i, k in enumerate(keys[start:start + NODES_PER_CHANGE]))
            version += 1
            change = signed(RosterChange(version, head, ops))
            book.add(change)
            head = change.digest
        self.roster: Roster = book.roster
        missing = [k for k in keys if self.roster.key_for(origin_id(k)) != k]
        if missing or self.roster.version != version:
            raise ValueError("the simulated roster did not take every node")
        self.epoch_key = hashlib.sha256(f"meshaid-sim/{seed}/epoch/1".encode()).digest()

    @property
    def trust(self) -> Trust:
        return self.roster.key_for

    def keyring(self, name: str) -> Keyring:
        """A node's keyring: the epoch key, and nonces seeded by ``name``."""
        rng = random.Random(f"nonces/{name}")
        nonces: Callable[[int], bytes] = rng.randbytes
        return Keyring([EpochKeyHeld(1, self.epoch_key)], nonces=nonces)

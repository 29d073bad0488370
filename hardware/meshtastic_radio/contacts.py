"""Residents' radio keys handed to our own radio as verified contacts (firmware 2.6+).

The roster pins each resident radio's Meshtastic public key. Our radio opens a
PKI-encrypted direct message only from a node whose key its node DB holds, and seals its
replies with that key; until a NodeInfo of the resident's radio is heard, it holds none,
and a NodeInfo heard on air is whatever its sender claims. An AdminMessage ``add_contact``
from the local client (``from`` 0, which the firmware's AdminModule takes without a
session key) puts the node in the DB with our key, marked manually verified (and
favourite), which later NodeInfos do not override (NodeDB::addFromContact). Older
firmware answers the unknown admin variant with an error and nothing changes: residents'
radios are then learnt from the air as before.
"""

from __future__ import annotations

from meshtastic.protobuf import admin_pb2, mesh_pb2, portnums_pb2


def contact_packet(own: int, node: int, key: bytes, packet_id: int) -> mesh_pb2.MeshPacket:
    """The packet to our own radio (node number ``own``) that pins ``node``'s ``key``."""
    short = f"{node & 0xFFFF:04x}"
    # The names are the firmware's defaults for an unnamed node: the radio's own NodeInfo
    # replaces them; only the key is ours to vouch for.
    user = mesh_pb2.User(id=f"!{node:08x}", long_name=f"Meshtastic {short}", short_name=short,
                         public_key=key)
    admin = admin_pb2.AdminMessage(add_contact=admin_pb2.SharedContact(
        node_num=node, user=user, manually_verified=True))
    return mesh_pb2.MeshPacket(
        to=own, id=packet_id, hop_limit=0, want_ack=False,
        decoded=mesh_pb2.Data(portnum=portnums_pb2.PortNum.ADMIN_APP,
                              payload=admin.SerializeToString(), want_response=False),
    )

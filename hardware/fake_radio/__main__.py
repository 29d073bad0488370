"""Run fake Meshtastic radios that hear each other, for manual tests and multi-process demos.

    python -m meshaid.hardware.fake_radio --tcp 4403            # one radio on 127.0.0.1:4403
    python -m meshaid.hardware.fake_radio --tcp 0 --count 3     # three, on free ports
    python -m meshaid.hardware.fake_radio --pty --count 2       # two pseudo-terminals
    python -m meshaid.hardware.fake_radio --tcp 0 --count 4 --topology line --loss 0.1 \
        --time-scale 10                                         # a lossy 4-radio line mesh

Without --topology every radio hears every other at once (LocalAir); with it, the radios
take the topology's places in order and frames flood hop by hop with loss, each heard after
its airtime divided by --time-scale (MeshAir). Prints one line per radio saying where it
listens (the mesh's shape goes to stderr), then serves until interrupted.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import random
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meshtastic.protobuf import config_pb2

from meshaid.hardware.fake_radio.air import Air, LocalAir
from meshaid.hardware.fake_radio.device import FakeDevice
from meshaid.hardware.fake_radio.link import Port
from meshaid.hardware.fake_radio.mesh_air import MeshAir
from meshaid.hardware.fake_radio.pty_port import PtyPort
from meshaid.hardware.fake_radio.tcp_port import TcpPort
from meshaid.hardware.sim.topology import TOPOLOGIES, build
from meshaid.protocol.errors import UsageError

LoRaConfig = config_pb2.Config.LoRaConfig


def _node_num(text: str) -> int:
    try:
        value = int(text.removeprefix("!"), 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a hex node number") from None
    if not 0 < value < 0xFFFF_FFFF:
        raise argparse.ArgumentTypeError("node number must be 1..fffffffe")
    return value


def _psk(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise argparse.ArgumentTypeError(f"{text!r} is not base64") from None


def _enum(enum: Any, what: str) -> Callable[[str], int]:
    """A parser for the names of a protobuf enum (Config.LoRaConfig.RegionCode...)."""

    def parse(text: str) -> int:
        try:
            return int(enum.Value(text.upper()))
        except ValueError:
            names = ", ".join(enum.keys())
            raise argparse.ArgumentTypeError(f"unknown {what} {text!r}; one of {names}") from None

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m meshaid.hardware.fake_radio",
        description="Fake Meshtastic radios on TCP ports or pseudo-terminals, sharing one air.",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--tcp", type=int, metavar="PORT",
                       help="serve on 127.0.0.1:PORT, PORT+1, ... (0: free ports)")
    where.add_argument("--pty", action="store_true", help="serve on pseudo-terminals")
    parser.add_argument("--count", type=int, default=1, help="how many radios (default 1)")
    parser.add_argument("--link-dir", type=Path,
                        help="with --pty: make DIR/radio0, DIR/radio1, ... links to the ttys")
    parser.add_argument("--node-num", type=_node_num, default=0x4D41_0001,
                        help="hex node number of the first radio (default 4d410001)")
    parser.add_argument("--channel", default="", help="channel name (default: the preset's)")
    parser.add_argument("--psk", type=_psk, default=b"\x01",
                        help="channel key, base64 (default AQ==, the public default key)")
    parser.add_argument("--region", type=_enum(LoRaConfig.RegionCode, "region"),
                        default=LoRaConfig.RegionCode.EU_868, help="LoRa region (default EU_868)")
    parser.add_argument("--preset", type=_enum(LoRaConfig.ModemPreset, "preset"),
                        default=LoRaConfig.ModemPreset.LONG_FAST,
                        help="modem preset (default LONG_FAST)")
    parser.add_argument("--hop-limit", type=int, default=3, choices=range(8),
                        help="default hop limit (default 3)")
    mesh = parser.add_argument_group("mesh (with --topology)")
    mesh.add_argument("--topology", choices=TOPOLOGIES,
                      help="join the radios as a multi-hop mesh of this shape (default: all "
                      "hear all, at once)")
    mesh.add_argument("--loss", type=_probability, default=0.0,
                      help="probability that a link loses a frame (default 0)")
    mesh.add_argument("--time-scale", type=_positive, default=10.0,
                      help="frames are heard after their airtime divided by this (default 10)")
    mesh.add_argument("--seed", type=int, default=1,
                      help="seed of the topology and of the losses (default 1)")
    return parser


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError("a loss probability is in [0, 1)")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be above zero")
    return value


def make_air(args: argparse.Namespace) -> tuple[Air, MeshAir | None]:
    """The air the command line asks for; UsageError for a topology that cannot be built."""
    if args.topology is None:
        return LocalAir(), None
    rng = random.Random(args.seed)
    mesh = MeshAir(build(args.topology, args.count, args.loss, rng), rng,
                   time_scale=args.time_scale)
    return mesh, mesh


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.count < 1:
        print("--count must be at least 1", file=sys.stderr)
        return 2
    try:
        air, mesh = make_air(args)
    except UsageError as exc:
        print(f"cannot build the mesh: {exc}", file=sys.stderr)
        return 2
    if mesh is not None:
        topo = mesh.topology
        links = ", ".join(f"{a}-{b}" for a in range(topo.size) for b in topo.neighbours(a) if a < b)
        print(f"{topo.name} mesh of {topo.size} radios, links {links or 'none'}, loss "
              f"{args.loss:g}, airtime / {args.time_scale:g}", file=sys.stderr, flush=True)
    ports: list[Port] = []
    # Handlers first: a signal while the radios start must still close the ports.
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        for i in range(args.count):
            device = FakeDevice(
                args.node_num + i, air=air, region=args.region, modem_preset=args.preset,
                hop_limit=args.hop_limit, channels=[(args.channel, args.psk)],
            )
            where: str
            if args.pty:
                link = None
                if args.link_dir is not None:
                    args.link_dir.mkdir(parents=True, exist_ok=True)
                    link = args.link_dir / f"radio{i}"
                pty = PtyPort(device, link_path=link)
                ports.append(pty)
                where = f"serial {pty.path}" + (f" -> {pty.pty_name}" if link else "")
            else:
                tcp = TcpPort(device, port=args.tcp + i if args.tcp else 0)
                ports.append(tcp)
                where = f"tcp {tcp.host}:{tcp.port}"
            print(f"fake radio !{device.node_num:08x} ({device.long_name}) on {where}", flush=True)
        stop.wait()
    except OSError as exc:
        print(f"cannot start fake radio: {exc}", file=sys.stderr)
        return 1
    finally:
        for port in ports:
            port.close()
        if mesh is not None:
            mesh.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

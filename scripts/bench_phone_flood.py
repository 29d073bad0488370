"""600 texts from strangers in 32 s at one node: how many replies go on air, and what share
of the channel they take.

    .venv/bin/python scripts/bench_phone_flood.py              # the default flood
    .venv/bin/python scripts/bench_phone_flood.py --texts 2000 --over 60 --hour 2

A daemon on the in-memory radio, clocked by hand (no sleeps): strangers' radios (each a
new id, as an attacker invents them) send "list" evenly over ``--over`` seconds; the
daemon is stepped every half second for ``--hour`` hours. The board holds eight offers,
so each answer is a full text. What it hands the radio is then
put on a model of the radio's own pacing: one text at a time, at most one per 2.2 s (what
the adapter and the firmware's text throttle allow), each taking its LoRa airtime on
LONG_FAST. Printed: replies handed and sent, what the desk dropped and why, the airtime,
and the duty cycle over the busiest ten minutes and over the first hour.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.daemon.radio_config import RadioConfig
from meshaid.node.daemon.service import Daemon
from meshaid.node.desk.desk import PhoneDesk
from meshaid.node.services import PostRequest, init_node, open_node
from meshaid.protocol.airtime import frame_airtime, phy_payload_bytes
from meshaid.sync.config import SyncConfig

STRANGERS = 0x0BAD_0000
TEXT_PORT = 1
RADIO_TEXT_INTERVAL = 2.2  # seconds between texts the radio puts on air
STEP = 0.5
START = time.time()
WINDOW = 600.0
BOARD = ("3 blue tarps 12x16 with rope", "2 bags of rice, 10 lb each", "firewood, 2 cords",
         "spare blankets, clean", "water jugs 5 gal, 4 of them", "baby formula, 2 cans",
         "generator, can share 2h a day", "rides to the clinic on tuesdays")


def airtime(text: str) -> float:
    size = min(phy_payload_bytes(len(text.encode("utf-8")), TEXT_PORT), 255)
    return frame_airtime(size, "LONG_FAST")


def flood(texts: int, over: float, hours: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "node"
        init_node(home, name="flooded", timezone="UTC")
        node = open_node(home)
        try:
            for thing in BOARD:  # so that each "list" answer is a full text
                node.post(PostRequest(kind="offer", text=thing, category="other"))
            radio = MemoryRadio(0x4D41_0001)
            desk = PhoneDesk(node, frozenset())
            clock = [START]  # the wall clock moves with the hand-driven one
            daemon = Daemon(node, radio, RadioConfig(), sync_config=SyncConfig(),
                            rng=random.Random(1), control_path=Path(tmp) / "c.sock",
                            desk=desk, wall=lambda: clock[0])
            handed: list[tuple[float, str]] = []
            now, n, end = 0.0, 0, hours * 3600.0
            while now <= end:
                while n < texts and n * over / texts <= now:
                    radio.hear_text("list", STRANGERS + n)
                    n += 1
                clock[0] = START + now
                daemon.step(now)
                handed += [(now, t.text) for t in radio.take_texts()]
                now += STEP
            counters = Counter({k: v for k, v in desk.counters.items() if "dropped" in k
                                or "rate_limited" in k})
            # The reply budget the pump charges (absent from code that charged nothing).
            budget = getattr(daemon.pump, "reply_airtime", None)
            charged = budget.used(end) if budget is not None else 0.0
        finally:
            node.close()
    on_air: list[tuple[float, float]] = []  # (start, seconds)
    free_at = 0.0
    for at, text in handed:
        start = max(at, free_at)
        seconds = airtime(text)
        on_air.append((start, seconds))
        free_at = start + max(seconds, RADIO_TEXT_INTERVAL)
    busiest = max((sum(s for t, s in on_air if w <= t < w + WINDOW)
                   for w, _ in on_air), default=0.0)
    first_hour = sum(s for t, s in on_air if t < 3600.0)
    return {
        "texts": texts, "over": over, "replies_handed": len(handed),
        "replies_sent_first_hour": sum(1 for t, _ in on_air if t < 3600.0),
        "airtime_s": round(sum(s for _, s in on_air), 1),
        "charged_to_reply_budget_s": round(charged, 1),
        "duty_busiest_10min": round(busiest / WINDOW, 3),
        "duty_first_hour": round(first_hour / 3600.0, 3),
        "desk": dict(counters),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=600)
    parser.add_argument("--over", type=float, default=32.0, help="seconds the flood lasts")
    parser.add_argument("--hour", type=float, default=1.0, help="hours to run the daemon")
    args = parser.parse_args()
    result = flood(args.texts, args.over, args.hour)
    for key, value in result.items():
        print(f"{key:28} {value}")


if __name__ == "__main__":
    main()

"""The sync engine's settings, with the reasons for their defaults.

Airtimes are LONG_FAST figures from meshaid.protocol.airtime: an idle digest (7-8 bytes)
takes 0.48 s, a digest that lists 16 origins (87-104 bytes) 1.05-1.21 s, a record frame
of the corpus's median size 1.62 s, a full 231-byte frame 2.16 s.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshaid.protocol.airtime import DEFAULT_PRESET, MAX_APP_PAYLOAD, preset_named
from meshaid.protocol.errors import UsageError
from meshaid.protocol.fragment import HEADER_BYTES
from meshaid.protocol.frames import MAX_ANSWERERS
from meshaid.sync.lifetime import MINUTES_PER_DAY

Span = tuple[float, float]  # a random delay is drawn uniformly from (low, high) seconds


@dataclass(frozen=True)
class SyncConfig:
    preset: str = DEFAULT_PRESET
    mtu: int = MAX_APP_PAYLOAD
    # Share of each rolling hour this node may spend on air: 5 % is 180 s, half of the
    # EU868 10 % duty cycle, leaving the rest to the firmware's own traffic and to relays.
    budget_share: float = 0.05
    # Share of that budget only alerts may use.
    alert_reserve: float = 0.2
    # Share of the rest that answers to neighbours catching up may use, so that relays of
    # new records still go out while a neighbour is served a whole store. 0.6 held the
    # answerers of the simulator's wiped node (S3) at their cap for hours; at 0.8 it had
    # 90 % of its copies 4.6 h after its return instead of 6.2 h, the healed partition
    # (S4) ended an hour sooner for the same airtime, and S2, where nobody catches up,
    # did not change at all.
    bulk_share: float = 0.8
    # Trickle (RFC 6206) for digests. Imax one hour with k = 1: an idle radio neighbourhood
    # sends about one 0.48 s digest an hour in all, a little more with loss (a node that
    # missed the digest sends its own); the simulator's idle 20-node clique measured
    # 0.95 s an hour. A mismatch that the digest's listed origins do not explain resets
    # the interval to ``trickle_reset`` (one minute), and the intervals then double back
    # to Imax in 7 steps (60 s .. 3600 s). A new record is announced instead: one interval
    # of ``trickle_reset``, so that the neighbourhood compares digests within a minute and
    # a node that missed the push learns of it, then back to the interval it interrupted.
    # Doubling back up after every new record cost about 7 digests, 3.3-8.5 s of airtime,
    # per record: in the simulator's 20-node clique at 20 % loss (15 changes an hour),
    # digests took 998 of the 3114 s the engine spent in 25 h. Only a new alert, and a new
    # or wiped node starting, go down to Imin and double up from there, so that a
    # neighbour that missed the alert hears a digest within 10-20 s and again soon after.
    trickle_imin: float = 20.0
    trickle_imax: float = 3600.0
    trickle_k: int = 1
    trickle_reset: float = 60.0
    # Of the neighbours that receive a pushed record, about this many (each with probability
    # announcers / neighbours heard) announce it with a digest; its creator always does.
    # Every receiver announcing made each neighbourhood send a burst of digests per record,
    # most of them repeats (Trickle's k = 1 suppression fails whenever a digest is lost).
    # Measured in the simulator (S2, 25 h, with the one-interval announcement above): all
    # receivers announcing, 6353 s of digests and a p99 of 5.2 min for a new entry to reach
    # every node; 2 announcers, 4593 s and 7.9 min (slowest entry 14.5 min); 1 announcer,
    # 4000 s and 9.9 min, but its slowest entry took 20.8 min and withdrawals 16.8 min at
    # p99 (the goal is 15 min at p99 for new entries).
    news_announcers: float = 2.0
    # After a mismatch has reset Trickle, further mismatches do not for this long.
    mismatch_hold: float = 600.0
    # A record new to us, heard in a PUSH frame, is passed on after a random delay unless
    # ``relay_suppress`` copies of it (the first one included) were heard meanwhile: in a
    # cluster that all heard the push, one node relays and the others hear it and stay quiet.
    # Answers likewise wait, and are dropped when a neighbour's answer is heard first.
    # Those delays are contention windows that grow with the neighbourhood: with n
    # neighbours heard in the last hour, a delay is drawn from [0, slot * max(n, 2)), so the
    # first of them still fires within about one slot while the others, spread over n
    # slots, hear it before their turn. A slot of 2 s is one record frame (1.6 s median)
    # plus the radio's listen-before-talk backoff. Fixed windows made every neighbour of a
    # requester answer within the same few seconds; hidden from one another, their answers
    # collided at the requester, round after round (seen in the mesh simulator).
    # Relays use two slots per neighbour: a relay that falls due while the first one is
    # still on air goes out too (it is with the radio by then), and with one slot the
    # simulator's loss-free 20-node clique sent 1.9 relays per record where one suffices;
    # with two, S1's airtime fell 0.5-11 % (by loss) and S2's stayed the same.
    relay_slot: float = 4.0
    alert_relay_slot: float = 1.0
    answer_slot: float = 2.0
    # Answerers named in a request take turns of this length, one frame each, in the
    # order named: a full frame (2.16 s) plus the firmware's listen-before-talk delay.
    # In the simulator's S3 the wiped node had 90 % of its copies 4.6 h after its return
    # with turns of 3 s, 4.5 h with 2.5 s (no margin left for the contention delay),
    # 5.5 h with 4 s, and 6.7 h when all named answerers started at once (their answers
    # also took 32 % more airtime: they collided at the requester and were asked again).
    answer_turn: float = 3.0
    relay_suppress: int = 2
    # Alerts are few (a couple an hour) and must arrive within minutes: one more copy.
    alert_relay_suppress: int = 3
    neighbour_memory: float = 3600.0
    # Relay pruning (neighbours.py): a pushed record is not relayed when every neighbour we
    # know of was reached by a copy already, by the neighbour lists carried in digests.
    # Measured in the simulator (seed 1, 25 h, airtime an hour, without -> with): S2 1044
    # -> 986 s, S3 1238 -> 1166 s, S4 2684 -> 2578 s; S1 (a 20-node clique) 56.0 -> 33.9 s
    # at 0 % loss, 78.0 -> 70.5 at 10 %, 96.5 -> 90.8 at 20 %, 116.2 -> 114.6 at 30 %;
    # delivery 100 % in all. In S2 a relay that went out had heard one copy (the second
    # suppresses it), and one sender's list seldom covers a node's neighbours on a random
    # graph: 18 of 50 nodes still relay each record (21 without pruning).
    relay_pruning: bool = True
    # How long a radio heard, and the list it advertised, are remembered for pruning. Long,
    # because a neighbour we forget counts as covered: radios in a neighbourhood stay put,
    # but a quiet one may send one digest in many hours. In S2, where every node is heard
    # every few minutes, one hour made no difference (984 s of airtime an hour, 986 s).
    neighbour_table_memory: float = 24 * 3600.0
    # Of the neighbours that find a pushed record covered, some relay it all the same: a
    # copy heard does not mean the sender's other neighbours heard it, and one relay soon
    # repairs them for less airtime than their requests and the answers. Each does with
    # probability min(covered_relayers / neighbours heard, missed_gain x the share of its
    # new records that came by repair, a measure of the loss), and not at all when a
    # neighbour the copies reached has neighbours beyond them (that one will relay).
    # Measured in S1 at 20 % loss: with none, 102.8 s an hour (the nodes a push missed
    # were repaired by request and answer instead); gain 3, 90.8 s (114.6 s at 30 %, 33.9
    # s at 0 %). Earlier runs, with lists in every digest: none, 99.5 s (853 records
    # answered, against 114 without pruning); a fixed 2 of 19, 90.7 s, but 54.7 s at 0 %
    # loss (relays nobody needed; 32.2 s with none); gain 1, 94.7 s (117.8 s at 30 %).
    # S2 did not move (986 s an hour with or without): on its random graph some reached
    # neighbour nearly always has neighbours beyond.
    covered_relayers: float = 3.0
    missed_gain: float = 3.0
    # Our list goes in a digest when it changed, and at least this often besides (only
    # while records are being pushed, see SyncEngine._digest). Airtime an hour with one
    # hour -> three: S1 37.8 -> 33.9 s at 0 % loss, 71.4 -> 70.5 at 10 %, 92.6 -> 90.8 at
    # 20 %, 117.7 -> 114.6 at 30 % (in a clique of 20 a list adds 39 bytes to a digest);
    # S2 970 -> 986 s, within what another random draw moves it.
    neighbour_advert_interval: float = 3 * 3600.0
    # A request may name neighbours (those whose digests showed the most records) to
    # answer, each a share of the records, the others staying quiet: when every neighbour
    # answered a whole vector, their answers collided and repeated each other. A request
    # for a whole vector (a cold start), or for many gaps, names as many as the frame
    # allows: each answerer's bulk share carries only about 50 median records an hour, so
    # a catch-up goes as fast as they add up. A request for a few gaps names nobody: the
    # contention windows keep its few answers apart, and any holder may answer, which in
    # the simulator repaired faster (S2: p99 259 s against 351 s naming two).
    request_answerers: int = 0
    complete_answerers: int = MAX_ANSWERERS
    # A catch-up is in progress until this long after a request for a whole vector (or
    # for many gaps, naming answerers), or after the last new record answered since, but
    # no longer than the named answerers' turns need; meanwhile no other request goes out
    # (its answers would repeat records already queued by the answerers).
    bulk_idle: float = 120.0
    # Neighbours whose digest was heard within this long are candidates to answer.
    source_memory: float = 7200.0
    # A digest that shows its sender behind is answered, unasked, by about this many of
    # the neighbours that heard it (each with probability expected / neighbours).
    unasked_answerers: float = 2.0
    # ... with at most this many records of each origin it is behind on.
    unasked_records: int = 4
    # A neighbour whose digest shows it this many records behind us (a healed partition,
    # not a missed push or two) makes us pass on the records we get by repair as pushes.
    # In the simulator, the sides of S4's partition differ by about 330 records; in S2
    # (lossy, nobody partitioned) no node ever saw a neighbour this far behind: its
    # figures came out identical with and without the rule.
    flood_behind: int = 8
    # One request is answered with at most this many records, the most useful first.
    answer_limit: int = 16
    # A queued answer not sent within this long is dropped (the requester asks again);
    # a node whose answer share will not free up within half of it declines requests.
    answer_ttl: float = 300.0
    # Consecutive answer frames leave a gap for other answering nodes to take turns.
    answer_gap: Span = (1.0, 5.0)
    # Requests wait a little too, so that a neighbour missing the same records asks once.
    request_delay: Span = (1.0, 6.0)
    # No answer after this long (doubling with each unanswered attempt): ask
    # again. An answer is lost often enough (a collision, or the requester transmitting
    # when it arrives) that the first retry must come well within an alert's 3 minutes.
    # At most: repair waits what an answer needs among the neighbours heard (repair.py),
    # 13 s with two of them.
    request_retry: float = 30.0
    # ... doubling up to this. At an hour, in the simulator's healed partition (S4), the
    # last copies missing at the end were on nodes whose every neighbour held them and
    # that had asked ten times in vain (answers declined while budgets were spent,
    # collided, or lost), so that they asked once an hour by then. Requests keep within
    # request_share of the budget whatever this is.
    request_retry_cap: float = 600.0
    # Our requests may use at most this share of the budget in a rolling hour. After the
    # simulator's six-hour partition healed, requests took 2,800-3,200 s of airtime an
    # hour (every node asking about once a minute, each request heard by neighbours whose
    # answer share those same requests had used up: 10,000-14,000 declined an hour), and
    # answers 450-1,400 s. In S2 a node's requests take 1-3 s an hour.
    request_share: float = 0.10
    # A request for a whole vector (cold start, a node back after days) at most this often.
    complete_retry: float = 600.0
    # Origins that changed within this window lead every digest, newest first.
    digest_recent_window: float = 900.0
    digest_recent_entries: int = 4
    # After hearing a mismatched digest, digests also list a rotating window of origins.
    digest_max_entries: int = 16
    max_batch_records: int = 8
    # Zone ids (from the neighbourhood's configuration) this node serves: within a class of
    # equal urgency, their entries are sent first to a node that is catching up.
    local_zones: frozenset[int] = frozenset()
    # Keep a record, tombstones included, this long after its entry would have expired.
    prune_margin_minutes: int = MINUTES_PER_DAY
    reassembly_timeout: float = 300.0
    # Partial messages held at once, and of any one sender: a real sender has one message
    # in flight (its fragments go back to back), a few when fragments were lost; a sender
    # at its cap loses its own oldest, so junk under one id cannot push out others'.
    reassembly_max_messages: int = 16
    reassembly_per_sender: int = 4
    reassembly_max_bytes: int = 4096
    verify_cache_entries: int = 4096
    # --- Bounds on what members (and stolen nodes) can make a node do. Frames are sealed
    # with the neighbourhood's key, so only members can send them, but any member can send
    # anything under any sender id; only records are signed by their origin.
    # Abuse limits (limits.py), per origin, over the signed minutes of the records that
    # create entries: a busy node taking posts for many residents (the desk allows a
    # resident 6 an hour, burst 3) stays far inside 60 new entries an hour, 20 at once,
    # 500 live; the simulator's busiest node makes 2 an hour. Alerts keep their precedence
    # within a smaller bucket of their own (a neighbourhood raises a couple an hour) and
    # are sent as ordinary records beyond it, so that one member's flood of alerts cannot
    # hold back everyone else's. Control records (roster, keys) have no bucket, and a cap
    # of their own as they are never pruned: years of roster changes and approvals stay
    # far below it.
    rate_per_hour: float = 60.0
    rate_burst: int = 20
    alert_rate_per_hour: float = 12.0
    alert_burst: int = 6
    max_live_entries: int = 500
    max_control_records: int = 4096
    # A change carries its entry's ``created``, not a time of its own, so changes are
    # bounded per entry: records held of one entry (its versions and status changes; an
    # honest entry has a handful).
    max_entry_records: int = 32
    # A GONE claim (claims.py) pauses asking for the seqs it names this long, then is
    # forgotten: about the longest a request waits anyway (the retry backoff's cap), so a
    # forged claim delays no more than an unanswered request does. A node that never saw
    # the pruned records asks again when it ends (one request, one GONE), the pause
    # doubling with each renewal in a row, up to 16 hours.
    gone_pause: float = 3600.0
    # What a digest says exists beyond the seqs we know is forgotten after this long with
    # nothing of that origin arriving (wants.py): two Trickle intervals at the longest.
    claim_memory: float = 7200.0
    # Contention windows count at most this many neighbours: a made-up sender id counts
    # like a real one, and 200 of them stretched relay delays to a median of 315 s. The
    # simulator's densest neighbourhood (S1, a clique of 20) has 19.
    contention_neighbours_max: int = 32
    # Per-sender tables (neighbours heard, their lists, digests heard, requesters) keep
    # this many senders, least recently heard out first, besides their own expiry.
    sender_memory_max: int = 256
    # Answering any one requester (by sender id, requests and unasked answers together)
    # may use at most this share of the bulk cap in a rolling hour: one forged request
    # every 20 s used to take a node's whole answer budget, and a requester that asks later
    # found nothing left. A quarter stays for the others; a wiped node catching up alone
    # (its answers also repair every neighbour missing the same) gets three quarters of
    # each answerer's share, about 100 median records an hour.
    requester_share: float = 0.75
    # Unasked answers (to digests that show their sender behind) may use this share of the
    # bulk cap in a rolling hour, at most unasked_per_digest records per digest: they are
    # for a missed push, one or two records; 20 forged digests used to draw 132.
    unasked_share: float = 0.25
    unasked_per_digest: int = 8
    # A neighbour named to answer that sent nothing in its turn is not named again for
    # this long (digests from made-up ids stalled a new node's catch-up).
    answerer_penalty: float = 1800.0
    # A relay skipped because neighbour lists said everyone had it is sent after all when,
    # within this window, a neighbour asks for it or its digest shows it lacks it: a list
    # is not signed, and a forged one cut relays to nothing.
    owed_relay_window: float = 900.0

    def __post_init__(self) -> None:
        preset_named(self.preset)
        if not HEADER_BYTES + 2 <= self.mtu <= MAX_APP_PAYLOAD:
            raise UsageError(f"mtu must be within {HEADER_BYTES + 2}..{MAX_APP_PAYLOAD}")
        if not 0 < self.budget_share <= 1:
            raise UsageError("budget_share is a share of the hour, 0 < share <= 1")
        if not 0 <= self.alert_reserve < 1:
            raise UsageError("alert_reserve is a share of the budget, 0 <= share < 1")
        if not 0 < self.bulk_share <= 1:
            raise UsageError("bulk_share is a share of the ordinary budget, 0 < share <= 1")
        if not 0 < self.trickle_imin <= self.trickle_reset <= self.trickle_imax:
            raise UsageError("Trickle needs 0 < Imin <= reset interval <= Imax")
        if self.trickle_k < 1:
            raise UsageError("Trickle needs k >= 1")
        for name in ("answer_gap", "request_delay"):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise UsageError(f"{name} must be (low, high) with 0 <= low <= high")
        positive = ("request_retry", "request_retry_cap", "complete_retry", "digest_recent_window",
                    "reassembly_timeout", "relay_slot", "alert_relay_slot", "answer_slot",
                    "answer_turn", "neighbour_memory", "source_memory", "unasked_answerers",
                    "bulk_idle", "answer_ttl", "mismatch_hold", "news_announcers",
                    "neighbour_table_memory", "neighbour_advert_interval", "gone_pause",
                    "claim_memory", "answerer_penalty", "owed_relay_window",
                    "rate_per_hour", "alert_rate_per_hour")
        for name in positive:
            if getattr(self, name) <= 0:
                raise UsageError(f"{name} must be positive")
        for name in ("request_answerers", "complete_answerers"):
            if not 0 <= getattr(self, name) <= MAX_ANSWERERS:
                raise UsageError(f"{name} must be within 0..{MAX_ANSWERERS}")
        counts = ("relay_suppress", "alert_relay_suppress", "max_batch_records", "unasked_records",
                  "flood_behind",
                  "answer_limit",
                  "reassembly_max_messages", "reassembly_max_bytes", "verify_cache_entries",
                  "reassembly_per_sender", "rate_burst", "alert_burst", "max_live_entries",
                  "max_control_records", "contention_neighbours_max", "sender_memory_max",
                  "max_entry_records",
                  "unasked_per_digest")
        for name in counts:
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1")
        if self.covered_relayers < 0 or self.missed_gain < 0:
            raise UsageError("covered_relayers and missed_gain cannot be negative")
        if self.digest_recent_entries < 0 or self.digest_max_entries < self.digest_recent_entries:
            raise UsageError("digest entries: 0 <= recent <= max")
        if self.prune_margin_minutes < 0:
            raise UsageError("prune_margin_minutes cannot be negative")
        if not 0 < self.request_share <= 1:
            raise UsageError("request_share is a share of the budget, 0 < share <= 1")
        for name in ("requester_share", "unasked_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise UsageError(f"{name} is a share of the bulk cap, 0 <= share <= 1")

    @property
    def budget_seconds(self) -> float:
        """Airtime this node may use in any hour."""
        return 3600.0 * self.budget_share

from meshaid.protocol.record import Kind, Status, Urgency
from meshaid.sync.priority import send_rank
from recordgen import Signer


def test_classes_then_urgency_then_local_then_fresh() -> None:
    s = Signer(120)
    alert = s.create("smoke on 3rd", kind=Kind.ALERT, created=10)
    need_high = s.create("insulin", kind=Kind.NEED, urgency=Urgency.HIGH, created=5)
    need_low_local = s.create("books", kind=Kind.NEED, urgency=Urgency.LOW, zone_id=7, created=1)
    need_low_fresh = s.create("toys", kind=Kind.NEED, urgency=Urgency.LOW, zone_id=2, created=9)
    need_low_old = s.create("games", kind=Kind.NEED, urgency=Urgency.LOW, zone_id=2, created=3)
    offer = s.create("bread", created=50)
    matched = s.change(offer, 1, status=Status.MATCHED)
    withdrawn = s.change(need_high, 1, status=Status.WITHDRAWN)
    ranked = sorted(
        [withdrawn, matched, need_low_old, offer, need_low_fresh, need_high, alert,
         need_low_local],
        key=lambda r: send_rank(r.body, r not in (offer, need_high), r.body.zone_id == 7),
    )
    # Superseded versions last, by urgency like the rest.
    assert ranked == [alert, need_low_local, need_low_fresh, need_low_old, matched, withdrawn,
                      need_high, offer]

from hypothesis import given, settings
from hypothesis import strategies as st

from meshaid.protocol.record import SignedRecord, Status
from meshaid.sync.merge import Board, Outcome
from recordgen import Signer


def history(signer: Signer, steps: list[tuple[int, int]]) -> list[SignedRecord]:
    """Entries made by ``signer`` and changed by random (entry, status) steps."""
    created = [signer.create(f"entry {i}") for i in range(3)]
    out = list(created)
    versions = [0, 0, 0]
    for entry, status in steps:
        versions[entry] += 1
        out.append(signer.change(created[entry], versions[entry], status=Status(status),
                                 text=f"entry {entry} v{versions[entry]}"))
    return out


step = st.tuples(st.integers(0, 2), st.integers(0, 3))


@settings(max_examples=60, deadline=None)
@given(st.lists(step, max_size=8), st.lists(step, max_size=8), st.randoms(use_true_random=False),
       st.data())
def test_any_order_with_duplicates_gives_the_same_board(a, b, rnd, data) -> None:  # type: ignore[no-untyped-def]
    records = history(Signer(7), a) + history(Signer(8), b)
    reference = Board()
    reference.apply_all(records)
    shuffled = records + data.draw(st.lists(st.sampled_from(records), max_size=10))
    rnd.shuffle(shuffled)
    other = Board()
    other.apply_all(shuffled)
    assert other.state_hash() == reference.state_hash()
    assert {e.entry_id: (e.content.raw, e.status) for e in other} == {
        e.entry_id: (e.content.raw, e.status) for e in reference
    }


def test_withdrawn_entry_is_not_reopened_by_an_older_record() -> None:
    s = Signer(9)
    created = s.create("tarps")
    edited = s.change(created, 1, text="tarps, 3 left")
    withdrawn = s.change(created, 2, status=Status.WITHDRAWN)
    board = Board()
    for rec in (withdrawn, created, edited):
        board.apply(rec)
    (entry,) = board
    assert entry.status == Status.WITHDRAWN


def test_status_only_moves_forward_even_with_a_higher_version() -> None:
    s = Signer(10)
    created = s.create("ride to clinic")
    done = s.change(created, 1, status=Status.FULFILLED)
    reopened = s.change(created, 2, status=Status.OPEN, text="ride to clinic (again)")
    board = Board()
    board.apply_all([reopened, done, created])
    (entry,) = board
    assert entry.status == Status.FULFILLED
    assert entry.content.body.text == "ride to clinic (again)"


def test_second_record_with_the_same_seq_is_kept_as_evidence() -> None:
    s = Signer(11)
    first = s.create("water jugs")
    s.seq -= 1
    second = s.create("something else")
    forward, backward = Board(), Board()
    assert forward.apply(first) == Outcome.NEW
    assert forward.apply(second) == Outcome.EQUIVOCATION
    assert backward.apply(second) == Outcome.NEW
    assert backward.apply(first) == Outcome.EQUIVOCATION
    assert forward.state_hash() == backward.state_hash()
    assert forward.evidence[first.record_id] == {first.raw, second.raw}
    assert forward.apply(first) in (Outcome.DUPLICATE, Outcome.EQUIVOCATION)
    assert len(forward.entries) == 1


def test_changes_by_someone_else_are_refused() -> None:
    owner, other = Signer(12), Signer(13)
    created = owner.create("diapers size 4")
    forged = other.make(entry_seq=created.body.seq, version=1, entry_origin=owner.origin,
                        status=Status.WITHDRAWN)
    board = Board()
    board.apply(created)
    assert board.apply(forged) == Outcome.UNAUTHORISED
    (entry,) = board
    assert entry.status == Status.OPEN

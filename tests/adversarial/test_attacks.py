"""Every class of attack in the suite is rejected: nothing stored, held or relayed."""

from __future__ import annotations

from pathlib import Path

import pytest
from adversarial.attacks import ATTACKS, Outcome, Target, run_attack

# Classes whose frames legitimately change the store: an equivocation is kept as
# evidence (and the lower-digest record of the two counts on every node).
CHANGES_STORE = {"equivocation (a member signs two records for one seq)"}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    target = Target(Path(tmp_path_factory.mktemp("adversarial")))
    try:
        return {name: run_attack(target, name, count=6) for name in ATTACKS}
    finally:
        target.close()


@pytest.mark.parametrize("name", list(ATTACKS))
def test_each_attack_is_rejected_with_nothing_stored_or_relayed(
    outcomes: dict[str, Outcome], name: str
) -> None:
    o = outcomes[name]
    assert o.frames > 0
    assert (o.stored, o.held, o.relayed) == (0, 0, 0), o
    if name in CHANGES_STORE:
        assert o.equivocations >= 1, "the equivocating origin was not flagged"
    else:
        assert not o.store_changed, o

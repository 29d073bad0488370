import contextlib
import threading
from collections.abc import Iterator

import pytest
from waiting import wait_until


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Every radio, port and library interface a test opens is closed with its threads."""
    before = set(threading.enumerate())
    yield

    def leftovers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in before and t.is_alive()]

    with contextlib.suppress(AssertionError):
        wait_until(lambda: not leftovers(), timeout=10.0)
    assert [t.name for t in leftovers()] == []

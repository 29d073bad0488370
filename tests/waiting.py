"""Polling with a deadline, for tests that watch threads or processes do their work."""

import time
from collections.abc import Callable

TIMEOUT = 5.0


def wait_until(predicate: Callable[[], object], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)

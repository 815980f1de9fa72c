"""Writers racing a follower (the change feed's and the SET poll's race tests): the follower
runs until `stop` is set, which happens once every writer has finished."""

from __future__ import annotations

import threading
from collections.abc import Callable


def race(follow: Callable[[threading.Event], None], writers: list[Callable[[], None]], timeout: float = 120) -> None:
    """Start the follower, then the writers; when they are done, tell the follower to stop and
    wait for it (failing if it is still running after `timeout` seconds)."""
    stop = threading.Event()
    follower = threading.Thread(target=follow, args=(stop,))
    follower.start()
    threads = [threading.Thread(target=w) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    follower.join(timeout=timeout)
    assert not follower.is_alive(), "the follower did not finish"

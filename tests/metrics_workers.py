"""Worker processes counting into one PROMETHEUS_MULTIPROC_DIR, then a scrape of them all.

Run as `python -m tests.metrics_workers` with PROMETHEUS_MULTIPROC_DIR set (so prometheus-client
starts in multiprocess mode): one worker stays alive as the leader, one counts and exits, and
this process counts once more and prints its scrape after a line with the pids as JSON.
"""

from __future__ import annotations

import json
import os
import sys

from prometheus_client import generate_latest

from bot.web.metrics import Metrics


def count(leader: bool) -> Metrics:
    """What one worker counts: a handled /start, one sent delivery, its leader status."""
    metrics = Metrics()
    metrics.update_handled("telegram", "start", 0.05)
    metrics.delivered("telegram", "sent")
    metrics.leader.set(1 if leader else 0)
    return metrics


def fork_worker(leader: bool, *, stay: bool) -> tuple[int, int | None]:
    """A forked worker that counts; it stays until its pipe closes when `stay`."""
    ready_read, ready_write = os.pipe()
    stop_read, stop_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(stop_write)  # else the child itself would keep its stop pipe open
        count(leader)
        os.write(ready_write, b"x")
        if stay:
            os.read(stop_read, 1)
        os._exit(0)
    os.close(stop_read)
    os.read(ready_read, 1)
    if not stay:
        os.waitpid(pid, 0)
        return pid, None
    return pid, stop_write


def main() -> None:
    """Two workers (one alive), then this one; prints the pids and the scrape."""
    alive, stop = fork_worker(True, stay=True)
    gone, _ = fork_worker(False, stay=False)
    scraped = count(False).scrape({"pending": 2})
    print(json.dumps({"alive": alive, "gone": gone, "scraper": os.getpid()}))
    sys.stdout.write(generate_latest(scraped).decode())
    assert stop is not None
    os.close(stop)
    os.waitpid(alive, 0)


if __name__ == "__main__":
    main()

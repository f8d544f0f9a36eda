"""What the core reports about its work, for whoever watches (the web app's metrics).

The core knows nothing of Prometheus: it calls an Observer, which does nothing unless the
web app installs one that counts.
"""

from __future__ import annotations


class Observer:
    """Hooks called as updates are handled and messages sent; all of them do nothing here."""

    def update_handled(self, channel: str, route: str, seconds: float) -> None:
        """An update went through the dispatcher by `route` in `seconds`."""

    def delivered(self, channel: str, result: str) -> None:
        """One send of an outbox row: "sent", "retried", "flood" (429), "blocked" or "dead"."""


NOBODY = Observer()

"""The background retention pass DIAL_RETENTION_DAYS turns on: a daemon thread that
prunes finished dial requests soon after start and then every hour.

The deleting itself (small batches, one replica at a time) is the store's
(bot.store.retention); this only schedules it and logs what it did.
"""

from __future__ import annotations

import logging
import threading
import time

from bot import messages
from bot.store import Store
from bot.store.retention import PruneResult

log = logging.getLogger("bot.retention")

FIRST_PASS_AFTER_SECONDS = 30.0  # not during start-up, when the first dials arrive
INTERVAL_SECONDS = 3600.0


class RetentionPass:
    def __init__(
        self,
        store: Store,
        retention_days: float,
        *,
        first_after: float = FIRST_PASS_AFTER_SECONDS,
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self.store = store
        self.retention_days = retention_days
        self.first_after = first_after
        self.interval = interval
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="retention", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_once(self) -> PruneResult | None:
        """One pass; None when the database failed (logged, tried again next time)."""
        started = time.monotonic()
        try:
            result = self.store.prune_finished(self.retention_days)
        except Exception as error:
            log.warning(messages.LOG_STORE_FAILED, "the retention pass", type(error).__name__)
            return None
        if not result.ran:
            log.info(messages.LOG_PRUNE_SKIPPED)
        else:
            log.info(
                messages.LOG_PRUNED,
                result.removed,
                f"{result.cutoff:%Y-%m-%d %H:%M}",
                self.retention_days,
                time.monotonic() - started,
            )
        return result

    def _loop(self) -> None:
        wait = self.first_after
        while not self._stopped.wait(wait):
            self.run_once()
            wait = self.interval

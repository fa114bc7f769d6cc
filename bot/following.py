"""CallFollowing: follow placed calls (agent mode) and tell people each step.

Each placed call with an agent session is followed on a bounded pool of threads: the
placer's `follow_call` stream (ringing, connected, ended, or stopped following) is saved
on the record and handed to `on_progress` (the reporter edits the thread reply, the card
and the notification). With several replicas on one database, one process follows a
call at a time: it holds the call's lease in the store, renewed while it follows; a call
whose follower died is found by another replica's scan once the lease has run out, and
so is every call still inside its follow window after a restart.

It knows nothing of Slack: `on_progress` gets the record as saved.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import messages
from bot.calls import CallEvent, Connected, Ended, Placed, Ringing, StoppedFollowing
from bot.dialing import call_order
from bot.metrics import Metrics, NoMetrics
from bot.request_log import request_log
from bot.store import DialRequest
from bot.store.records import FollowState

log = logging.getLogger("bot.following")

FOLLOW_THREADS = 256  # calls followed at once by one process; more wait for a thread
LEASE_SECONDS = 60.0  # longer than one event poll (bot.cxone.agent.POLL_SECONDS) and then some
SCAN_SECONDS = 15.0  # how often a replica looks for calls nobody follows


def progress_fields(event: CallEvent) -> dict[str, Any]:
    """What an event changes on the record."""
    fields: dict[str, Any] = {}
    contact = getattr(event, "contact_id", None)
    if contact:
        fields["cxone_contact_id"] = contact
    if isinstance(event, Ringing):
        fields["follow_state"] = FollowState.RINGING
    elif isinstance(event, Connected):
        fields.update(follow_state=FollowState.CONNECTED, connected_at=event.at)
    elif isinstance(event, Ended):
        fields.update(ended_at=event.at, disconnect_code=event.disconnect_code)
        if event.connected:
            fields["follow_state"] = FollowState.ENDED
        else:
            fields.update(follow_state=FollowState.FAILED, follow_note=event.reason)
    elif isinstance(event, StoppedFollowing):
        fields.update(follow_state=FollowState.STOPPED, follow_note=event.reason)
    return fields


class CallFollowing:
    """Thread-safe. `placer.follow_call` must take `until` and `keep_going` (AgentPlacer)."""

    def __init__(
        self,
        store: Any,
        placer: Any,
        on_progress: Callable[[DialRequest], None],
        *,
        follow_seconds: float,
        workers: int = FOLLOW_THREADS,
        lease_seconds: float = LEASE_SECONDS,
        scan_seconds: float = SCAN_SECONDS,
        holder: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics or NoMetrics()
        self.placer = placer
        self.on_progress = on_progress
        self.follow_seconds = follow_seconds
        self.workers = workers
        self.lease_seconds = lease_seconds
        self.scan_seconds = scan_seconds
        self.holder = holder or f"follower-{uuid.uuid4().hex[:12]}"
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="follow")
        self._active: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._scanner: threading.Thread | None = None

    # --- starting and stopping -----------------------------------------------------------

    def start(self) -> None:
        """Pick up calls nobody follows now (after a restart, say) and every scan_seconds."""
        self._scanner = threading.Thread(target=self._scan_forever, name="follow-scan", daemon=True)
        self._scanner.start()

    def stop(self, *, release_leases: bool = True) -> None:
        """Followers stop at their next poll (within one poll's wait; nobody waits for
        them). Their leases are released at once, so another replica (or this one after a
        restart) takes the calls over without waiting them out; `release_leases=False`
        leaves them as a crash would."""
        self._stopping.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        if not release_leases:
            return
        with self._lock:
            active = list(self._active)
        for request_id in active:
            try:
                self.store.release_follow_lease(request_id, self.holder)
            except Exception as error:  # it runs out on its own
                log.warning(messages.LOG_STORE_FAILED, "releasing a lease", type(error).__name__)

    @property
    def following(self) -> int:
        with self._lock:
            return len(self._active)

    # --- following -----------------------------------------------------------------------

    def follow(self, request: DialRequest) -> bool:
        """Follow a call this process just placed; False when it is not followed here."""
        if not request.session_id or self._stopping.is_set():
            return False
        return self._claim(request.id)

    def scan(self) -> int:
        """Take over calls inside their window that no live follower holds; how many."""
        since = datetime.now(UTC) - timedelta(seconds=self.follow_seconds)
        taken = 0
        for request in self.store.followable(since):
            if self._stopping.is_set() or self.following >= self.workers:
                break
            if self._claim(request.id):
                taken += 1
        return taken

    def _claim(self, request_id: str) -> bool:
        with self._lock:
            if request_id in self._active or len(self._active) >= self.workers:
                return False
            self._active.add(request_id)
        try:
            taken = self.store.take_follow_lease(request_id, self.holder, self.lease_seconds)
        except Exception as error:
            request_log(request_id, log).warning(
                messages.LOG_STORE_FAILED, "taking the follow lease", type(error).__name__
            )
            taken = False
        if taken:
            try:
                self._pool.submit(self._follow, request_id)
                self.metrics.call_followed()
                return True
            except RuntimeError:  # shutting down
                self.store.release_follow_lease(request_id, self.holder)
        with self._lock:
            self._active.discard(request_id)
        return False

    def _follow(self, request_id: str) -> None:
        rlog = request_log(request_id, log)
        try:
            self._follow_until_done(request_id, rlog)
        except Exception:
            rlog.exception(messages.LOG_UNHANDLED, request_id)
        finally:
            with self._lock:
                self._active.discard(request_id)
            if not self._stopping.is_set():  # stop() released it (or left it, as a crash)
                try:
                    self.store.release_follow_lease(request_id, self.holder)
                except Exception as error:  # it runs out on its own
                    what = "releasing the lease"
                    rlog.warning(messages.LOG_STORE_FAILED, what, type(error).__name__)

    def _follow_until_done(self, request_id: str, rlog) -> None:
        request = self.store.get_request(request_id)
        if request is None or request.finished_at is None or not request.session_id:
            return
        placed = Placed(
            request.cxone_contact_id, request.correlation_id, 1, session_id=request.session_id
        )
        until = request.finished_at + timedelta(seconds=self.follow_seconds)
        renewed_at = time.monotonic()

        def keep_going() -> bool:
            nonlocal renewed_at
            if self._stopping.is_set():
                return False
            if time.monotonic() - renewed_at < self.lease_seconds / 3:
                return True
            if not self.store.take_follow_lease(request_id, self.holder, self.lease_seconds):
                rlog.info(messages.LOG_FOLLOW_LEASE_LOST)
                return False
            renewed_at = time.monotonic()
            return True

        events = self.placer.follow_call(
            call_order(request),
            placed,
            until=until,
            keep_going=keep_going,
            connected_at=request.connected_at,
        )
        for event in events:
            rlog.info(messages.LOG_FOLLOW_EVENT, type(event).__name__)
            if isinstance(event, StoppedFollowing):
                rlog.info(messages.LOG_FOLLOW_STOPPED, event.reason)
            self.store.record_progress(request_id, **progress_fields(event))
            saved = self.store.get_request(request_id)
            if saved is not None:
                self.on_progress(saved)

    def _scan_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                self.scan()
            except Exception as error:
                log.warning(
                    messages.LOG_STORE_FAILED, "looking for calls to follow", type(error).__name__
                )
            self._stopping.wait(self.scan_seconds)

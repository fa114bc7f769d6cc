"""DialFrontEnd: what every Slack listener needs, built once by build_app().

Placing a call runs on `dial_executor`, a pool of its own, so a slow CXone can never
hold up Bolt's listener threads and with them the acks. When a dial ends, its outcome
is reported and the homes of the people it belongs to are published again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

from bot import messages
from bot.dialing import DialService
from bot.following import CallFollowing
from bot.health import Readiness
from bot.metrics import Metrics, NoMetrics
from bot.request_log import request_log
from bot.retention_pass import RetentionPass
from bot.slack.dial_modal import DialModal
from bot.slack.home import AppHome
from bot.slack.reporter import ChannelPost, OutcomeReporter
from bot.slack.users import UserDirectory
from bot.store import DialRequest

log = logging.getLogger("bot.slack")


@dataclass
class DialFrontEnd:
    service: DialService
    users: UserDirectory
    reporter: OutcomeReporter
    modal: DialModal
    home: AppHome
    dial_executor: Executor
    recovery_timer: threading.Timer | None = None  # the second start-up recovery pass
    metrics: Metrics = field(default_factory=NoMetrics)
    readiness: Readiness | None = None  # GET /readyz: whether the database answers
    following: CallFollowing | None = None  # agent mode: follows placed calls
    retention: RetentionPass | None = None  # DIAL_RETENTION_DAYS's background pass
    # Where the card buttons' work runs after their ack (build_app: Bolt's listener
    # pool); None runs it in the caller's thread, for tests that build a front end.
    after_ack_executor: Executor | None = None

    def after_ack(self, work: Callable[[dict[str, Any]], None], body: dict[str, Any]) -> None:
        """Run `work(body)` once the ack has gone: what a Bolt lazy listener does, without
        the deep copy of the whole request Bolt makes for each one (8 % of the process's
        CPU while Dial presses arrive, bench/RESULTS.md, issue 16)."""
        if self.after_ack_executor is None:
            self._run_after_ack(work, body)
            return
        try:
            self.after_ack_executor.submit(self._run_after_ack, work, body)
        except RuntimeError:  # shutting down: do it here rather than drop a press
            self._run_after_ack(work, body)

    @staticmethod
    def _run_after_ack(work: Callable[[dict[str, Any]], None], body: dict[str, Any]) -> None:
        try:
            work(body)
        except Exception:
            log.exception(messages.LOG_UNHANDLED, "after the ack")

    # Posts the channel message while CXone is asked, so Slack never delays a call;
    # None: posted first, in the dial's thread (tests that want one order).
    announce_executor: Executor | None = None

    def start_dial(self, request: DialRequest) -> None:
        """Place a claimed request on the dial pool and report its outcome."""
        try:
            self.dial_executor.submit(self.place_and_report, request)
        except RuntimeError:  # shutting down: the request is ours already, so finish it here
            self.place_and_report(request)

    def place_and_report(self, request: DialRequest) -> None:
        announced = self._start_announcing(request)
        try:
            final = self.service.place(request)
            self.reporter.report(final, announced.result())
            if self.following is not None and final.session_id:
                self.following.follow(final)
        except Exception:
            request_log(request.id, log).exception(messages.LOG_UNHANDLED, request.id)
            return
        self.home.refresh_after(final)

    def _start_announcing(self, request: DialRequest) -> Future[ChannelPost | None]:
        """The channel post goes up as the call starts, beside the dial (Slack's answer
        is awaited only to report the outcome in its thread)."""
        if self.announce_executor is not None:
            try:
                return self.announce_executor.submit(self._announce, request)
            except RuntimeError:  # shutting down: post it here
                pass
        done: Future[ChannelPost | None] = Future()
        done.set_result(self._announce(request))
        return done

    def _announce(self, request: DialRequest) -> ChannelPost | None:
        """The channel reads "is calling" only while CXone is asked, and a crash leaves a
        post the restart can correct. Nothing here may keep the call from being placed."""
        try:
            return self.reporter.announce(request)
        except Exception:
            request_log(request.id, log).exception(messages.LOG_UNHANDLED, request.id)
            return None

"""build_app(): settings in, a Bolt App with the /dial listeners out.

Wires the store, the call placer (chosen once, from CXONE_API), DialService, the Slack
WebClient (retrying on 429 and connection errors) and two thread pools: Bolt's listener
pool, which only runs short ack-path work, and the dial pool, which waits on CXone.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot import messages
from bot.calls import CallPlacer
from bot.config import Settings
from bot.cxone import CXoneHttp, JourneyPlacer, TokenClient
from bot.dialing import DialService
from bot.phone import PhonePolicy
from bot.slack.dial_modal import DialModal
from bot.slack.front_end import DialFrontEnd
from bot.slack.home import AppHome
from bot.slack.listeners import register
from bot.slack.reporter import OutcomeReporter, Presentation
from bot.slack.users import UserDirectory
from bot.store import Store
from bot.store.link_report import start_log_lines

log = logging.getLogger("bot.slack")

LISTENER_THREADS = 32  # Bolt's default is 5: five slow listeners would delay every ack
DIAL_THREADS = 32  # calls waiting on CXone at once
SLACK_TIMEOUT = 10  # seconds per Web API call
LOOKUP_TIMEOUT = 2  # user lookups run before an ack: Slack gives us 3 s in all

_front_ends: weakref.WeakKeyDictionary[App, DialFrontEnd] = weakref.WeakKeyDictionary()


def build_client(settings: Settings) -> WebClient:
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT,
    )
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=1),
        RateLimitErrorRetryHandler(max_retry_count=2),
    ]
    return client


def lookup_client(client: WebClient) -> WebClient:
    """A client for lookups and views on an ack path: short timeout, and no waiting out a
    429 (a Retry-After of 30 s would blow Slack's 3 s, or a trigger_id's); a failure is
    reported instead. The App Home publishes on it too: a home is never worth a thread."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=LOOKUP_TIMEOUT)


def build_journey_placer(settings: Settings) -> JourneyPlacer:
    tokens = TokenClient(
        settings.token_url,
        settings.cxone_oauth_client_id,
        settings.cxone_oauth_client_secret,
        grant_type=settings.cxone_oauth_grant_type,
        timeout=settings.cxone_http_timeout,
    )
    assert settings.cxone_outbound_campaign_id  # load_settings() requires it in journey mode
    http = CXoneHttp(tokens, timeout=settings.cxone_http_timeout)
    return JourneyPlacer(settings.cxone_base_url, http, settings.cxone_outbound_campaign_id)


# One builder per CXONE_API value; Settings accepts no other value.
PLACERS = {"journey": build_journey_placer}


def build_placer(settings: Settings) -> CallPlacer:
    return PLACERS[settings.cxone_api](settings)


def open_store(settings: Settings) -> Store:
    """The store, with DIAL_AGENT_MAP loaded where no person decided otherwise."""
    store = Store.open(settings.database_url)
    if settings.dial_agent_map is not None:
        report = store.import_links(settings.dial_agent_map)
        for level, line in start_log_lines(settings.dial_agent_map, report):
            log.log(level, line)
    return store


def build_front_end(
    settings: Settings,
    store: Store,
    placer: CallPlacer,
    client: WebClient,
    dial_executor: Executor | None = None,
) -> DialFrontEnd:
    """The service, the user directory and the reporter the listeners share."""
    policy = PhonePolicy(
        default_region=settings.dial_default_region,
        allowed_regions=frozenset(settings.dial_allowed_regions),
    )
    service = DialService(
        store,
        placer,
        phone_policy=policy,
        admins=settings.dial_admins,
        supervisors=settings.dial_supervisors,
        default_contact_id=settings.cxone_default_contact_id,
        confirm_ttl_seconds=settings.dial_confirm_ttl_seconds,
        rate_limit_per_minute=settings.dial_rate_limit_per_minute,
    )
    quick = lookup_client(client)
    users = UserDirectory(quick)
    presentation = Presentation(
        phone_policy=policy,
        mask_numbers=settings.dial_mask_numbers,
        confirm_ttl_seconds=settings.dial_confirm_ttl_seconds,
    )
    reporter = OutcomeReporter(
        client, service, users, presentation, notify_channel=settings.dial_notify_channel
    )
    return DialFrontEnd(
        service=service,
        users=users,
        reporter=reporter,
        modal=DialModal(quick, service),
        # state_reader: connect the agent-state read here to show it on the home.
        home=AppHome(quick, service, presentation),
        dial_executor=dial_executor
        or ThreadPoolExecutor(max_workers=DIAL_THREADS, thread_name_prefix="dial"),
        # A caller that brings its own dial executor (tests: inline) gets posts in order.
        announce_executor=None
        if dial_executor
        else ThreadPoolExecutor(max_workers=DIAL_THREADS, thread_name_prefix="announce"),
    )


def build_app(
    settings: Settings,
    *,
    store: Store | None = None,
    placer: CallPlacer | None = None,
    client: WebClient | None = None,
    recover: bool = True,
) -> App:
    client = client or build_client(settings)
    front = build_front_end(
        settings, store or open_store(settings), placer or build_placer(settings), client
    )
    signing_secret = settings.slack_signing_secret
    app = App(
        client=client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else None,
        process_before_response=True,
        # Every HTTP request must carry Slack's signature (Bolt answers 401 otherwise);
        # Socket Mode payloads come over the app-token connection and are not signed.
        request_verification_enabled=signing_secret is not None or not settings.socket_mode,
        # auth.test at start proves the bot token early; the local stand-in answers it too.
        token_verification_enabled=True,
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="slack-listener"
        ),
    )
    register(app, front)
    _front_ends[app] = front
    if recover:
        front.dial_executor.submit(_recover_stuck, front)
        front.recovery_timer = _recover_again_later(front)
    return app


def front_end(app: App) -> DialFrontEnd:
    """The service and pools behind an app made by build_app()."""
    return _front_ends[app]


def shutdown(app: App, *, wait: bool = True) -> None:
    """Let dials in flight finish (they are recorded as DIALING until they do)."""
    front = _front_ends.get(app)
    if front is None:
        return
    if front.recovery_timer is not None:
        front.recovery_timer.cancel()
    front.dial_executor.shutdown(wait=wait)
    if front.announce_executor is not None:
        front.announce_executor.shutdown(wait=wait)


def _recover_again_later(front: DialFrontEnd) -> threading.Timer:
    """The pass at start leaves young DIALING requests alone (another replica may still be
    placing them), and so also one this host's crash left a moment before the restart.
    Once stuck_after_seconds have passed, every request that was DIALING when this process
    started is stuck: one more pass, over those only, tells their requesters too."""
    started = time.monotonic()

    def again() -> None:
        _recover_stuck(front, older_than_seconds=time.monotonic() - started)

    timer = threading.Timer(front.service.stuck_after_seconds, again)
    timer.daemon = True
    timer.start()
    return timer


def _recover_stuck(front: DialFrontEnd, older_than_seconds: float | None = None) -> None:
    try:
        recovered = front.service.recover_stuck(older_than_seconds)
    except Exception:
        log.exception(messages.LOG_STORE_FAILED, "start-up recovery", "see traceback")
        return
    for request in recovered:
        try:
            front.reporter.report_recovered(request)
        except Exception:
            log.exception(messages.LOG_UNHANDLED, request.id)
        front.home.refresh_after(request)

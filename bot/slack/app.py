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
from bot.agent_state import AgentReadiness, StateCheck
from bot.calls import CallPlacer
from bot.config import Settings
from bot.cxone import CXoneAdmin, CXoneHttp, JourneyPlacer, TokenClient
from bot.cxone.agent import POLL_SECONDS, AgentPlacer, events_session
from bot.cxone.agent_auth import AgentSignIn
from bot.dialing import DialService
from bot.email_links import EmailLinker
from bot.following import FOLLOW_THREADS, SCAN_SECONDS, CallFollowing
from bot.health import Readiness
from bot.metrics import Metrics, NoMetrics, Stopwatch, ack_surface
from bot.phone import PhonePolicy
from bot.retention_pass import RetentionPass
from bot.slack.dial_modal import DialModal
from bot.slack.front_end import DialFrontEnd
from bot.slack.home import AppHome
from bot.slack.listeners import register
from bot.slack.reporter import OutcomeReporter, Presentation
from bot.slack.users import UserDirectory
from bot.slack.web_client import CountingWebClient
from bot.store import Store
from bot.store.link_report import start_log_lines
from bot.store.records import OPEN_FOLLOW_STATES

log = logging.getLogger("bot.slack")

LISTENER_THREADS = 32  # Bolt's default is 5: five slow listeners would delay every ack
DIAL_THREADS = 32  # calls waiting on CXone at once
SLACK_TIMEOUT = 10  # seconds per Web API call
LOOKUP_TIMEOUT = 2  # user lookups run before an ack: Slack gives us 3 s in all

_front_ends: weakref.WeakKeyDictionary[App, DialFrontEnd] = weakref.WeakKeyDictionary()


def build_metrics(settings: Settings) -> Metrics:
    """This app's own metrics (each app its own registry), or none when turned off."""
    return Metrics() if settings.metrics_enabled else NoMetrics()


def build_client(settings: Settings, metrics: Metrics | None = None) -> WebClient:
    client = CountingWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT,
        metrics=metrics,
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
    return CountingWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=LOOKUP_TIMEOUT,
        metrics=getattr(client, "metrics", None),
    )


def build_journey_placer(settings: Settings, metrics: Metrics | None = None) -> JourneyPlacer:
    tokens = TokenClient(
        settings.token_url,
        settings.cxone_oauth_client_id,
        settings.cxone_oauth_client_secret,
        grant_type=settings.cxone_oauth_grant_type,
        timeout=settings.cxone_http_timeout,
        metrics=metrics,
    )
    # load_settings() requires both in journey mode
    assert settings.cxone_outbound_campaign_id and settings.cxone_base_url
    http = CXoneHttp(tokens, timeout=settings.cxone_http_timeout, metrics=metrics)
    return JourneyPlacer(settings.cxone_base_url, http, settings.cxone_outbound_campaign_id)


def build_agent_sign_in(settings: Settings) -> AgentSignIn:
    # load_settings() requires the access key in agent mode
    assert settings.cxone_access_key_id and settings.cxone_access_key_secret
    return AgentSignIn(
        auth_url=settings.cxone_auth_url,
        client_id=settings.cxone_oauth_client_id,
        client_secret=settings.cxone_oauth_client_secret,
        access_key_id=settings.cxone_access_key_id,
        access_key_secret=settings.cxone_access_key_secret,
        token_url=settings.cxone_token_url,
        tenant_id=settings.cxone_tenant_id,
        base_url=settings.cxone_base_url,
        timeout=settings.cxone_http_timeout,
    )


def build_agent_placer(settings: Settings, metrics: Metrics | None = None) -> AgentPlacer:
    sign_in = build_agent_sign_in(settings)
    timeout = settings.cxone_http_timeout
    return AgentPlacer(
        sign_in,
        CXoneHttp(sign_in, timeout=timeout, metrics=metrics),
        api_version=settings.cxone_api_version,
        skill_id=settings.cxone_outbound_skill_id,
        # a long poll answers after up to POLL_SECONDS: its reads wait that much longer
        events_http=CXoneHttp(
            sign_in,
            timeout=timeout + POLL_SECONDS,
            session=events_session(FOLLOW_THREADS),
            metrics=metrics,
        ),
        follow_seconds=settings.dial_follow_call_seconds,
    )


# One builder per CXONE_API value; Settings accepts no other value. Each takes the
# app's metrics, for its CXone requests and token fetches.
PLACERS = {"journey": build_journey_placer, "agent": build_agent_placer}


def build_placer(settings: Settings, metrics: Metrics | None = None) -> CallPlacer:
    return PLACERS[settings.cxone_api](settings, metrics)


def build_admin(settings: Settings, placer: CallPlacer) -> CXoneAdmin | None:
    """CXone's admin reads, with the placer's token and retry policy; None for a placer
    that does not speak to CXone over HTTP (the fake placer): no tenant to read. Agent
    mode's placer has its own, on the discovered API host."""
    own = getattr(placer, "admin", None)
    if isinstance(own, CXoneAdmin):
        return own
    http = getattr(placer, "http", None)
    if not isinstance(http, CXoneHttp):
        return None
    return CXoneAdmin(settings.cxone_base_url, http, version=settings.cxone_api_version)


def build_readiness(settings: Settings, admin: CXoneAdmin | None) -> AgentReadiness | None:
    """The agent-state check, or None when DIAL_AGENT_STATE_CHECK=off (no state requests)."""
    if settings.dial_agent_state_check == StateCheck.OFF or admin is None:
        return None
    return AgentReadiness(
        admin,
        mode=settings.dial_agent_state_check,
        ready_states=settings.dial_agent_ready_states,
        budget_seconds=settings.dial_agent_state_budget_ms / 1000,
        max_age_seconds=settings.dial_agent_state_max_age_seconds,
    )


def open_store(settings: Settings) -> Store:
    """The store, with DIAL_AGENT_MAP loaded where no person decided otherwise."""
    store = Store.open(settings.database_url)
    if settings.dial_agent_map is not None:
        report = store.import_links(settings.dial_agent_map)
        for level, line in start_log_lines(settings.dial_agent_map, report):
            log.log(level, line)
    return store


def phone_policy(settings: Settings) -> PhonePolicy:
    return PhonePolicy(
        default_region=settings.dial_default_region,
        allowed_regions=frozenset(settings.dial_allowed_regions),
    )


def build_service(
    settings: Settings,
    store: Store,
    placer: CallPlacer,
    policy: PhonePolicy,
    metrics: Metrics,
    readiness: AgentReadiness | None,
    linker: EmailLinker | None,
) -> DialService:
    return DialService(
        store,
        placer,
        phone_policy=policy,
        admins=settings.dial_admins,
        supervisors=settings.dial_supervisors,
        default_contact_id=settings.cxone_default_contact_id,
        confirm_ttl_seconds=settings.dial_confirm_ttl_seconds,
        rate_limit_per_minute=settings.dial_rate_limit_per_minute,
        metrics=metrics,
        readiness=readiness,
        email_linker=linker,
    )


def build_front_end(
    settings: Settings,
    store: Store,
    placer: CallPlacer,
    client: WebClient,
    dial_executor: Executor | None = None,
    metrics: Metrics | None = None,
    *,
    admin: CXoneAdmin | None = None,
) -> DialFrontEnd:
    """The service, the user directory and the reporter the listeners share. `admin`
    reads agent states (default: with the placer's CXone token, see build_admin())."""
    metrics = metrics or NoMetrics()
    admin = admin or build_admin(settings, placer)
    agent_readiness = build_readiness(settings, admin)
    quick = lookup_client(client)
    users = UserDirectory(quick)
    linker = None
    if admin is not None:
        linker = EmailLinker(admin, users.email_of, store, first_use=settings.dial_link_by_email)
    policy = phone_policy(settings)
    service = build_service(settings, store, placer, policy, metrics, agent_readiness, linker)
    presentation = Presentation(
        phone_policy=policy,
        mask_numbers=settings.dial_mask_numbers,
        confirm_ttl_seconds=settings.dial_confirm_ttl_seconds,
    )
    readiness = Readiness(store.engine) if hasattr(store, "engine") else None
    if readiness is not None:
        metrics.watch_readiness(readiness.problem)
    reporter = OutcomeReporter(
        client, service, users, presentation, notify_channel=settings.dial_notify_channel
    )
    return DialFrontEnd(
        service=service,
        users=users,
        reporter=reporter,
        modal=DialModal(quick, service),
        home=AppHome(
            quick,
            service,
            presentation,
            state_reader=agent_readiness.words if agent_readiness else None,
            link_by_email=settings.dial_link_by_email,
        ),
        dial_executor=dial_executor
        or ThreadPoolExecutor(max_workers=DIAL_THREADS, thread_name_prefix="dial"),
        # A caller that brings its own dial executor (tests: inline) gets posts in order.
        announce_executor=None
        if dial_executor
        else ThreadPoolExecutor(max_workers=DIAL_THREADS, thread_name_prefix="announce"),
        metrics=metrics,
        readiness=readiness,
    )


def build_app(
    settings: Settings,
    *,
    store: Store | None = None,
    placer: CallPlacer | None = None,
    client: WebClient | None = None,
    recover: bool = True,
    admin: CXoneAdmin | None = None,
    follow_options: dict[str, float] | None = None,
    metrics: Metrics | None = None,
) -> App:
    """`recover`: recover stuck dials at start and pick up calls nobody follows;
    `follow_options`: CallFollowing's lease_seconds, scan_seconds, workers (tests)."""
    metrics = metrics or build_metrics(settings)
    client = client or build_client(settings, metrics)
    store = store or open_store(settings)
    front = build_front_end(
        settings,
        store,
        placer or build_placer(settings, metrics),
        client,
        metrics=metrics,
        admin=admin,
    )
    signing_secret = settings.slack_signing_secret
    # Bolt's lazy listeners and the card buttons' after-ack work (front.after_ack).
    listener_pool = ThreadPoolExecutor(
        max_workers=LISTENER_THREADS, thread_name_prefix="slack-listener"
    )
    app = App(
        client=client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else None,
        process_before_response=True,
        # Every HTTP request must carry Slack's signature (Bolt answers 401 otherwise);
        # Socket Mode payloads come over the app-token connection and are not signed.
        request_verification_enabled=signing_secret is not None or not settings.socket_mode,
        # auth.test at start proves the bot token early; the local stand-in answers it too.
        token_verification_enabled=True,
        listener_executor=listener_pool,
    )
    app.use(ack_timer(metrics))
    front.after_ack_executor = listener_pool
    register(app, front)
    _front_ends[app] = front
    front.following = _following(settings, front, front.service.placer, follow_options or {})
    if front.following is not None and recover:
        front.following.start()
    if recover:
        front.dial_executor.submit(_recover_stuck, front)
        front.recovery_timer = _recover_again_later(front)
        if settings.dial_retention_days is not None:
            front.retention = RetentionPass(store, settings.dial_retention_days)
            front.retention.start()
    return app


def ack_timer(metrics: Metrics):
    """Bolt middleware timing each request's listener, the ack included (the app
    processes before it answers, so the answer follows the ack listener)."""

    def time_the_ack(body: dict, next) -> object:  # noqa: A002 (Bolt names it `next`)
        watch = Stopwatch()
        try:
            return next()
        finally:
            metrics.ack(ack_surface(body), watch.seconds)

    return time_the_ack


def _following(
    settings: Settings, front: DialFrontEnd, placer: CallPlacer, options: dict[str, float]
) -> CallFollowing | None:
    """Agent mode follows each placed call and edits its messages as it goes."""
    if not isinstance(placer, AgentPlacer):
        return None
    store = front.service.store

    def on_progress(request) -> None:
        front.reporter.report_progress(request)
        if request.follow_state not in OPEN_FOLLOW_STATES:
            front.home.refresh_after(request)

    lease = settings.dial_follow_lease_seconds
    # A follower renews its lease between polls: a poll must stay well inside the lease.
    placer.poll_seconds = min(POLL_SECONDS, max(1, int(lease / 3)))
    tuning = {"lease_seconds": lease, "scan_seconds": min(SCAN_SECONDS, lease / 4), **options}
    return CallFollowing(
        store,
        placer,
        on_progress,
        follow_seconds=settings.dial_follow_call_seconds,
        metrics=front.metrics,
        **tuning,
    )


def front_end(app: App) -> DialFrontEnd:
    """The service and pools behind an app made by build_app()."""
    return _front_ends[app]


def front_end_of(app: App) -> DialFrontEnd | None:
    """The front end behind `app`, or None when build_app() did not make it."""
    return _front_ends.get(app)


def shutdown(app: App, *, wait: bool = True) -> None:
    """Let dials in flight finish (they are recorded as DIALING until they do)."""
    front = _front_ends.get(app)
    if front is None:
        return
    if front.recovery_timer is not None:
        front.recovery_timer.cancel()
    if front.retention is not None:
        front.retention.stop()
    front.dial_executor.shutdown(wait=wait)
    if front.announce_executor is not None:
        front.announce_executor.shutdown(wait=wait)
    if front.service.readiness is not None:
        front.service.readiness.close()
    if front.service.email_linker is not None:
        front.service.email_linker.close()
    if front.following is not None:
        front.following.stop()


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

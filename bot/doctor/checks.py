"""The doctor's checks: one small function each, and CHECKS, the list it runs.

A check takes the DoctorContext and returns a Finding; it never places a call and
never changes anything (no database is created or upgraded, no message is posted).
Each remote call gets `context.timeout` as its timeout and no retries of its own.
To add a check, write its function and add a Check to the lists below, with `needs`
naming the checks whose success it depends on. The CXone checks are in cxone_checks.py;
agent mode adds the discovered API host, which the admin reads then wait for.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import messages
from bot.doctor.context import DoctorContext
from bot.doctor.cxone_checks import (
    agents_read_applies,
    check_api_host,
    check_cxone_agents,
    check_cxone_state,
    check_cxone_token,
    state_read_applies,
)
from bot.doctor.report import Finding, failed, passed, skipped
from bot.doctor.runner import Check
from bot.slack.scopes import BOT_SCOPES
from bot.store.engine import (
    check_connection,
    create_store_engine,
    describe_url,
    missing_sqlite_file,
)
from bot.store.errors import SchemaOutdated, StoreError
from bot.store.migrate import check_current, head_revision, is_known_revision, schema_state

# Slack's errors for a token that is wrong, revoked or of the wrong kind.
TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)


def check_settings(context: DoctorContext) -> Finding:
    if context.settings is None:
        problems = messages.doctor_settings_problems(context.settings_problem or "")
        return failed(problems, messages.DOCTOR_SETTINGS_FIX)
    settings = context.settings
    if settings.socket_mode:
        mode = messages.doctor_socket_mode(settings.host, settings.port)
    else:
        mode = messages.doctor_http_mode(settings.host, settings.port)
    return passed(messages.doctor_settings_ok(mode, settings.cxone_api))


def check_database(context: DoctorContext) -> Finding:
    url = context.ready.database_url
    missing = missing_sqlite_file(url)
    if missing is not None:  # opening it would create it: say what a start would do
        if not missing.parent.is_dir():
            return failed(
                messages.doctor_sqlite_no_directory(missing), messages.DOCTOR_SQLITE_DIRECTORY_FIX
            )
        return passed(messages.doctor_sqlite_missing(missing))
    try:
        engine = create_store_engine(url)
    except StoreError as error:
        return failed(str(error))
    try:
        return _schema_finding(engine)
    finally:
        engine.dispose()


def _schema_finding(engine) -> Finding:
    where = describe_url(engine.url)
    try:
        check_connection(engine)
        check_current(engine)
    except SchemaOutdated as outdated:
        current, has_tables = schema_state(engine)
        if current is None and not has_tables:
            return passed(messages.doctor_database_empty(where))
        if current is not None and is_known_revision(current):
            return passed(messages.doctor_database_upgradable(where, current, head_revision()))
        return failed(str(outdated))
    except StoreError as error:
        return failed(str(error))
    return passed(messages.doctor_database_current(where, head_revision()))


def _slack(token: str, context: DoctorContext) -> WebClient:
    client = WebClient(token=token, base_url=context.ready.slack_api_url, timeout=context.timeout)
    client.retry_handlers = []  # one try: the runner bounds the check
    return client


def _slack_failure(what: str, error: Exception, context: DoctorContext, fix: str) -> Finding:
    if isinstance(error, SlackApiError):
        code = _error_code(error)
        if code in TOKEN_ERRORS or code == "not_allowed_token_type":
            return failed(messages.doctor_slack_refused(what, code), fix)
        return failed(messages.doctor_slack_refused(what, code))
    reason = str(getattr(error, "reason", "") or type(error).__name__)
    where = context.ready.slack_api_url
    return failed(messages.doctor_slack_unreachable(where, reason), messages.DOCTOR_NETWORK_FIX)


def _error_code(error: SlackApiError) -> str:
    data = getattr(error.response, "data", None)
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    return f"HTTP {getattr(error.response, 'status_code', '?')}"


def check_slack_token(context: DoctorContext) -> Finding:
    token = context.ready.slack_bot_token.get_secret_value()
    try:
        answer = _slack(token, context).auth_test()
    except Exception as error:  # SlackApiError, or the connection
        return _slack_failure("bot token", error, context, messages.DOCTOR_SLACK_TOKEN_FIX)
    headers = {name.lower(): value for name, value in (answer.headers or {}).items()}
    if "x-oauth-scopes" in headers:
        granted = str(headers["x-oauth-scopes"])
        context.granted_scopes = [s.strip() for s in granted.split(",") if s.strip()]
    if not answer.get("bot_id"):
        return failed(messages.DOCTOR_NOT_A_BOT_TOKEN, messages.DOCTOR_SLACK_TOKEN_FIX)
    return passed(
        messages.doctor_slack_identity(
            str(answer.get("user")),
            str(answer.get("user_id")),
            str(answer.get("team")),
            str(answer.get("team_id")),
        )
    )


def check_slack_scopes(context: DoctorContext) -> Finding:
    granted = context.granted_scopes
    if granted is None:
        return failed(messages.DOCTOR_NO_SCOPES_HEADER, messages.DOCTOR_NO_SCOPES_FIX)
    missing = [scope for scope in BOT_SCOPES if scope not in granted]
    if missing:
        return failed(messages.doctor_scopes_missing(missing), messages.DOCTOR_SCOPES_FIX)
    return passed(messages.doctor_scopes_ok(list(BOT_SCOPES)))


def check_app_token(context: DoctorContext) -> Finding:
    app_token = context.ready.slack_app_token
    if app_token is None:
        return skipped(messages.DOCTOR_APP_TOKEN_UNSET)
    token = app_token.get_secret_value()
    try:
        _slack(token, context).apps_connections_open(app_token=token)
    except SlackApiError as error:
        if _error_code(error) == "socket_mode_not_enabled":
            refused = messages.doctor_slack_refused("app-level token", "socket_mode_not_enabled")
            return failed(refused, messages.DOCTOR_SOCKET_MODE_OFF_FIX)
        return _slack_failure("app-level token", error, context, messages.DOCTOR_APP_TOKEN_FIX)
    except Exception as error:
        return _slack_failure("app-level token", error, context, messages.DOCTOR_APP_TOKEN_FIX)
    return passed(messages.DOCTOR_APP_TOKEN_OK)


def check_notify_channel(context: DoctorContext) -> Finding:
    channel = context.ready.dial_notify_channel
    if channel is None:
        return skipped(messages.DOCTOR_NOTIFY_UNSET)
    token = context.ready.slack_bot_token.get_secret_value()
    try:
        answer = _slack(token, context).conversations_info(channel=channel)
    except SlackApiError as error:
        code = _error_code(error)
        if code == "channel_not_found":
            return failed(messages.doctor_notify_not_found(channel), messages.DOCTOR_NOTIFY_FIX)
        if code == "missing_scope":
            needed = str(error.response.get("needed") or "channels:read")
            return failed(messages.doctor_scope_needed(needed), messages.DOCTOR_SCOPES_FIX)
        return failed(messages.doctor_slack_refused("channel lookup", code))
    except Exception as error:
        return _slack_failure("channel lookup", error, context, messages.DOCTOR_NOTIFY_FIX)
    found = answer.get("channel") or {}
    name = str(found.get("name") or channel)
    if not found.get("is_member"):
        return failed(
            messages.doctor_notify_not_member(name, channel), messages.doctor_notify_invite(name)
        )
    return passed(messages.doctor_notify_ok(name, channel, bool(found.get("is_private"))))


SETTINGS = ("settings",)
_FIRST: tuple[Check, ...] = (
    Check("settings", "Settings", check_settings),
    Check("database", "Database", check_database, needs=SETTINGS),
    Check("slack_token", "Slack bot token", check_slack_token, needs=SETTINGS),
    Check("slack_scopes", "Slack scopes", check_slack_scopes, needs=("slack_token",)),
    Check("slack_app_token", "Socket Mode app token", check_app_token, needs=SETTINGS),
    Check("cxone_token", "CXone token", check_cxone_token, needs=SETTINGS),
)
_LAST = (Check("notify_channel", "Notify channel", check_notify_channel, needs=("slack_token",)),)


def _reads(after: str) -> tuple[Check, ...]:
    """The admin reads, once CXone's API host is known (`after` names that check)."""
    return (
        Check(
            "cxone_agents",
            "CXone agents API",
            check_cxone_agents,
            needs=(after,),
            applies=agents_read_applies,
        ),
        Check(
            "cxone_states",
            "CXone state API",
            check_cxone_state,
            needs=("cxone_agents",),
            applies=state_read_applies,
        ),
    )


# Journey mode: the API host is CXONE_BASE_URL. Agent mode: discovered after sign-in.
JOURNEY_CHECKS: tuple[Check, ...] = _FIRST + _reads("cxone_token") + _LAST
AGENT_CHECKS: tuple[Check, ...] = (
    _FIRST
    + (Check("cxone_api_host", "CXone API host", check_api_host, needs=("cxone_token",)),)
    + _reads("cxone_api_host")
    + _LAST
)
CHECKS = AGENT_CHECKS  # every check there is


def checks_for(context: DoctorContext) -> tuple[Check, ...]:
    """The checks for the settings' CXONE_API (journey's when the settings did not load)."""
    settings = context.settings
    if settings is not None and settings.cxone_api == "agent":
        return AGENT_CHECKS
    return JOURNEY_CHECKS

"""The doctor's CXone checks: a token (journey's client or agent mode's access key),
agent mode's discovered API host and tenant, and one small read each of the agents and
state APIs. None of them places a call, joins a session or changes anything at CXone.

The token check keeps its token client in the context, so the later checks sign in no
second time; the agents check keeps its CXoneAdmin and the first agent it found.
"""

from __future__ import annotations

from bot import messages
from bot.config import Settings
from bot.cxone.admin import CXoneAdmin, ReadFailed
from bot.cxone.agent_auth import AgentSignIn
from bot.cxone.auth import TokenClient
from bot.cxone.errors import CXoneError
from bot.cxone.http import CXoneHttp
from bot.doctor.context import DoctorContext
from bot.doctor.report import Finding, failed, passed, skipped


def check_cxone_token(context: DoctorContext) -> Finding:
    settings = context.ready
    if settings.cxone_api == "agent":
        return _agent_token(context, settings)
    tokens = TokenClient(
        settings.token_url,
        settings.cxone_oauth_client_id,
        settings.cxone_oauth_client_secret,
        grant_type=settings.cxone_oauth_grant_type,
        timeout=context.timeout,
    )
    try:
        tokens.get_token()
    except CXoneError as error:
        return failed(str(error))
    context.cxone_tokens = tokens
    return passed(
        messages.doctor_cxone_token_ok(settings.token_url, settings.cxone_oauth_client_id)
    )


def _agent_token(context: DoctorContext, settings: Settings) -> Finding:
    # load_settings() requires the access key in agent mode
    assert settings.cxone_access_key_id and settings.cxone_access_key_secret
    sign_in = AgentSignIn(
        auth_url=settings.cxone_auth_url,
        client_id=settings.cxone_oauth_client_id,
        client_secret=settings.cxone_oauth_client_secret,
        access_key_id=settings.cxone_access_key_id,
        access_key_secret=settings.cxone_access_key_secret,
        token_url=settings.cxone_token_url,
        tenant_id=settings.cxone_tenant_id,
        base_url=settings.cxone_base_url,
        timeout=context.timeout,
    )
    try:
        sign_in.get_token()
    except CXoneError as error:  # the sentence names the setting, never the secret
        return failed(str(error))
    context.cxone_tokens = sign_in
    token_url = sign_in.token_url or settings.cxone_auth_url
    return passed(
        messages.doctor_agent_token_ok(
            token_url, settings.cxone_access_key_id, settings.cxone_oauth_client_id
        )
    )


def check_api_host(context: DoctorContext) -> Finding:
    """Agent mode: the tenant, and the API host discovered for it (or CXONE_BASE_URL)."""
    settings = context.ready
    sign_in: AgentSignIn = context.cxone_tokens
    try:
        host = sign_in.api_endpoint()
    except CXoneError as error:
        return failed(str(error))
    if settings.cxone_base_url:
        return passed(messages.doctor_api_host_set(host, sign_in.tenant_id))
    tenant = sign_in.tenant_id or "?"
    return passed(messages.doctor_api_host_discovered(tenant, bool(settings.cxone_tenant_id), host))


def _admin(context: DoctorContext) -> CXoneAdmin:
    settings = context.ready
    tokens = context.cxone_tokens
    if isinstance(tokens, AgentSignIn):
        api_base: str = tokens.api_endpoint()  # known: the API host check passed
    else:
        assert settings.cxone_base_url  # load_settings() requires it in journey mode
        api_base = settings.cxone_base_url
    http = CXoneHttp(tokens, timeout=context.timeout)
    return CXoneAdmin(api_base, http, version=settings.cxone_api_version)


def agents_read_applies(context: DoctorContext) -> str | None:
    """None when a dial reads agents (linking by email, or the state check's agent)."""
    settings = context.settings
    if settings is None or settings.dial_agent_state_check != "off":
        return None
    return None if settings.dial_link_by_email else messages.DOCTOR_AGENTS_NOT_APPLY


def state_read_applies(context: DoctorContext) -> str | None:
    """None when a dial reads the agent's state."""
    settings = context.settings
    if settings is None or settings.dial_agent_state_check != "off":
        return None
    return messages.DOCTOR_STATE_NOT_APPLY


def check_cxone_agents(context: DoctorContext) -> Finding:
    """GET /agents (active ones, the first page only): link by email and the state
    check's agent depend on it."""
    settings = context.ready
    admin = context.cxone_admin = _admin(context)
    url = admin.services_url + "/agents"
    found = admin.agents("", pages=1)
    if isinstance(found, ReadFailed):
        return _read_failed(url, found, "agents", settings)
    context.first_agent_id = found[0].agent_id if found else None
    return passed(messages.doctor_agents_ok(url, len(found)))


def check_cxone_state(context: DoctorContext) -> Finding:
    """GET /agents/{id}/states for the first active agent found."""
    settings = context.ready
    agent_id = context.first_agent_id
    admin: CXoneAdmin | None = context.cxone_admin
    if agent_id is None or admin is None:
        return skipped(messages.DOCTOR_STATE_NO_AGENT)
    url = f"{admin.services_url}/agents/{agent_id}/states"
    state = admin.agent_state(agent_id)
    if isinstance(state, ReadFailed):
        return _read_failed(url, state, "agent states", settings)
    return passed(messages.doctor_state_ok(url, agent_id, state.name))


def _read_failed(url: str, failure: ReadFailed, what: str, settings: Settings) -> Finding:
    fix = messages.DOCTOR_READ_FIXES.get(str(failure.kind), "")
    fix = fix.format(what=what, version=settings.cxone_api_version)
    detail = messages.doctor_read_failed(url, failure.detail, failure.correlation_id)
    return failed(detail, fix)

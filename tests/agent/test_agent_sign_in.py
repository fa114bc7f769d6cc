"""Agent-mode sign-in over real HTTP against the Agent API sandbox."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from agent_sign_in_helpers import issued_secrets, sign_in_to

from bot.cxone.errors import CXoneConfigError, CXoneUnavailableError


def test_discovery_then_password_grant_then_tenant_discovery_all_cached(agent_api):
    sign_in = sign_in_to(agent_api)
    token = sign_in.get_token()
    assert token and sign_in.get_token() == token
    assert sign_in.api_endpoint() == agent_api.base_url
    assert sign_in.api_endpoint() == agent_api.base_url
    assert agent_api.token_requests == 1
    assert sign_in.discovery_requests == 2  # openid-configuration, cxone-configuration


def test_many_threads_with_a_cold_cache_share_one_sign_in(agent_api):
    sign_in = sign_in_to(agent_api)
    start = threading.Barrier(16)

    def ask(_):
        start.wait()
        return sign_in.get_token(), sign_in.api_endpoint()

    with ThreadPoolExecutor(16) as pool:
        answers = set(pool.map(ask, range(16)))
    assert len(answers) == 1
    assert agent_api.token_requests == 1


def test_an_expiring_token_is_refreshed_with_the_refresh_token(agent_api):
    now = [0.0]
    sign_in = sign_in_to(agent_api, clock=lambda: now[0])
    first = sign_in.get_token()
    now[0] += agent_api.token_ttl  # past expires_in minus the margin
    second = sign_in.get_token()
    assert second != first
    assert agent_api.token_requests == 2


def test_a_refused_refresh_token_falls_back_to_a_new_password_grant(agent_api):
    now = [0.0]
    sign_in = sign_in_to(agent_api, clock=lambda: now[0])
    sign_in.get_token()
    agent_api.expire_refresh_tokens()
    now[0] += agent_api.token_ttl
    assert sign_in.get_token()
    assert agent_api.token_requests == 3  # password, refused refresh, password


def test_a_token_refused_by_cxone_is_replaced_via_the_refresh_token(agent_api):
    sign_in = sign_in_to(agent_api)
    first = sign_in.get_token()
    sign_in.invalidate(first)
    assert sign_in.get_token() != first


def test_a_bad_access_key_names_its_settings_and_never_the_secret(agent_api):
    sign_in = sign_in_to(agent_api, access_key_secret="wrong-secret-value")
    with pytest.raises(CXoneConfigError) as raised:
        sign_in.get_token()
    message = str(raised.value)
    assert "CXONE_ACCESS_KEY_ID" in message and "CXONE_ACCESS_KEY_SECRET" in message
    assert "wrong-secret-value" not in message
    assert message.count(". ") <= 2


def test_a_bad_application_names_the_client_settings(agent_api):
    sign_in = sign_in_to(agent_api, client_secret="not-the-client-secret")
    with pytest.raises(CXoneConfigError) as raised:
        sign_in.get_token()
    message = str(raised.value)
    assert "CXONE_OAUTH_CLIENT_ID" in message and "CXONE_OAUTH_CLIENT_SECRET" in message
    assert "not-the-client-secret" not in message


def test_a_tenant_discovery_does_not_know_names_the_tenant_setting(agent_api):
    sign_in = sign_in_to(agent_api, tenant_id="someone-else")
    with pytest.raises(CXoneConfigError) as raised:
        sign_in.api_endpoint()
    assert "someone-else" in str(raised.value) and "CXONE_TENANT_ID" in str(raised.value)


def test_cxone_base_url_and_token_url_skip_discovery(agent_api):
    sign_in = sign_in_to(
        agent_api, token_url=agent_api.agent_token_url, base_url=agent_api.base_url + "/"
    )
    assert sign_in.api_endpoint() == agent_api.base_url
    assert sign_in.discovery_requests == 0


def test_an_issuer_without_discovery_names_cxone_auth_url(agent_api):
    sign_in = sign_in_to(agent_api, auth_url=agent_api.base_url + "/nowhere")
    with pytest.raises(CXoneConfigError) as raised:
        sign_in.get_token()
    assert "CXONE_AUTH_URL" in str(raised.value)


def test_discovery_answering_503_is_tried_again_then_names_cxone_auth_url(agent_api):
    agent_api.set_fault("discovery_503")
    sign_in = sign_in_to(agent_api)
    with pytest.raises(CXoneUnavailableError) as raised:
        sign_in.get_token()
    assert "CXONE_AUTH_URL" in str(raised.value) and "HTTP 503 after 3 attempts" in str(
        raised.value
    )
    assert sign_in.discovery_requests == 3 and agent_api.token_requests == 0


def test_one_failed_discovery_is_tried_again_and_the_tenant_found(agent_api):
    agent_api.set_fault("discovery_500", times=1)
    sign_in = sign_in_to(agent_api)
    assert sign_in.get_token()
    assert sign_in.api_endpoint() == agent_api.base_url
    assert sign_in.discovery_requests == 3  # openid twice (one 500), then the tenant's
    assert sign_in.tenant_id == agent_api.tenant_id


def test_a_token_endpoint_that_keeps_failing_is_unavailable_not_a_config_error(agent_api):
    agent_api.set_fault("token_500")
    with pytest.raises(CXoneUnavailableError) as raised:
        sign_in_to(agent_api).get_token()
    assert "try again" in str(raised.value)


def test_no_secret_appears_in_any_error_sentence(agent_api):
    for overrides in ({"access_key_id": "nobody"}, {"client_id": "nobody"}):
        with pytest.raises(CXoneConfigError) as raised:
            sign_in_to(agent_api, **overrides).get_token()
        for secret in issued_secrets(agent_api):
            assert secret not in str(raised.value)

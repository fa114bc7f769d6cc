from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import pytest
import responses
from cxone_fakes import (
    CLIENT_ID,
    SECRET,
    TOKEN_URL,
    TOKENS,
    FakeClock,
    FakeSleep,
    closed_port,
    make_tokens,
    token_answer,
)

from bot.cxone.auth import TokenClient
from bot.cxone.errors import CXoneConfigError, CXoneUnavailableError


def test_token_is_requested_form_encoded_as_the_tutorial_and_then_cached(cxone):
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[0]))
    tokens = make_tokens()

    assert tokens.get_token() == TOKENS[0]
    assert tokens.get_token() == TOKENS[0]

    assert len(cxone.calls) == 1
    request = cxone.calls[0].request
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET],
    }
    assert tokens.token_requests == 1


def test_threads_with_a_cold_cache_share_one_token_fetch(cxone):
    def slow_token(_request):
        time.sleep(0.05)
        return 200, {}, json.dumps(token_answer(TOKENS[0]))

    cxone.add_callback(responses.POST, TOKEN_URL, callback=slow_token)
    tokens = make_tokens()
    start = threading.Barrier(20)

    def ask(_):
        start.wait()
        return tokens.get_token()

    with ThreadPoolExecutor(20) as pool:
        got = list(pool.map(ask, range(20)))

    assert got == [TOKENS[0]] * 20
    assert len(cxone.calls) == 1
    assert tokens.token_requests == 1


@pytest.mark.parametrize("status", [400, 401, 403])
def test_refused_credentials_name_the_client_and_pass_cxone_reason_through(cxone, status):
    # CXone echoing the secret back must not carry it into our sentence
    description = f"Bad client credentials for secret {SECRET}"
    body = {"error": "invalid_client", "error_description": description}
    cxone.add(responses.POST, TOKEN_URL, status=status, json=body)
    tokens = make_tokens()

    with pytest.raises(CXoneConfigError) as raised:
        tokens.get_token()

    message = str(raised.value)
    assert CLIENT_ID in message
    assert "invalid_client" in message
    assert "Bad client credentials" in message
    assert SECRET not in message
    assert "CXONE_OAUTH_CLIENT_SECRET" in message
    assert tokens.token_requests == 1  # refused credentials are not retried


def test_an_answer_without_access_token_is_an_error(cxone):
    cxone.add(responses.POST, TOKEN_URL, json={"token_type": "bearer"})

    with pytest.raises(CXoneConfigError, match="without an access token"):
        make_tokens().get_token()


def test_server_errors_are_retried_with_backoff(cxone):
    cxone.add(responses.POST, TOKEN_URL, status=502, body="Bad Gateway")
    cxone.add(responses.POST, TOKEN_URL, status=500, json={"message": "oops"})
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[1]))
    sleep = FakeSleep()
    tokens = make_tokens(sleep=sleep)

    assert tokens.get_token() == TOKENS[1]
    assert len(cxone.calls) == 3
    assert tokens.token_requests == 3
    assert sleep.waits == [0.5, 1.0]


def test_persistent_server_errors_give_up_after_three_attempts(cxone):
    cxone.add(responses.POST, TOKEN_URL, status=503)
    sleep = FakeSleep()
    tokens = make_tokens(sleep=sleep)

    with pytest.raises(CXoneUnavailableError) as raised:
        tokens.get_token()

    assert len(cxone.calls) == 3
    assert sleep.waits == [0.5, 1.0]
    message = str(raised.value)
    assert TOKEN_URL in message and "HTTP 503" in message
    assert "no call was placed" in message


def test_refused_connection_gives_up_after_bounded_attempts():
    token_url = f"http://127.0.0.1:{closed_port()}/oauth/token"
    sleep = FakeSleep()
    tokens = make_tokens(token_url=token_url, sleep=sleep)

    with pytest.raises(CXoneUnavailableError) as raised:
        tokens.get_token()

    assert tokens.token_requests == 3
    assert sleep.waits == [0.5, 1.0]
    message = str(raised.value)
    assert token_url in message
    assert "no call was placed" in message
    assert "CXONE_TOKEN_URL" in message
    assert SECRET not in message


@pytest.mark.parametrize(
    ("expires_in", "cached_for"),
    [(3600, 3540), (100, 50), (None, 3540)],  # minus the margin; half when short; 3600 assumed
)
def test_token_is_fetched_again_once_its_time_is_up(cxone, expires_in, cached_for):
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[0], expires_in))
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[1], expires_in))
    clock = FakeClock()
    tokens = make_tokens(clock=clock)

    assert tokens.get_token() == TOKENS[0]
    clock.now += cached_for - 1
    assert tokens.get_token() == TOKENS[0]
    clock.now += 2
    assert tokens.get_token() == TOKENS[1]
    assert tokens.token_requests == 2


def test_invalidate_drops_only_the_token_that_failed(cxone):
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[0]))
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[1]))
    tokens = make_tokens()

    old = tokens.get_token()
    tokens.invalidate(old)
    new = tokens.get_token()
    tokens.invalidate(old)  # a late 401 for the old token must not throw away the new one

    assert (old, new) == (TOKENS[0], TOKENS[1])
    assert tokens.get_token() == TOKENS[1]
    assert tokens.token_requests == 2


def test_repr_shows_neither_secret_nor_token(cxone):
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[0]))
    tokens = TokenClient(TOKEN_URL, CLIENT_ID, SECRET)
    tokens.get_token()

    shown = repr(tokens)
    assert CLIENT_ID in shown
    assert SECRET not in shown and TOKENS[0] not in shown
    assert SECRET not in str(vars(tokens)) and TOKENS[0] not in str(vars(tokens))

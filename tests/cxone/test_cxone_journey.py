from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import responses
from cxone_fakes import (
    BASE_URL,
    CLIENT_ID,
    OUTBOUND_URL,
    TOKEN_URL,
    TOKENS,
    FakeSleep,
    closed_port,
    make_tokens,
    token_answer,
)
from urllib3.exceptions import ProtocolError

from bot.calls import CallOrder, Placed, Rejected, Unknown
from bot.cxone.errors import UNKNOWN_ADVICE
from bot.cxone.http import CXoneHttp
from bot.cxone.journey import JourneyPlacer

CAMPAIGN = "campaign-pc-42"
AGENT = "agent-1001"
CONTACT = "contact-77"
NUMBER = "+14155550123"
REQUESTER, CHANNEL, REQUEST_ID = "U0ALICE", "C0SALES", "req-42"
DATA = {"slackRequester": REQUESTER, "slackChannel": CHANNEL, "requestId": REQUEST_ID}


def order(agent_id: str = AGENT) -> CallOrder:
    return CallOrder(
        request_id=REQUEST_ID,
        agent_id=agent_id,
        phone_number=NUMBER,
        contact_id=CONTACT,
        requester_id=REQUESTER,
        channel_id=CHANNEL,
    )


def make_dialer(base_url: str = BASE_URL, sleep=None, tokens=None) -> JourneyPlacer:
    http = CXoneHttp(
        tokens or make_tokens(), timeout=2.0, sleep=sleep if sleep is not None else FakeSleep()
    )
    return JourneyPlacer(base_url, http, CAMPAIGN)


def dial(dialer: JourneyPlacer):
    return dialer.place_call(order())


def posts(mock: responses.RequestsMock) -> list[requests.PreparedRequest]:
    return [call.request for call in mock.calls if call.request.url == OUTBOUND_URL]


def token_fetches(mock: responses.RequestsMock) -> int:
    return sum(call.request.url == TOKEN_URL for call in mock.calls)


@pytest.fixture
def cxone_with_token(cxone):
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[0]))
    return cxone


def test_payload_and_headers_are_the_tutorials(cxone_with_token):
    cxone_with_token.add(
        responses.POST,
        OUTBOUND_URL,
        status=202,
        json={"callId": "call-9001"},
        headers={"CorrelationId": "corr-abc"},
    )
    dialer = make_dialer()

    outcome = dial(dialer)

    assert outcome == Placed(call_id="call-9001", correlation_id="corr-abc", attempts=1)
    (sent,) = posts(cxone_with_token)
    assert json.loads(sent.body) == {
        "outboundCampaignId": CAMPAIGN,
        "contactId": CONTACT,
        "phoneNumber": NUMBER,
        "agentId": AGENT,
        "data": DATA,
    }
    assert sent.headers["Authorization"] == f"Bearer {TOKENS[0]}"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Accept"] == "application/json"


def test_fifty_threads_with_a_cold_cache_fetch_one_token_and_send_fifty_dials(cxone):
    def slow_token(_request):
        time.sleep(0.05)  # widens the window in which every thread finds the cache cold
        return 200, {}, json.dumps(token_answer(TOKENS[0]))

    def placed(request):
        return 202, {}, json.dumps({"callId": f"call-{json.loads(request.body)['agentId']}"})

    cxone.add_callback(responses.POST, TOKEN_URL, callback=slow_token)
    cxone.add_callback(responses.POST, OUTBOUND_URL, callback=placed)
    tokens = make_tokens()
    dialer = make_dialer(tokens=tokens)
    start = threading.Barrier(50)

    def dial_as(n: int):
        start.wait()
        return dialer.place_call(order(agent_id=f"agent-{n}"))

    with ThreadPoolExecutor(50) as pool:
        outcomes = list(pool.map(dial_as, range(50)))

    assert token_fetches(cxone) == 1
    assert len(posts(cxone)) == 50
    assert tokens.token_requests == 1
    assert [o.call_id for o in outcomes] == [f"call-agent-{n}" for n in range(50)]


def _connection_reset() -> requests.ConnectionError:
    reset = ConnectionResetError(104, "Connection reset by peer")
    return requests.ConnectionError(ProtocolError("Connection aborted.", reset))


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "json": {"message": "Internal error"}},
        {"status": 502, "body": "<html>Bad Gateway</html>"},
        {"status": 504, "body": ""},
        {"body": requests.ReadTimeout("Read timed out. (read timeout=2.0)")},
        {"body": _connection_reset()},
        {"body": requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead")},
    ],
    ids=["500", "502", "504", "read-timeout", "connection-reset", "broken-body"],
)
def test_answers_that_may_follow_a_placed_call_are_never_retried(cxone_with_token, answer):
    cxone_with_token.add(responses.POST, OUTBOUND_URL, headers={"CorrelationId": "c-1"}, **answer)
    cxone_with_token.add(responses.POST, OUTBOUND_URL, status=202, json={"callId": "twice"})
    sleep = FakeSleep()
    dialer = make_dialer(sleep=sleep)

    outcome = dial(dialer)

    assert isinstance(outcome, Unknown)
    assert len(posts(cxone_with_token)) == 1
    assert outcome.attempts == 1
    assert "may or may not have been placed" in outcome.reason
    assert UNKNOWN_ADVICE in outcome.reason
    assert sleep.waits == []


def test_429_with_retry_after_waits_that_long_then_dials_again(cxone_with_token):
    sent_at: list[float] = []

    def limited_then_placed(_request):
        sent_at.append(time.monotonic())
        if len(sent_at) == 1:
            return 429, {"Retry-After": "1"}, json.dumps({"message": "Too many requests"})
        return 202, {"CorrelationId": "corr-2"}, json.dumps({"id": "call-2"})

    cxone_with_token.add_callback(responses.POST, OUTBOUND_URL, callback=limited_then_placed)
    dialer = make_dialer(sleep=time.sleep)

    outcome = dial(dialer)

    assert outcome == Placed(call_id="call-2", correlation_id="corr-2", attempts=2)
    assert sent_at[1] - sent_at[0] >= 1.0


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "soon"}], ids=["absent", "unparsable"])
def test_429_without_usable_retry_after_waits_2_then_6_then_gives_up(cxone_with_token, headers):
    cxone_with_token.add(responses.POST, OUTBOUND_URL, status=429, headers=headers)
    sleep = FakeSleep()
    dialer = make_dialer(sleep=sleep)

    outcome = dial(dialer)

    assert isinstance(outcome, Rejected)
    assert outcome.status == 429
    assert sleep.waits == [2.0, 6.0]
    assert len(posts(cxone_with_token)) == 3
    assert "limiting requests" in outcome.reason
    assert "no call was placed; try again in a minute" in outcome.reason


@pytest.mark.parametrize("retry_after", ["3600", "9"])
def test_a_retry_after_longer_than_the_wait_budget_is_not_waited_out(cxone_with_token, retry_after):
    cxone_with_token.add(
        responses.POST, OUTBOUND_URL, status=429, headers={"Retry-After": retry_after}
    )
    cxone_with_token.add(responses.POST, OUTBOUND_URL, status=202, json={"callId": "c"})
    sleep = FakeSleep()

    outcome = dial(make_dialer(sleep=sleep))

    assert isinstance(outcome, Rejected) and outcome.status == 429
    assert f"asked the bot to wait {retry_after} s" in outcome.reason
    assert "no call was placed" in outcome.reason
    assert sleep.waits == []
    assert len(posts(cxone_with_token)) == 1


def test_retry_afters_that_add_up_past_the_budget_stop_there(cxone_with_token):
    for _ in range(2):
        cxone_with_token.add(responses.POST, OUTBOUND_URL, status=429, headers={"Retry-After": "5"})
    sleep = FakeSleep()

    outcome = dial(make_dialer(sleep=sleep))

    assert isinstance(outcome, Rejected)
    assert sleep.waits == [5.0]  # 5 + 5 would pass the 8 s a dial may wait on 429s
    assert len(posts(cxone_with_token)) == 2


def test_the_longest_dial_counts_every_token_fetch_request_and_wait(cxone_with_token):
    dialer = make_dialer(tokens=make_tokens(timeout=2.0))  # 2 s per request

    # two token fetches (3 tries of connect + read, 1.5 s of backoff), six dial POSTs
    # (connect + read each), 8 s of 429 waits and 1.5 s of 503 backoff
    assert dialer.max_dial_seconds == 2 * (3 * 4 + 1.5) + 6 * 4 + 8 + 1.5


def test_401_refreshes_the_token_once_and_dials_again(cxone):
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[0]))
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[1]))

    def only_the_new_token(request):
        if request.headers["Authorization"] == f"Bearer {TOKENS[1]}":
            return 202, {}, json.dumps({"callId": "call-after-refresh"})
        return 401, {}, json.dumps({"error": "invalid_token"})

    cxone.add_callback(responses.POST, OUTBOUND_URL, callback=only_the_new_token)
    dialer = make_dialer()

    outcome = dial(dialer)

    assert outcome == Placed(call_id="call-after-refresh", correlation_id=None, attempts=2)
    assert token_fetches(cxone) == 2
    assert [r.headers["Authorization"] for r in posts(cxone)] == [
        f"Bearer {TOKENS[0]}",
        f"Bearer {TOKENS[1]}",
    ]


def test_401_after_a_fresh_token_is_rejected(cxone):
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[0]))
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[1]))
    cxone.add(responses.POST, OUTBOUND_URL, status=401, json={"error": "invalid_token"})
    dialer = make_dialer()

    outcome = dial(dialer)

    assert isinstance(outcome, Rejected)
    assert outcome.status == 401
    assert len(posts(cxone)) == 2
    assert token_fetches(cxone) == 2
    assert "CXONE_OAUTH_CLIENT_ID" in outcome.reason
    assert TOKENS[0] not in outcome.reason and TOKENS[1] not in outcome.reason


def test_503_is_retried_after_a_backoff(cxone_with_token):
    cxone_with_token.add(responses.POST, OUTBOUND_URL, status=503, body="Service Unavailable")
    cxone_with_token.add(responses.POST, OUTBOUND_URL, status=202, json={"callId": "call-3"})
    sleep = FakeSleep()

    outcome = dial(make_dialer(sleep=sleep))

    assert outcome == Placed(call_id="call-3", correlation_id=None, attempts=2)
    assert sleep.waits == [0.5]


def test_503_that_persists_is_rejected_after_three_attempts(cxone_with_token):
    cxone_with_token.add(responses.POST, OUTBOUND_URL, status=503)
    sleep = FakeSleep()

    outcome = dial(make_dialer(sleep=sleep))

    assert isinstance(outcome, Rejected)
    assert (outcome.status, outcome.attempts) == (503, 3)
    assert sleep.waits == [0.5, 1.0]
    assert "No call was placed" in outcome.reason


def test_refused_connection_is_retried_a_bounded_number_of_times(cxone_with_token):
    base_url = f"http://127.0.0.1:{closed_port()}"
    cxone_with_token.add_passthru(base_url)
    sleep = FakeSleep()
    dialer = make_dialer(base_url=base_url, sleep=sleep)

    outcome = dial(dialer)

    assert isinstance(outcome, Rejected)
    assert outcome.status is None
    assert outcome.attempts == 3  # three connections tried, none made
    assert sleep.waits == [0.5, 1.0]
    assert "could not be reached" in outcome.reason
    assert "No call was placed" in outcome.reason
    assert "CXONE_BASE_URL" in outcome.reason


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, {"message": "phoneNumber must be E.164"}, "phoneNumber must be E.164"),
        (403, {"error": "insufficient_scope"}, "outbound:call"),
        (404, {"message": "Campaign not found"}, "Campaign not found"),
        (409, {"message": "Agent busy"}, "Agent busy"),
        (422, {"errors": {"contactId": ["unknown contact"]}}, "contactId: unknown contact"),
        (400, "No known way to render data\r\n", "No known way to render data"),
    ],
)
def test_other_client_errors_are_rejected_at_once_with_cxones_reason(
    cxone_with_token, status, body, expected
):
    answer = {"json": body} if isinstance(body, dict) else {"body": body}
    cxone_with_token.add(
        responses.POST, OUTBOUND_URL, status=status, headers={"CorrelationId": "c-4"}, **answer
    )

    outcome = dial(make_dialer())

    assert outcome == Rejected(
        reason=outcome.reason, status=status, correlation_id="c-4", attempts=1
    )
    assert expected in outcome.reason
    assert "\r" not in outcome.reason and "\n" not in outcome.reason
    assert len(posts(cxone_with_token)) == 1


def test_token_trouble_is_rejected_without_dialing(cxone):
    body = {"error": "invalid_client", "error_description": "Client disabled"}
    cxone.add(responses.POST, TOKEN_URL, status=401, json=body)
    dialer = make_dialer()

    outcome = dial(dialer)

    assert isinstance(outcome, Rejected)
    assert (outcome.status, outcome.attempts) == (None, 0)
    assert CLIENT_ID in outcome.reason and "Client disabled" in outcome.reason
    assert posts(cxone) == []


@pytest.mark.parametrize("body", ["", "accepted", "[1, 2]", '{"callId": '])
def test_a_2xx_without_usable_json_is_still_placed(cxone_with_token, body):
    cxone_with_token.add(responses.POST, OUTBOUND_URL, status=200, body=body)

    assert dial(make_dialer()) == Placed(call_id=None, correlation_id=None, attempts=1)


def test_log_lines_name_the_attempt_but_not_the_phone_number(cxone_with_token, caplog):
    cxone_with_token.add(
        responses.POST, OUTBOUND_URL, status=202, json={}, headers={"CorrelationId": "corr-log"}
    )

    dial(make_dialer())

    dial_lines = [r.getMessage() for r in caplog.records if "dial attempt" in r.getMessage()]
    assert dial_lines and "corr-log" in dial_lines[0] and "202" in dial_lines[0]
    assert all(NUMBER not in r.getMessage() for r in caplog.records)

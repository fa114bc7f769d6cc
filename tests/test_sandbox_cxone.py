"""The CXone sandbox refuses what a real tenant would, and its faults behave as documented."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from bot.sandbox.cxone import CXoneSandbox

CREDENTIALS = {
    "grant_type": "client_credentials",
    "client_id": "demo-client",
    "client_secret": "demo-secret",
}
DIAL = {
    "outboundCampaignId": "demo-campaign",
    "contactId": "contact-1",
    "phoneNumber": "+14155550123",
    "agentId": "agent-1001",
    "data": {"source": "slack"},
}


@pytest.fixture
def sandbox():
    with CXoneSandbox() as running:
        yield running


def get_token(sandbox: CXoneSandbox, **overrides) -> requests.Response:
    return requests.post(sandbox.token_url, data={**CREDENTIALS, **overrides}, timeout=5)


def dial(sandbox, token, body=None, *, accept="application/json", timeout=5.0):
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if accept is not None:
        headers["Accept"] = accept
    return requests.post(
        sandbox.outbound_url, json=DIAL if body is None else body, headers=headers, timeout=timeout
    )


def token_for(sandbox: CXoneSandbox) -> str:
    response = get_token(sandbox)
    assert response.status_code == 200
    return response.json()["access_token"]


# ---- the token endpoint ------------------------------------------------------------


def test_token_success_looks_like_an_oauth_answer(sandbox):
    response = get_token(sandbox)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"] and body["access_token"] != token_for(sandbox)
    assert sandbox.token_requests == 2


def test_token_wrong_secret_is_invalid_client(sandbox):
    response = get_token(sandbox, client_secret="wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "wrong" not in response.text


def test_token_wrong_client_id_is_invalid_client(sandbox):
    assert get_token(sandbox, client_id="someone-else").status_code == 401


def test_token_wrong_grant_type_is_400(sandbox):
    response = get_token(sandbox, grant_type="password")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_token_request_must_be_form_encoded(sandbox):
    response = requests.post(sandbox.token_url, json=CREDENTIALS, timeout=5)
    assert response.status_code == 400


def test_token_accepts_http_basic_client_authentication(sandbox):
    response = requests.post(
        sandbox.token_url,
        data={"grant_type": "client_credentials"},
        auth=("demo-client", "demo-secret"),
        timeout=5,
    )
    assert response.status_code == 200


# ---- the outbound endpoint ---------------------------------------------------------


def test_dial_success_returns_call_id_and_correlation_id(sandbox):
    response = dial(sandbox, token_for(sandbox))
    assert response.status_code == 202
    body = response.json()
    uuid.UUID(body["callId"])
    assert body["status"] == "queued"
    assert body["agentId"] == "agent-1001"
    assert body["phoneNumber"] == "+14155550123"
    uuid.UUID(response.headers["CorrelationId"])
    [call] = sandbox.placed_calls
    assert call.call_id == body["callId"]
    assert call.body == DIAL
    assert call.correlation_id == response.headers["CorrelationId"]


def test_records_redact_the_bearer_token(sandbox):
    token = token_for(sandbox)
    dial(sandbox, token)
    [call] = sandbox.calls
    assert call.headers["Authorization"] == "Bearer <redacted>"
    assert token not in repr(call)


def test_every_response_carries_a_correlation_id(sandbox):
    answers = [
        get_token(sandbox),
        get_token(sandbox, client_secret="wrong"),
        dial(sandbox, None),
        requests.get(sandbox.outbound_url, timeout=5),
        requests.post(sandbox.url + "/nowhere", timeout=5),
    ]
    ids = {answer.headers["CorrelationId"] for answer in answers}
    assert len(ids) == len(answers)


@pytest.mark.parametrize("token", [None, "made-up-token"])
def test_dial_without_a_valid_token_is_401(sandbox, token):
    response = dial(sandbox, token)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert sandbox.placed_calls == []
    assert sandbox.dial_requests == 1


def test_expired_token_is_401():
    with CXoneSandbox(token_ttl=1) as sandbox:
        token = token_for(sandbox)
        assert dial(sandbox, token).status_code == 202
        time.sleep(1.1)
        response = dial(sandbox, token)
        assert response.status_code == 401
        assert "expired" in response.json()["message"]


def test_expire_tokens_expires_without_waiting(sandbox):
    token = token_for(sandbox)
    sandbox.expire_tokens()
    assert dial(sandbox, token).status_code == 401
    assert dial(sandbox, token_for(sandbox)).status_code == 202


def test_revoked_token_is_401_and_a_new_token_works(sandbox):
    old = token_for(sandbox)
    sandbox.set_fault("revoked")
    assert dial(sandbox, old).status_code == 401
    assert dial(sandbox, token_for(sandbox)).status_code == 202


def test_token_without_outbound_scope_is_403():
    with CXoneSandbox(scopes=("outbound:read",)) as sandbox:
        response = dial(sandbox, token_for(sandbox))
        assert response.status_code == 403
        assert "outbound:call" in response.json()["message"]


def test_missing_accept_header_is_406_text(sandbox):
    response = dial(sandbox, token_for(sandbox), accept=None)
    assert response.status_code == 406
    assert response.text == "No known way to render data"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_body_must_be_json(sandbox):
    response = requests.post(
        sandbox.outbound_url,
        data={"agentId": "agent-1001"},
        headers={"Authorization": f"Bearer {token_for(sandbox)}", "Accept": "application/json"},
        timeout=5,
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"phoneNumber": "4155550123"}, "phoneNumber must be in E.164 format"),
        ({"phoneNumber": "+1 415 555 0123"}, "phoneNumber must be in E.164 format"),
        ({"agentId": "agent-9"}, "agentId agent-9 is not assigned to campaign demo-campaign"),
        ({"outboundCampaignId": "other"}, "not configured for Personal Connection"),
        ({"contactId": ""}, "contactId"),
        ({"agentId": 1001}, "agentId"),
        ({"data": {"count": 3}}, "data"),
    ],
)
def test_bad_payloads_are_400_with_a_message(sandbox, change, expected):
    response = dial(sandbox, token_for(sandbox), {**DIAL, **change})
    assert response.status_code == 400
    assert expected in response.json()["message"]
    assert sandbox.placed_calls == []


def test_missing_field_is_400(sandbox):
    body = {k: v for k, v in DIAL.items() if k != "phoneNumber"}
    response = dial(sandbox, token_for(sandbox), body)
    assert response.status_code == 400
    assert response.json()["message"].startswith("phoneNumber")


def test_unknown_contact_is_400_when_contacts_are_listed():
    with CXoneSandbox(contacts=["contact-1"]) as sandbox:
        token = token_for(sandbox)
        assert dial(sandbox, token).status_code == 202
        response = dial(sandbox, token, {**DIAL, "contactId": "contact-2"})
        assert response.status_code == 400
        assert "contact-2" in response.json()["message"]


# ---- faults ------------------------------------------------------------------------


@pytest.mark.parametrize("retry_after", [1, None])
def test_429_fault_with_and_without_retry_after(sandbox, retry_after):
    token = token_for(sandbox)
    sandbox.set_fault("429", retry_after=retry_after, times=1)
    limited = dial(sandbox, token)
    assert limited.status_code == 429
    assert limited.headers.get("Retry-After") == (None if retry_after is None else "1")
    assert dial(sandbox, token).status_code == 202
    assert [c.status for c in sandbox.calls] == [429, 202]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_error_faults_do_not_place_calls(sandbox, status):
    token = token_for(sandbox)
    sandbox.set_fault(str(status))
    assert [dial(sandbox, token).status_code for _ in range(2)] == [status, status]
    assert sandbox.placed_calls == []
    sandbox.set_fault(None)
    assert dial(sandbox, token).status_code == 202


def test_error_fault_can_place_the_call_anyway(sandbox):
    sandbox.set_fault("504", place=True, times=1)
    assert dial(sandbox, token_for(sandbox)).status_code == 504
    assert len(sandbox.placed_calls) == 1


def test_slow_fault_delays_the_answer(sandbox):
    token = token_for(sandbox)
    sandbox.set_fault("slow", seconds=0.3, times=1)
    started = time.monotonic()
    assert dial(sandbox, token).status_code == 202
    assert time.monotonic() - started >= 0.3


def test_timeout_fault_places_the_call_but_the_client_times_out(sandbox):
    token = token_for(sandbox)
    sandbox.set_fault("timeout", seconds=5, times=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        dial(sandbox, token, timeout=0.3)
    assert len(sandbox.placed_calls) == 1


def test_latency_attribute_delays_dials(sandbox):
    token = token_for(sandbox)
    sandbox.latency = 0.2
    started = time.monotonic()
    dial(sandbox, token)
    assert time.monotonic() - started >= 0.2


def test_malformed_fault_answers_200_without_json(sandbox):
    sandbox.set_fault("malformed", times=1)
    response = dial(sandbox, token_for(sandbox))
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_reset_fault_closes_the_connection(sandbox):
    token = token_for(sandbox)
    sandbox.set_fault("reset", times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        dial(sandbox, token)
    assert sandbox.calls[0].status is None
    assert dial(sandbox, token).status_code == 202


def test_token_down_fault_makes_the_token_endpoint_503(sandbox):
    sandbox.set_fault("token_down")
    assert get_token(sandbox).status_code == 503
    sandbox.set_fault(None)
    assert get_token(sandbox).status_code == 200


def test_token_500_fault_leaves_dialing_alone(sandbox):
    token = token_for(sandbox)
    sandbox.set_fault("token_500")
    assert get_token(sandbox).status_code == 500
    assert dial(sandbox, token).status_code == 202


def test_times_counts_down_and_none_persists(sandbox):
    token = token_for(sandbox)
    sandbox.set_fault("503", times=2)
    assert [dial(sandbox, token).status_code for _ in range(3)] == [503, 503, 202]
    sandbox.set_fault("503")
    assert [dial(sandbox, token).status_code for _ in range(3)] == [503, 503, 503]


def test_unknown_fault_name_is_refused(sandbox):
    with pytest.raises(ValueError):
        sandbox.set_fault("teapot")


def test_reset_records(sandbox):
    dial(sandbox, token_for(sandbox))
    sandbox.reset_records()
    assert (sandbox.calls, sandbox.token_requests, sandbox.dial_requests) == ([], 0, 0)


# ---- lifecycle ---------------------------------------------------------------------


def test_stop_is_prompt_idempotent_and_frees_the_port():
    sandbox = CXoneSandbox().start()
    token = token_for(sandbox)
    url = sandbox.outbound_url
    sandbox.set_fault("slow", seconds=30)
    errors = []

    def waiting_dial():
        try:
            dial(sandbox, token)
        except requests.RequestException as error:
            errors.append(error)

    waiter = threading.Thread(target=waiting_dial)
    waiter.start()
    sandbox.wait_for(lambda: sandbox.dial_requests == 1)
    sandbox.stop()
    sandbox.stop()
    waiter.join(timeout=5)
    assert not waiter.is_alive()
    assert errors
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(url, json=DIAL, timeout=2)


def test_stop_closes_kept_alive_connections():
    sandbox = CXoneSandbox().start()
    session = requests.Session()
    assert session.post(sandbox.token_url, data=CREDENTIALS, timeout=5).status_code == 200
    url = sandbox.token_url
    sandbox.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(url, data=CREDENTIALS, timeout=2)
    assert sandbox.token_requests == 1


def test_concurrent_dials_are_all_recorded(sandbox):
    token = token_for(sandbox)
    threads = [threading.Thread(target=dial, args=(sandbox, token)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sandbox.dial_requests == 20
    assert len({call.call_id for call in sandbox.placed_calls}) == 20


# ---- `dialbot sandbox` -------------------------------------------------------------


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_tokens_and_exits_cleanly_on_signal(stop_signal):
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox", "--port", "0", "--agent", "agent-7"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        output = "".join(lines)
        base_url = re.search(r"^CXONE_BASE_URL=(\S+)$", output, re.M).group(1)
        assert "CXONE_OAUTH_CLIENT_ID=demo-client" in output
        assert "CXONE_OUTBOUND_CAMPAIGN_ID=demo-campaign" in output
        response = requests.post(f"{base_url}/oauth/token", data=CREDENTIALS, timeout=5)
        assert response.status_code == 200
        process.send_signal(stop_signal)
        assert process.wait(timeout=5) == 0
        assert "stopped after 1 token request" in process.stdout.read()
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

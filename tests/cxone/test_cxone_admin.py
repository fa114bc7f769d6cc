"""The admin reads: request shapes, typed answers, the retry policy, and every failure."""

from __future__ import annotations

import json
import logging
import re

import pytest
import requests
import responses
from cxone_fakes import (
    BASE_URL,
    TOKEN_URL,
    TOKENS,
    FakeSleep,
    closed_port,
    make_tokens,
    token_answer,
)

from bot.cxone.admin import (
    Agent,
    AgentState,
    CXoneAdmin,
    ReadFailed,
    ReadFailure,
    SkillAssignment,
)
from bot.cxone.http import CXoneHttp

SERVICES = f"{BASE_URL}/inContactAPI/services/v30.0"
STATES_URL = f"{SERVICES}/agents/1001/states"
SKILLS_URL = f"{SERVICES}/agents/1001/skills"
AGENTS_URL = f"{SERVICES}/agents"

STATE_ANSWER = {
    "agentStates": [
        {
            "agentId": 1001,
            "agentStateName": "InboundContact",
            "outStateDescription": "",
            "contactId": 5550001,
            "isACW": False,
            "startDate": "2026-12-01T10:00:00.000Z",
        }
    ]
}


def make_admin(base=BASE_URL, sleep=None, version="v30.0", timeout=2.0) -> CXoneAdmin:
    http = CXoneHttp(make_tokens(), timeout=timeout, sleep=sleep or FakeSleep())
    return CXoneAdmin(base, http, version=version)


def agent_row(agent_id, email, active=True, first="A", last="B"):
    return {
        "agentId": agent_id,
        "emailAddress": email,
        "isActive": active,
        "firstName": first,
        "lastName": last,
        "userName": f"u{agent_id}",
    }


@pytest.fixture
def cxone_with_token(cxone):
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[0]))
    return cxone


def gets(mock, url_start):
    return [c.request for c in mock.calls if c.request.url.startswith(url_start)]


def test_agent_state_is_read_with_the_token_and_accept_json(cxone_with_token):
    cxone_with_token.add(
        responses.GET, STATES_URL, json=STATE_ANSWER, headers={"CorrelationId": "corr-1"}
    )
    state = make_admin().agent_state("1001")
    assert state == AgentState(
        agent_id="1001",
        name="InboundContact",
        out_state_description=None,
        contact_id="5550001",
        is_acw=False,
        start_date="2026-12-01T10:00:00.000Z",
        correlation_id="corr-1",
    )
    (sent,) = gets(cxone_with_token, STATES_URL)
    assert sent.method == "GET"
    assert sent.headers["Authorization"] == f"Bearer {TOKENS[0]}"
    assert sent.headers["Accept"] == "application/json"


def test_the_correlation_id_is_logged_and_the_token_is_not(cxone_with_token, caplog):
    cxone_with_token.add(
        responses.GET, STATES_URL, json=STATE_ANSWER, headers={"CorrelationId": "corr-77"}
    )
    make_admin().agent_state("1001", request_id="req-9")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.cxone"]
    assert any("corr-77" in line and "[dial req-9]" in line for line in lines), lines


def test_the_version_and_a_callable_base_make_the_url(cxone_with_token):
    url = "https://discovered.example/inContactAPI/services/v27.0/agents/1001/states"
    cxone_with_token.add(responses.GET, url, json=STATE_ANSWER)
    admin = make_admin(base=lambda: "https://discovered.example/", version="v27.0")
    assert isinstance(admin.agent_state("1001"), AgentState)


def test_an_agent_id_is_one_path_segment(cxone_with_token):
    url = f"{SERVICES}/agents/a%2F..%2Fx/states"
    cxone_with_token.add(responses.GET, url, json=STATE_ANSWER)
    assert isinstance(make_admin().agent_state("a/../x"), AgentState)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (403, ReadFailure.FORBIDDEN),
        (404, ReadFailure.NOT_FOUND),
        (400, ReadFailure.REFUSED),
        (500, ReadFailure.SERVER_ERROR),
        (502, ReadFailure.SERVER_ERROR),
    ],
)
def test_failed_reads_say_which_failure(cxone_with_token, status, kind):
    cxone_with_token.add(
        responses.GET, STATES_URL, status=status, json={"error": "nope", "message": "said so"}
    )
    failed = make_admin().agent_state("1001")
    assert isinstance(failed, ReadFailed)
    assert failed.kind == kind
    assert failed.status == status
    assert "said so" in failed.detail


def test_a_5xx_is_read_again_with_bounded_backoff(cxone_with_token):
    sleep = FakeSleep()
    cxone_with_token.add(responses.GET, STATES_URL, status=500, json={})
    cxone_with_token.add(responses.GET, STATES_URL, status=502, json={})
    cxone_with_token.add(responses.GET, STATES_URL, json=STATE_ANSWER)
    state = make_admin(sleep=sleep).agent_state("1001")
    assert isinstance(state, AgentState)
    assert len(gets(cxone_with_token, STATES_URL)) == 3
    assert sleep.waits == [0.5, 1.0]


def test_a_5xx_that_stays_stops_after_three_tries(cxone_with_token):
    cxone_with_token.add(responses.GET, STATES_URL, status=500, json={})
    failed = make_admin().agent_state("1001")
    assert isinstance(failed, ReadFailed) and failed.attempts == 3
    assert len(gets(cxone_with_token, STATES_URL)) == 3


def test_a_401_fetches_a_fresh_token_once(cxone):
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[0]))
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[1]))
    cxone.add(responses.GET, STATES_URL, status=401, json={"error": "invalid_token"})
    cxone.add(responses.GET, STATES_URL, json=STATE_ANSWER)
    assert isinstance(make_admin().agent_state("1001"), AgentState)
    sent = gets(cxone, STATES_URL)
    assert [r.headers["Authorization"] for r in sent] == [
        f"Bearer {TOKENS[0]}",
        f"Bearer {TOKENS[1]}",
    ]


def test_a_second_401_is_unauthorized(cxone):
    cxone.add(responses.POST, TOKEN_URL, json=token_answer(TOKENS[0]))
    cxone.add(responses.GET, STATES_URL, status=401, json={"error": "invalid_token"})
    failed = make_admin().agent_state("1001")
    assert isinstance(failed, ReadFailed) and failed.kind == ReadFailure.UNAUTHORIZED
    assert len(gets(cxone, STATES_URL)) == 2


def test_a_429_waits_retry_after_then_reads(cxone_with_token):
    sleep = FakeSleep()
    cxone_with_token.add(responses.GET, STATES_URL, status=429, headers={"Retry-After": "1"})
    cxone_with_token.add(responses.GET, STATES_URL, json=STATE_ANSWER)
    assert isinstance(make_admin(sleep=sleep).agent_state("1001"), AgentState)
    assert sleep.waits == [1.0]


def test_a_429_beyond_the_budget_is_not_waited_out(cxone_with_token):
    sleep = FakeSleep()
    cxone_with_token.add(responses.GET, STATES_URL, status=429, headers={"Retry-After": "120"})
    failed = make_admin(sleep=sleep).agent_state("1001")
    assert isinstance(failed, ReadFailed) and failed.kind == ReadFailure.RATE_LIMITED
    assert "120" in failed.detail
    assert sleep.waits == []


def test_a_timeout_is_read_again_then_reported_as_a_timeout(cxone_with_token):
    cxone_with_token.add(responses.GET, STATES_URL, body=requests.ReadTimeout("slow"))
    failed = make_admin().agent_state("1001")
    assert isinstance(failed, ReadFailed) and failed.kind == ReadFailure.TIMEOUT
    assert failed.attempts == 3


def test_a_refused_connection_is_unreachable():
    admin = make_admin(base=f"http://127.0.0.1:{closed_port()}")
    admin.http.tokens.get_token = lambda: "tok"  # no token endpoint there either
    failed = admin.agent_state("1001")
    assert isinstance(failed, ReadFailed) and failed.kind == ReadFailure.UNREACHABLE


def test_no_token_is_its_own_failure(cxone):
    cxone.add(responses.POST, TOKEN_URL, status=401, json={"error": "invalid_client"})
    failed = make_admin().agent_state("1001")
    assert isinstance(failed, ReadFailed) and failed.kind == ReadFailure.NO_TOKEN
    assert gets(cxone, STATES_URL) == []


@pytest.mark.parametrize(
    "body",
    [{"agentStates": []}, {"agentStates": [{"agentStateName": ""}]}, {"states": 1}, "<html>"],
)
def test_an_answer_of_another_shape_is_malformed(cxone_with_token, body):
    if isinstance(body, str):
        cxone_with_token.add(responses.GET, STATES_URL, body=body, content_type="text/html")
    else:
        cxone_with_token.add(responses.GET, STATES_URL, json=body)
    failed = make_admin().agent_state("1001")
    assert isinstance(failed, ReadFailed) and failed.kind == ReadFailure.MALFORMED


def test_agents_are_searched_active_only_and_paged(cxone_with_token):
    first = [agent_row(n, f"p{n}@x.example") for n in range(100)]
    second = [agent_row(100, "last@x.example")]
    cxone_with_token.add(
        responses.GET,
        AGENTS_URL,
        json={"totalRecords": 101, "agents": first},
        match=[
            responses.matchers.query_param_matcher(
                {"searchString": "x.example", "isActive": "true", "skip": "0", "top": "100"}
            )
        ],
    )
    cxone_with_token.add(
        responses.GET,
        AGENTS_URL,
        json={"totalRecords": 101, "agents": second},
        match=[
            responses.matchers.query_param_matcher(
                {"searchString": "x.example", "isActive": "true", "skip": "100", "top": "100"}
            )
        ],
    )
    agents = make_admin().agents("x.example")
    assert len(agents) == 101
    assert agents[-1] == Agent(
        agent_id="100",
        email_address="last@x.example",
        user_name="u100",
        first_name="A",
        last_name="B",
        is_active=True,
    )


def test_no_agents_found_is_a_204_and_an_empty_list(cxone_with_token):
    cxone_with_token.add(responses.GET, AGENTS_URL, status=204)
    assert make_admin().agents("nobody") == []


def test_agents_with_email_match_exactly_but_for_case(cxone_with_token):
    rows = [
        agent_row(1, "Alice@Example.com"),
        agent_row(2, "alice@example.com.au"),
        agent_row(3, "malice@example.com"),
        agent_row(4, "alice@example.com", active=False),
    ]
    cxone_with_token.add(responses.GET, AGENTS_URL, json={"totalRecords": 4, "agents": rows})
    found = make_admin().agents_with_email(" alice@EXAMPLE.com ")
    assert [a.agent_id for a in found] == ["1"]
    (sent,) = gets(cxone_with_token, AGENTS_URL)
    assert "searchString=alice%40EXAMPLE.com" in sent.url


def test_an_empty_email_asks_nothing(cxone_with_token):
    assert make_admin().agents_with_email("  ") == []
    assert gets(cxone_with_token, AGENTS_URL) == []


def test_skills_are_typed(cxone_with_token):
    rows = [
        {"skillId": 11, "skillName": "In", "isOutbound": False, "mediaTypeId": 4},
        {"skillId": 12, "skillName": "Out mail", "isOutbound": True, "mediaTypeId": 1},
        {
            "skillId": 13,
            "skillName": "Out",
            "isOutbound": True,
            "mediaTypeId": 4,
            "outboundStrategy": "Personal Connection",
        },
        {"skillName": "no id"},
    ]
    cxone_with_token.add(responses.GET, SKILLS_URL, json={"agentSkillAssignments": rows})
    skills = make_admin().agent_skills("1001")
    assert skills[2] == SkillAssignment(13, "Out", True, 4, "Personal Connection")
    assert [s.skill_id for s in skills if s.is_outbound_phone] == [13]
    assert len(skills) == 3


def test_an_agent_without_skills_is_an_empty_list(cxone_with_token):
    cxone_with_token.add(responses.GET, SKILLS_URL, status=204)
    assert make_admin().agent_skills("1001") == []


def test_requests_counts_every_try(cxone_with_token):
    cxone_with_token.add(responses.GET, STATES_URL, status=503, json={})
    cxone_with_token.add(responses.GET, STATES_URL, json=STATE_ANSWER)
    admin = make_admin()
    admin.agent_state("1001")
    assert admin.requests == 2


def test_no_token_appears_in_any_log_line(cxone_with_token, caplog):
    caplog.set_level(logging.DEBUG)
    cxone_with_token.add(responses.GET, STATES_URL, status=500, body=json.dumps({"m": TOKENS[1]}))
    make_admin().agent_state("1001")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert not re.search(r"tok-\d", text)

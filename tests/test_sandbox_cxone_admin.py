"""The CXone sandbox serves the documented admin reads as a tenant would: states per
agent (settable), agents with emails (searched, filtered, paged), skills, and faults."""

from __future__ import annotations

import pytest
import requests

from bot.cxone.admin import AgentState, CXoneAdmin, ReadFailed, ReadFailure
from bot.cxone.auth import TokenClient
from bot.cxone.http import CXoneHttp
from bot.sandbox.cxone import CXoneSandbox


@pytest.fixture
def sandbox():
    with CXoneSandbox(agents=("1001", "1002")) as running:
        running.add_agent("1001", email="alice@example.com", first_name="Alice", last_name="Ng")
        running.add_agent("1002", email="bob@example.com", first_name="Bob", active=False)
        yield running


def services(sandbox, version="v30.0"):
    return f"{sandbox.base_url}/inContactAPI/services/{version}"


def get(sandbox, path, token, *, accept="application/json", params=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if accept:
        headers["Accept"] = accept
    return requests.get(services(sandbox) + path, headers=headers, params=params, timeout=5)


def admin_for(sandbox) -> CXoneAdmin:
    tokens = TokenClient(sandbox.token_url, "demo-client", "demo-secret", timeout=2)
    return CXoneAdmin(sandbox.base_url, CXoneHttp(tokens, timeout=2, sleep=lambda s: None))


def test_states_answer_the_agent_state_and_follow_changes(sandbox):
    token = sandbox.issue_token()
    answer = get(sandbox, "/agents/1001/states", token)
    assert answer.status_code == 200
    assert answer.headers["CorrelationId"]
    (row,) = answer.json()["agentStates"]
    assert row["agentId"] == 1001 and row["agentStateName"] == "Available"
    sandbox.set_agent_state("1001", "Unavailable", description="Lunch")
    row = get(sandbox, "/agents/1001/states", token).json()["agentStates"][0]
    assert (row["agentStateName"], row["outStateDescription"]) == ("Unavailable", "Lunch")


def test_an_unknown_state_name_is_refused_by_the_switch(sandbox):
    with pytest.raises(ValueError):
        sandbox.set_agent_state("1001", "Busy")


def test_reads_need_a_valid_token(sandbox):
    assert get(sandbox, "/agents/1001/states", None).status_code == 401
    assert get(sandbox, "/agents/1001/states", "made-up").status_code == 401
    token = sandbox.issue_token()
    sandbox.revoke_tokens()
    assert get(sandbox, "/agents/1001/states", token).status_code == 401


@pytest.mark.parametrize("accept", [None, "text/html", "*/*"])
def test_without_accept_json_cxone_cannot_render(sandbox, accept):
    answer = get(sandbox, "/agents/1001/states", sandbox.issue_token(), accept=accept)
    assert answer.status_code == 406
    assert answer.text == "No known way to render data"


def test_an_unknown_agent_or_route_is_404(sandbox):
    token = sandbox.issue_token()
    assert get(sandbox, "/agents/9999/states", token).status_code == 404
    assert get(sandbox, "/agents/1001/nothing", token).status_code == 404


def test_agents_are_searched_by_email_and_filtered_by_activity(sandbox):
    token = sandbox.issue_token()
    params = {"searchString": "EXAMPLE.COM", "isActive": "true"}
    body = get(sandbox, "/agents", token, params=params).json()
    assert [(a["agentId"], a["emailAddress"]) for a in body["agents"]] == [
        (1001, "alice@example.com")
    ]
    assert body["totalRecords"] == 1
    everyone = get(sandbox, "/agents", token, params={"searchString": ""}).json()
    assert {a["agentId"] for a in everyone["agents"]} == {1001, 1002}


def test_no_match_is_204(sandbox):
    answer = get(sandbox, "/agents", sandbox.issue_token(), params={"searchString": "zed"})
    assert answer.status_code == 204 and answer.content == b""


def test_agents_are_paged_at_most_100(sandbox):
    for n in range(150):
        sandbox.add_agent(f"2{n:03d}", email=f"p{n}@team.example")
    token = sandbox.issue_token()
    page = get(sandbox, "/agents", token, params={"searchString": "team", "top": "500"}).json()
    assert len(page["agents"]) == 100 and page["totalRecords"] == 150
    rest = get(sandbox, "/agents", token, params={"searchString": "team", "skip": "100"}).json()
    assert len(rest["agents"]) == 50
    assert len(admin_for(sandbox).agents("team")) == 150


def test_skills_have_ids_direction_and_media_type(sandbox):
    rows = get(sandbox, "/agents/1001/skills", sandbox.issue_token()).json()
    outbound = [r for r in rows["agentSkillAssignments"] if r["isOutbound"]]
    assert outbound[0]["mediaTypeId"] == 4 and isinstance(outbound[0]["skillId"], int)
    skills = admin_for(sandbox).agent_skills("1001")
    assert [s.skill_id for s in skills if s.is_outbound_phone] == [4102]


def test_an_agent_without_skills_answers_204(sandbox):
    sandbox.add_agent("1003", skills=[])
    assert get(sandbox, "/agents/1003/skills", sandbox.issue_token()).status_code == 204


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("states_403", ReadFailure.FORBIDDEN),
        ("states_404", ReadFailure.NOT_FOUND),
        ("states_500", ReadFailure.SERVER_ERROR),
        ("states_reset", ReadFailure.UNREACHABLE),
    ],
)
def test_state_faults_reach_the_client_as_their_failure(sandbox, fault, kind):
    sandbox.set_fault(fault)
    failed = admin_for(sandbox).agent_state("1001")
    assert isinstance(failed, ReadFailed) and failed.kind == kind
    assert sandbox.dial_requests == 0


def test_a_timeout_fault_is_a_timeout(sandbox):
    sandbox.set_fault("states_timeout", seconds=3)
    tokens = TokenClient(sandbox.token_url, "demo-client", "demo-secret", timeout=2)
    admin = CXoneAdmin(sandbox.base_url, CXoneHttp(tokens, timeout=0.2, sleep=lambda s: None))
    failed = admin.agent_state("1001")
    assert isinstance(failed, ReadFailed) and failed.kind == ReadFailure.TIMEOUT


def test_a_fault_once_then_the_answer(sandbox):
    sandbox.set_fault("states_503", times=1)
    state = admin_for(sandbox).agent_state("1001")
    assert isinstance(state, AgentState) and state.name == "Available"
    assert [r.status for r in sandbox.reads_of("states")] == [503, 200]


def test_faults_on_one_read_leave_the_others_and_the_dial_alone(sandbox):
    sandbox.set_fault("skills_500")
    assert isinstance(admin_for(sandbox).agent_state("1001"), AgentState)
    assert sandbox.reads[-1].headers["Authorization"] == "Bearer <redacted>"


def test_unknown_admin_faults_are_refused(sandbox):
    with pytest.raises(ValueError):
        sandbox.set_fault("states_revoked")

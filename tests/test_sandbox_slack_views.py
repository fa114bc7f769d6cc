"""The Slack stand-in's views as Slack runs them, and the view payloads Slack sends."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.slack_api import DEFAULT_BOT_TOKEN, SlackApiStandIn
from bot.sandbox.slack_requests import (
    answer_problems,
    app_home_opened_body,
    global_shortcut_payload,
    interactive_body,
    signed_headers,
    trigger_id,
    view_action_payload,
    view_submission_payload,
)

SECRET = "test-signing-secret"
MODAL = {
    "type": "modal",
    "callback_id": "dial_modal",
    "title": {"type": "plain_text", "text": "Place a call"},
    "submit": {"type": "plain_text", "text": "Dial"},
    "blocks": [
        {
            "type": "input",
            "block_id": "dial_number",
            "label": {"type": "plain_text", "text": "Number"},
            "element": {"type": "plain_text_input", "action_id": "number"},
        },
        {
            "type": "input",
            "block_id": "dial_channel",
            "optional": True,
            "label": {"type": "plain_text", "text": "Channel"},
            "element": {
                "type": "conversations_select",
                "action_id": "channel",
                "response_url_enabled": True,
            },
        },
    ],
}


@pytest.fixture
def slack():
    with SlackApiStandIn() as running:
        yield running


@pytest.fixture
def client(slack):
    return WebClient(base_url=slack.url, token=DEFAULT_BOT_TOKEN)


def refusal(call) -> dict:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


def test_a_trigger_opens_one_view_within_three_seconds(slack, client):
    fresh = trigger_id()
    opened = client.views_open(trigger_id=fresh, view=MODAL)["view"]
    assert opened["id"].startswith("V") and opened["hash"]
    assert slack.opened_views()[0]["id"] == opened["id"]

    again = refusal(lambda: client.views_open(trigger_id=fresh, view=MODAL))
    assert again["error"] == "exchanged_trigger_id"
    stale = refusal(lambda: client.views_open(trigger_id=trigger_id(time.time() - 3.5), view=MODAL))
    assert stale["error"] == "expired_trigger_id"
    for made_up in ("", "trigger-1", "1.2", "a.b.c"):
        answer = refusal(lambda made_up=made_up: client.views_open(trigger_id=made_up, view=MODAL))
        assert answer["error"] == "invalid_trigger_id", made_up


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"blocks": [{"type": "divider"}] * 101}, "invalid_arguments"),
        ({"title": {"type": "plain_text", "text": "x" * 25}}, "invalid_arguments"),
        ({"submit": None}, "invalid_arguments"),  # inputs need a submit button
        ({"type": "home"}, "invalid_arguments"),
        ({"private_metadata": "x" * 260_000}, "view_too_large"),
    ],
    ids=["101-blocks", "long-title", "inputs-without-submit", "not-a-modal", "too-large"],
)
def test_views_open_refuses_what_slack_refuses(client, change, error):
    view = {**MODAL, **change}
    answer = refusal(lambda: client.views_open(trigger_id=trigger_id(), view=view))
    assert answer["error"] == error
    if error == "invalid_arguments":
        assert answer["response_metadata"]["messages"][0].startswith("[ERROR]")


def test_views_update_needs_a_live_view_of_the_same_type_and_hash(slack, client):
    opened = client.views_open(trigger_id=trigger_id(), view=MODAL)["view"]

    updated = client.views_update(view_id=opened["id"], view=MODAL, hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    stale_hash = refusal(lambda: client.views_update(view_id=opened["id"], view=MODAL, hash="old"))
    assert stale_hash["error"] == "hash_conflict"
    home = {"type": "home", "blocks": []}
    assert refusal(lambda: client.views_update(view_id=opened["id"], view=home))["error"] == (
        "invalid_arguments"
    )
    slack.close_view(opened["id"])
    assert refusal(lambda: client.views_update(view_id=opened["id"], view=MODAL))["error"] == (
        "not_found"
    )


def test_views_publish_keeps_one_home_per_person(slack, client):
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    first = client.views_publish(user_id="U0ALICE", view=home)["view"]
    second = client.views_publish(user_id="U0ALICE", view=home)["view"]
    assert first["id"] == second["id"] and slack.home_of("U0ALICE")["hash"] == second["hash"]
    too_many = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    assert refusal(lambda: client.views_publish(user_id="U0ALICE", view=too_many))["error"] == (
        "invalid_arguments"
    )
    assert refusal(lambda: client.views_publish(user_id="U0ALICE", view=MODAL))["error"] == (
        "invalid_arguments"
    )


# ---- the payloads Slack sends ------------------------------------------------------


def test_a_view_submission_carries_every_input_and_a_response_url_for_the_channel():
    held = {**MODAL, "id": "V0TEST", "hash": "h1"}
    payload = view_submission_payload(
        user_id="U0ALICE",
        view=held,
        answers={"dial_number": "+1 415 555 0123", "dial_channel": "C0SALES"},
        response_url="https://hooks.example/r/1",
    )
    values = payload["view"]["state"]["values"]
    assert values["dial_number"]["number"] == {
        "type": "plain_text_input",
        "value": "+1 415 555 0123",
    }
    assert values["dial_channel"]["channel"]["selected_conversation"] == "C0SALES"
    assert payload["response_urls"] == [
        {
            "block_id": "dial_channel",
            "action_id": "channel",
            "channel_id": "C0SALES",
            "response_url": "https://hooks.example/r/1",
        }
    ]
    empty = view_submission_payload(user_id="U0ALICE", view=held, answers={})
    assert (
        empty["view"]["state"]["values"]["dial_channel"]["channel"]["selected_conversation"] is None
    )
    assert empty["response_urls"] == []


def test_bolt_routes_each_view_payload_and_event_to_its_listener(client):
    app = App(signing_secret=SECRET, client=client)
    seen: list[str] = []
    app.view_submission("dial_modal")(lambda ack, body: (seen.append(body["type"]), ack()))
    app.global_shortcut("dial_place_call")(lambda ack, body: (seen.append(body["type"]), ack()))
    app.action("dial_open_modal")(lambda ack, body: (seen.append(body["container"]["type"]), ack()))
    app.event("app_home_opened")(lambda event: seen.append(event["tab"]))

    held = {**MODAL, "id": "V0TEST"}
    home = {
        "type": "home",
        "id": "V0HOME",
        "blocks": [
            {
                "type": "actions",
                "block_id": "b",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "dial_open_modal",
                        "text": {"type": "plain_text", "text": "x"},
                    }
                ],
            }
        ],
    }
    bodies = [
        interactive_body(view_submission_payload(user_id="U0ALICE", view=held, answers={})),
        interactive_body(global_shortcut_payload(user_id="U0ALICE", callback_id="dial_place_call")),
        interactive_body(
            view_action_payload(user_id="U0ALICE", action_id="dial_open_modal", view=home)
        ),
        app_home_opened_body(user_id="U0ALICE"),
    ]
    for body in bodies:
        response = app.dispatch(BoltRequest(body=body, headers=signed_headers(SECRET, body)))
        assert response.status == 200, body
    deadline = time.monotonic() + 5
    while len(seen) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen == ["view_submission", "shortcut", "view", "home"]


def test_an_event_is_signed_as_json():
    body = app_home_opened_body(user_id="U0ALICE", tab="messages")
    assert signed_headers(SECRET, body)["Content-Type"] == "application/json"
    assert json.loads(body)["event"]["tab"] == "messages"
    assert "payload" in parse_qs(interactive_body({"type": "shortcut"}))


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (None, None),
        ({"response_action": "errors", "errors": {"dial_number": "Bad number"}}, None),
        ({"response_action": "errors", "errors": {"dial_as": "No"}}, "not an input block"),
        ({"response_action": "errors", "errors": {}}, "must map block ids"),
        ({"response_action": "update", "view": {**MODAL, "submit": None, "blocks": []}}, None),
        ({"response_action": "update", "view": {"type": "home", "blocks": []}}, "type must be"),
        ({"response_action": "close"}, "response_action must be"),
    ],
)
def test_answer_problems_checks_a_submission_ack_as_slack_does(answer, problem):
    problems = answer_problems(MODAL, answer)
    if problem is None:
        assert problems == []
    else:
        assert problem in " ".join(problems)


def test_renaming_someone_in_one_stand_in_leaves_the_others_alone():
    with SlackApiStandIn() as first:
        first.users[1]["profile"]["display_name"] = "bob.baker"
    with SlackApiStandIn() as second:
        assert second.users[1]["profile"]["display_name"] == "bob"

"""Card surfaces: a response_url card, the dial modal and the App Home, each changed
where it lives, and each saying False (never raising) when Slack refuses."""

from __future__ import annotations

import pytest
from slack_front import ALICE
from slack_sdk import WebClient

from bot.sandbox.slack_requests import trigger_id
from bot.slack.blocks import text_message
from bot.slack.surfaces import HomeCard, ModalCard, ResponseUrlCard


@pytest.fixture
def client(slack) -> WebClient:
    return WebClient(base_url=slack.url, token=slack.bot_token)


def test_a_response_url_card_is_replaced_or_told_beside(slack):
    url = slack.response_url()
    card = ResponseUrlCard(url, request_id="req-1")

    assert card.replace(text_message("the card"))
    assert card.tell(text_message("a note"))

    replaced, told = slack.responses_for(url)
    assert (replaced["replace_original"], told["replace_original"]) == (True, False)
    assert (replaced["response_type"], told["text"]) == ("ephemeral", "a note")


def test_a_response_url_that_slack_closed_answers_false(slack):
    url = slack.response_url()
    slack.expire_response_url(url)
    assert ResponseUrlCard(url).replace(text_message("late")) is False
    assert ResponseUrlCard(None).tell(text_message("nowhere")) is False


def test_the_modal_is_updated_in_place(slack, client):
    opened = client.views_open(
        trigger_id=trigger_id(),
        view={"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []},
    )
    view_id = opened["view"]["id"]

    assert ModalCard(client, view_id).replace(text_message("Dialing…"))

    view = slack.view(view_id)
    assert view["type"] == "modal" and view["callback_id"] == "dial_modal"
    assert "Dialing…" in str(view["blocks"])


def test_a_modal_that_is_gone_answers_false(slack, client):
    assert ModalCard(client, "V0GONE").replace(text_message("late")) is False
    opened = client.views_open(
        trigger_id=trigger_id(),
        view={"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []},
    )
    slack.close_view(opened["view"]["id"])  # the person closed it
    assert ModalCard(client, opened["view"]["id"]).replace(text_message("late")) is False


def test_the_home_tab_is_published_for_the_person(slack, client):
    assert HomeCard(client, ALICE).replace(text_message("Your last calls"))
    assert HomeCard(client, ALICE).tell(text_message("Your calls, again"))

    home = slack.home_of(ALICE)
    assert home["type"] == "home" and "Your calls, again" in str(home["blocks"])
    assert len(slack.calls_to("views.publish")) == 2

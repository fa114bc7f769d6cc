"""The reporter: what a card shows after each press, and where an outcome goes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from slack_front import ALICE, CHANNEL, NOTIFY

from bot.dialing import Claimed, Refusal, RefusalKind
from bot.slack.blocks import Message
from bot.slack.reporter import Press
from bot.store import DialState


class RecordingSurface:
    """A card surface that remembers what it was asked to show."""

    def __init__(self, works: bool = True) -> None:
        self.replaced: list[Message] = []
        self.told: list[Message] = []
        self.works = works

    def replace(self, message: Message) -> bool:
        self.replaced.append(message)
        return self.works

    def tell(self, message: Message) -> bool:
        self.told.append(message)
        return self.works


@pytest.fixture
def pending(front, slack):
    prepared = front.service.prepare(
        ALICE, None, "+1 415 555 0123", None, CHANNEL, slack.response_url()
    )
    return prepared.request


def buttons(message: Message) -> list[str]:
    return [
        element["action_id"]
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_a_claim_turns_the_card_into_dialing(front, pending):
    surface = RecordingSurface()
    dialing = replace(pending, state=DialState.DIALING)

    front.reporter.answer_press(surface, Press.DIAL, Claimed(dialing))

    (card,) = surface.replaced
    assert "Dialing" in card.text and buttons(card) == []


@pytest.mark.parametrize("kind", [RefusalKind.RATE_LIMITED, RefusalKind.STORE_FAILED])
def test_a_refusal_that_changed_nothing_brings_the_card_back_with_why(front, pending, kind):
    surface = RecordingSurface()

    front.reporter.answer_press(surface, Press.DIAL, Refusal(kind, "Wait a bit.", pending))

    (card,) = surface.replaced
    assert buttons(card) == ["dial_confirm", "dial_cancel"]
    assert card.text.startswith(":no_entry: Wait a bit.")


@pytest.mark.parametrize("press", list(Press))
def test_a_press_on_a_finished_request_shows_its_final_state(front, pending, press):
    surface = RecordingSurface()
    placed = replace(pending, state=DialState.PLACED, call_id="call-7")
    refusal = Refusal(RefusalKind.ALREADY_HANDLED, "Already placed.", placed)

    front.reporter.answer_press(surface, press, refusal)

    (card,) = surface.replaced
    assert "placed" in card.text and "call-7" in card.text and surface.told == []


def test_someone_elses_press_is_told_privately_and_the_card_is_left(front, pending):
    surface = RecordingSurface()
    placed = replace(pending, state=DialState.PLACED)
    refusal = Refusal(RefusalKind.NOT_YOURS, "Only Alice can.", placed)

    front.reporter.answer_press(surface, Press.DIAL, refusal)

    assert surface.replaced == [] and [m.text for m in surface.told] == ["Only Alice can."]


def test_while_dialing_a_dial_press_says_nothing_and_a_cancel_press_says_why(front, pending):
    dialing = replace(pending, state=DialState.DIALING)
    refusal = Refusal(RefusalKind.ALREADY_DIALING, "Already being placed.", dialing)
    after_dial, after_cancel = RecordingSurface(), RecordingSurface()

    front.reporter.answer_press(after_dial, Press.DIAL, refusal)
    front.reporter.answer_press(after_cancel, Press.CANCEL, refusal)

    assert (after_dial.replaced, after_dial.told) == ([], [])
    assert after_cancel.replaced == [] and len(after_cancel.told) == 1


def test_an_outcome_goes_to_the_channel_thread_the_notification_and_the_card(front, slack, pending):
    post = front.reporter.announce(pending)
    placed = replace(pending, state=DialState.PLACED, call_id="call-9")

    front.reporter.report(placed, post)

    parent, reply = slack.messages(CHANNEL)
    assert "+1 415-•••-0123" in parent["text"] and "call-9" in reply["text"]
    assert parent["text"].startswith(":white_check_mark: Call placed")
    assert "call-9" in parent["text"]
    assert reply["thread_ts"] == parent["ts"]
    (summary,) = slack.messages(NOTIFY)
    assert "placed" in summary["text"]
    card = slack.responses_for(pending.response_url)[-1]
    assert card["replace_original"] and "call-9" in card["text"]
    assert front.service.store.get_request(pending.id).parent_ts == parent["ts"]


def test_when_the_channel_refuses_the_requester_is_told_privately(front, slack, pending):
    slack.fail("chat.postMessage", "not_in_channel", channel=CHANNEL)
    rejected = replace(pending, state=DialState.REJECTED, error="CXone said no.")

    front.reporter.report(rejected, front.reporter.announce(pending))

    private, card = slack.responses_for(pending.response_url)
    assert private["replace_original"] is False and "only you see this" in private["text"]
    assert "CXone said no." in private["text"] and card["replace_original"] is True
    assert len(slack.messages(NOTIFY)) == 1


def test_when_the_card_is_gone_too_the_outcome_comes_as_a_dm(front, slack, pending):
    slack.fail("chat.postMessage", "channel_not_found", channel=CHANNEL)
    slack.expire_response_url(pending.response_url)

    post = front.reporter.announce(pending)
    front.reporter.report(replace(pending, state=DialState.UNKNOWN, error="Check CXone."), post)

    (dm,) = slack.messages(slack.dm_channel(ALICE))
    assert "Check CXone." in dm["text"]


def test_when_the_thread_reply_fails_the_post_still_ends_with_the_outcome(front, slack, pending):
    post = front.reporter.announce(pending)
    slack.fail("chat.postMessage", "ratelimited", channel=CHANNEL, status=200)
    rejected = replace(pending, state=DialState.REJECTED, error="CXone said no.")

    front.reporter.report(rejected, post)

    (parent,) = slack.messages(CHANNEL)
    assert parent["text"].startswith(":x: Not placed")
    private = slack.responses_for(pending.response_url)[0]
    assert "CXone said no." in private["text"] and private["replace_original"] is False


def test_a_recovered_dial_is_told_in_its_thread_and_its_post_corrected(front, slack, pending):
    post = front.reporter.announce(pending)
    recovered = replace(
        pending, state=DialState.UNKNOWN, parent_ts=post.ts, error="The bot stopped."
    )

    front.reporter.report_recovered(recovered)

    parent, reply = slack.messages(CHANNEL)
    assert parent["text"].startswith(":warning: Outcome unknown: the bot restarted")
    assert reply["thread_ts"] == parent["ts"] and "outcome is unknown" in reply["text"]
    assert slack.responses_for(pending.response_url) == []


def test_a_recovered_dial_posted_as_a_dm_has_its_dm_post_corrected(front, slack, pending):
    as_dm = replace(pending, channel_id=ALICE)  # the modal with no channel chosen
    post = front.reporter.announce(as_dm)
    assert post.channel == slack.dm_channel(ALICE)  # chat.update needs the D… id
    recovered = replace(as_dm, state=DialState.UNKNOWN, parent_ts=post.ts, error="Stopped.")

    front.reporter.report_recovered(recovered)

    parent, reply = slack.messages(slack.dm_channel(ALICE))
    assert parent["text"].startswith(":warning: Outcome unknown: the bot restarted")
    assert reply["thread_ts"] == parent["ts"]

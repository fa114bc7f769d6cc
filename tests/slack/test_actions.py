"""The Dial and Cancel buttons, called as Bolt calls their lazy listeners."""

from __future__ import annotations

from slack_front import ALICE, BOB, CHANNEL, NOTIFY, FakeAck, button_value, command, press

from bot.slack.listeners.actions import CardButtons, ack_at_once
from bot.slack.listeners.commands import DialCommandListener
from bot.store import DialState


def card_for(front, slack, user_id: str = ALICE) -> tuple[str, str]:
    """A pending request from /dial: its id and the card's response_url."""
    response_url = slack.response_url()
    ack = FakeAck()
    DialCommandListener(front).on_dial_command(
        ack, command(user_id, "+1 415 555 0123", response_url)
    )
    return button_value(ack.answer), response_url


def test_the_buttons_ack_empty_at_once():
    ack = FakeAck()
    ack_at_once(ack)
    assert ack.calls == [{}]


def test_dial_places_one_call_and_the_card_goes_from_dialing_to_placed(front, slack, placer):
    request_id, response_url = card_for(front, slack)

    CardButtons(front).on_dial_pressed(press(ALICE, "dial_confirm", request_id, response_url))

    (order,) = placer.orders
    assert (order.request_id, order.agent_id) == (request_id, "agent-1001")
    cards = [r for r in slack.responses_for(response_url) if r["replace_original"]]
    assert "Dialing" in cards[0]["text"]
    assert "placed" in cards[-1]["text"] and "actions" not in str(cards[-1]["blocks"])
    parent, reply = slack.messages(CHANNEL)
    assert reply["thread_ts"] == parent["ts"]
    assert len(slack.messages(NOTIFY)) == 1
    assert front.service.store.get_request(request_id).state == DialState.PLACED


def test_a_second_press_places_nothing_more(front, slack, placer):
    request_id, response_url = card_for(front, slack)
    buttons = CardButtons(front)
    for _ in range(2):
        buttons.on_dial_pressed(press(ALICE, "dial_confirm", request_id, response_url))

    assert len(placer.orders) == 1
    assert "placed" in slack.responses_for(response_url)[-1]["text"]


def test_someone_elses_press_is_refused_and_leaves_the_card(front, slack, placer):
    request_id, response_url = card_for(front, slack)

    CardButtons(front).on_dial_pressed(press(BOB, "dial_confirm", request_id, response_url))

    assert placer.orders == []
    (told,) = slack.responses_for(response_url)
    assert told["replace_original"] is False
    assert f"Only <@{ALICE}>" in told["text"]
    assert front.service.store.get_request(request_id).state == DialState.PENDING


def test_cancel_ends_the_card_and_a_later_dial_places_nothing(front, slack, placer):
    request_id, response_url = card_for(front, slack)
    buttons = CardButtons(front)

    buttons.on_cancel_pressed(press(ALICE, "dial_cancel", request_id, response_url))
    buttons.on_dial_pressed(press(ALICE, "dial_confirm", request_id, response_url))

    assert placer.orders == []
    assert all("Cancelled" in r["text"] for r in slack.responses_for(response_url))


def test_a_tampered_request_id_is_refused_and_not_echoed(front, slack, placer):
    response_url = slack.response_url()
    CardButtons(front).on_dial_pressed(press(ALICE, "dial_confirm", "<!channel>", response_url))

    (told,) = slack.responses_for(response_url)
    assert "doesn't match any dial request" in told["text"]
    assert "<!channel>" not in str(told)
    assert placer.orders == []


def test_a_press_is_answered_before_its_work_runs_and_a_crash_in_it_is_logged(front, caplog):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from bot.slack.listeners.actions import acked_then

    started, release = threading.Event(), threading.Event()

    def work(body):
        started.set()
        release.wait(10)
        raise RuntimeError("the after-ack work failed")

    pool = ThreadPoolExecutor(max_workers=1)
    front.after_ack_executor = pool
    ack = FakeAck()
    acked_then(front, work)(ack, {"type": "block_actions"})
    assert ack.calls == [{}]  # answered, and returned while the work is still to finish
    assert started.wait(10) and not release.is_set()
    release.set()
    pool.shutdown(wait=True)
    assert "unhandled error (reference after the ack)" in caplog.text

"""DIAL_RETENTION_DAYS in the running app: the pass is started, prunes old finished
requests only, leaves a dial made meanwhile alone, and stops with the app."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from dialbot_e2e import ALICE

from bot.slack.app import front_end, shutdown
from bot.store import DialState
from bot.store.schema import dial_requests


def old_row(state: DialState, days_ago: float) -> dict:
    created = datetime.now(UTC) - timedelta(days=days_ago)
    return {
        "id": secrets.token_urlsafe(16),
        "requester_id": ALICE,
        "agent_user_id": ALICE,
        "agent_id": "1001",
        "phone_number": "+14155550123",
        "contact_id": "contact-1",
        "channel_id": "C0SALES",
        "response_url": None,
        "state": state.value,
        "created_at": created,
        "expires_at": created + timedelta(minutes=10),
        "confirmed_at": created,
        "finished_at": created + timedelta(minutes=1),
    }


def test_the_app_runs_the_retention_pass_when_the_variable_is_set(start_bot):
    bot = start_bot(dial_retention_days=30)
    old_placed, old_dialing = old_row(DialState.PLACED, 40), old_row(DialState.DIALING, 40)
    with bot.store.engine.begin() as connection:
        connection.execute(dial_requests.insert(), [old_placed, old_dialing])
    slash = bot.slash(ALICE, "+1 415 555 0199")
    bot.press(slash)
    bot.wait_for_final_card(slash)

    retention = front_end(bot.app).retention
    assert retention is not None and retention.retention_days == 30
    result = retention.run_once()

    assert result is not None and result.removed == 1
    assert bot.store.get_request(old_placed["id"]) is None
    assert bot.store.get_request(old_dialing["id"]) is not None  # never a dialing one
    assert bot.store.get_request(slash.request_id).state is DialState.PLACED
    shutdown(bot.app)
    assert not retention._thread.is_alive()


def test_without_the_variable_nothing_is_ever_deleted(bot):
    assert front_end(bot.app).retention is None

"""The Slack front end without Bolt or HTTP in front: the listeners are called as Bolt
would call them, with a fake `ack`; behind them a real store, the FakePlacer, and the
Slack stand-in for everything the bot sends (posts, response_urls, views)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_front import ADMIN, AGENTS, NOTIFY, SAM, InlineExecutor
from slack_sdk import WebClient

from bot.fake_placer import FakePlacer
from bot.sandbox.settings import Endpoints, sandbox_settings
from bot.sandbox.slack_api import SlackApiStandIn
from bot.slack.app import build_front_end
from bot.slack.front_end import DialFrontEnd
from bot.store import Store


@pytest.fixture
def slack() -> Iterator[SlackApiStandIn]:
    with SlackApiStandIn() as standin:
        yield standin


@pytest.fixture
def placer() -> FakePlacer:
    return FakePlacer()


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'dialbot.db'}")
    for user_id, agent_id in AGENTS.items():
        store.link(user_id, agent_id, ADMIN)
    yield store
    store.close()


@pytest.fixture
def front(slack, store, placer, tmp_path) -> DialFrontEnd:
    endpoints = Endpoints(
        slack_url=slack.url,
        bot_token=slack.bot_token,
        cxone_url="http://127.0.0.1:9",  # never called: the FakePlacer stands in for CXone
        client_id="unused",
        client_secret="unused",
        campaign_id="unused",
    )
    settings = sandbox_settings(
        endpoints,
        database_url=store.engine.url.render_as_string(),
        dial_admins={ADMIN},
        dial_supervisors={SAM},
        dial_notify_channel=NOTIFY,
    )
    client = WebClient(base_url=slack.url, token=slack.bot_token)
    return build_front_end(settings, store, placer, client, dial_executor=InlineExecutor())

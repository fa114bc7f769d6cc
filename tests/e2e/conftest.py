"""The real app over HTTP, against a local CXone tenant and a local Slack Web API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from dialbot_e2e import ADMIN, AGENTS, SIGNING_SECRET, DialBot, make_settings

from bot.sandbox.cxone import CXoneSandbox
from bot.sandbox.slack_api import SlackApiStandIn
from bot.server import HttpServer
from bot.slack.app import build_app, shutdown
from bot.store import Store


@pytest.fixture
def slack() -> Iterator[SlackApiStandIn]:
    with SlackApiStandIn() as standin:
        yield standin


@pytest.fixture
def cxone() -> Iterator[CXoneSandbox]:
    with CXoneSandbox(agents=AGENTS.values()) as sandbox:
        yield sandbox


@pytest.fixture
def start_bot(slack, cxone, tmp_path) -> Iterator:
    """Start the real app with settings overrides; links ALICE, BOB and SAM to agents."""
    started: list[tuple[HttpServer, Any, Store]] = []

    def start(*, link: bool = True, **overrides: Any) -> DialBot:
        settings = make_settings(slack, cxone, tmp_path, **overrides)
        store = Store.open(settings.database_url)
        if link:
            for user_id, agent_id in AGENTS.items():
                store.link(user_id, agent_id, ADMIN)
        app = build_app(settings, store=store)
        server = HttpServer(app, signing_secret=SIGNING_SECRET).start()
        started.append((server, app, store))
        return DialBot(
            server=server, app=app, slack=slack, cxone=cxone, store=store, settings=settings
        )

    yield start
    for server, app, store in started:
        server.stop()
        shutdown(app)
        store.close()


@pytest.fixture
def bot(start_bot) -> DialBot:
    return start_bot()

"""Following survives a restart, and with two replicas on PostgreSQL one follows each
call; when it dies, the other takes the call over within a bounded time."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from agent_mode import agent_overrides, dial, wait_for_reply_saying
from dialbot_e2e import ADMIN, AGENTS, ALICE, DialBot, RunningApp, make_settings

from bot.sandbox import wait_for
from bot.sandbox.cxone_agent import AgentApiSandbox
from bot.sandbox.settings import Endpoints, sandbox_environment
from bot.server import HttpServer
from bot.slack.app import build_app, front_end, shutdown
from bot.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from store_databases import new_database  # noqa: E402

AGENT = AGENTS[ALICE]
LEASE_SECONDS = 5.0  # generous: renewals must come in time on a loaded machine
SCAN_SECONDS = 0.3
POLL_SECONDS = 1


@dataclass
class Replica:
    bot: DialBot

    @property
    def following(self):
        return front_end(self.bot.app).following

    def stop(self, *, crash: bool = False) -> None:
        """Stop serving; a crash leaves its leases to run out."""
        self.bot.server.stop()
        if crash:
            self.following.stop(release_leases=False)
        shutdown(self.bot.app, wait=False)


@pytest.fixture
def cxone() -> Iterator[AgentApiSandbox]:
    with AgentApiSandbox(agents=AGENTS.values(), call_script="held") as sandbox:
        yield sandbox


@pytest.fixture
def start_replica(slack, cxone, tmp_path) -> Iterator:
    started: list[Replica] = []

    def start(database_url: str, *, link: bool = False) -> Replica:
        settings = make_settings(
            slack, cxone, tmp_path, **agent_overrides(cxone), database_url=database_url
        )
        store = Store.open(settings.database_url)
        if link:
            for user_id, agent_id in AGENTS.items():
                store.link(user_id, agent_id, ADMIN)
        options = {"lease_seconds": LEASE_SECONDS, "scan_seconds": SCAN_SECONDS}
        app = build_app(settings, store=store, follow_options=options)
        front_end(app).following.placer.poll_seconds = POLL_SECONDS
        server = HttpServer(app, signing_secret=settings.slack_signing_secret.get_secret_value())
        bot = DialBot(
            server=server.start(), app=app, slack=slack, cxone=cxone, store=store, settings=settings
        )
        replica = Replica(bot)
        started.append(replica)
        return replica

    yield start
    for replica in started:
        replica.stop()
        replica.bot.store.close()


def contact_of(replica: Replica) -> str:
    return wait_for(lambda: replica.bot.store.history(limit=1)[0].cxone_contact_id)


def test_a_call_followed_when_the_bot_restarts_is_followed_again(start_replica, cxone, tmp_path):
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    first = start_replica(url, link=True)
    dial(first.bot, ALICE)
    wait_for_reply_saying(first.bot, "Connected")
    contact = contact_of(first)

    first.stop()
    wait_for(lambda: first.following.following == 0, timeout=POLL_SECONDS + 3)
    second = start_replica(url)
    wait_for(lambda: second.following.following == 1, timeout=5)
    cxone.hang_up(contact)

    ended = wait_for_reply_saying(second.bot, "Call ended after")
    assert "connected" in ended
    assert second.bot.store.history(limit=1)[0].follow_state == "ended"
    assert len(cxone.placed_calls) == 1


def test_two_replicas_follow_each_call_once_and_take_over_from_a_dead_one(
    start_replica, cxone, tmp_path
):
    with new_database("postgresql", tmp_path) as url:
        a = start_replica(url, link=True)
        b = start_replica(url)
        dial(a.bot, ALICE)
        wait_for_reply_saying(a.bot, "Connected")
        contact = contact_of(a)
        request_id = a.bot.store.history(limit=1)[0].id

        # while A lives and renews its lease, B's scans leave the call alone
        time.sleep(LEASE_SECONDS + 2 * SCAN_SECONDS)
        assert (a.following.following, b.following.following) == (1, 0)
        assert a.bot.store.follow_lease_holder(request_id) == a.following.holder

        a.stop(crash=True)
        wait_for(lambda: a.following.following == 0, timeout=POLL_SECONDS + 3)
        died = time.monotonic()
        wait_for(lambda: b.following.following == 1, timeout=LEASE_SECONDS + 5)
        assert time.monotonic() - died < LEASE_SECONDS + SCAN_SECONDS + POLL_SECONDS + 1
        assert b.bot.store.follow_lease_holder(request_id) == b.following.holder

        cxone.hang_up(contact)
        wait_for_reply_saying(b.bot, "Call ended after")
        assert b.bot.store.get_request(request_id).follow_state == "ended"
        assert len(cxone.placed_calls) == 1
        b.stop()
        for replica in (a, b):
            replica.bot.store.close()


def test_a_replica_killed_with_sigkill_has_its_call_taken_over(slack, cxone, tmp_path):
    """Two `python app.py` processes on one PostgreSQL database; the one following a
    call is SIGKILLed; the other takes the call over and reports its end."""
    with new_database("postgresql", tmp_path) as url:
        store = Store.open(url)
        for user_id, agent_id in AGENTS.items():
            store.link(user_id, agent_id, ADMIN)
        env = sandbox_environment(
            Endpoints.of(slack, cxone),
            database_url=url,
            dial_follow_lease_seconds=LEASE_SECONDS,
            dial_notify_channel=None,
            **agent_overrides(cxone),
        )
        first = RunningApp(env, tmp_path)
        second = RunningApp(env, tmp_path)
        try:
            bot = DialBot(
                server=first, app=None, slack=slack, cxone=cxone, store=store, settings=None
            )
            dial(bot, ALICE)
            wait_for_reply_saying(bot, "Connected")
            (request,) = store.history(limit=1)
            holder = wait_for(lambda: store.follow_lease_holder(request.id))

            first.stop(signal.SIGKILL)
            killed = time.monotonic()
            taken = wait_for(
                lambda: (store.follow_lease_holder(request.id) or holder) != holder,
                timeout=LEASE_SECONDS + 10,
            )
            assert taken and time.monotonic() - killed < LEASE_SECONDS + 5

            cxone.hang_up(contact_of_request(store, request.id))
            wait_for_reply_saying(bot, "Call ended after")
            assert store.get_request(request.id).follow_state == "ended"
            assert len(cxone.placed_calls) == 1
        finally:
            first.stop(signal.SIGKILL)
            second.stop()
            store.close()


def contact_of_request(store: Store, request_id: str) -> str:
    return wait_for(lambda: store.get_request(request_id).cxone_contact_id)

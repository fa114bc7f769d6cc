"""The fault matrix: one /dial and one press of Dial over signed HTTP against the real app,
with one thing broken each time, and what came of it.

Every case records the calls CXone placed (0 or 1, never 2), the POSTs it received (to
show retries), what the requester sees and what the dial request's record says. The
README's "Reliability and security" table is this file, row for row; each row names its
test id, e.g. `test_cxone_fault[dial-500]`.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from dialbot_e2e import ALICE, CHANNEL, NOTIFY_CHANNEL, DialBot, Slash
from sqlalchemy.engine import make_url

from bot.sandbox import wait_for
from bot.sandbox.cxone import CXoneSandbox
from bot.store import DialState, Store
from bot.store import engine as store_engine

NUMBER = "+1 415 555 0123"
# Read timeouts in a second, not ten. The agent-state check is off: each row isolates one
# fault of the dial and its token (a state read would fetch and refresh the token first);
# the state read's own faults are tests/e2e/test_agent_state.py.
FAST = {"cxone_http_timeout": 1.0, "dial_agent_state_check": "off"}


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def dial(bot: DialBot) -> tuple[Slash, dict[str, Any]]:
    """/dial as Alice, press Dial, and wait for the card's final state."""
    slash = bot.slash(ALICE, NUMBER)
    assert slash.buttons, slash.text
    assert bot.press(slash).status_code == 200
    return slash, bot.wait_for_final_card(slash, timeout=20)


def thread_reply(bot: DialBot) -> dict[str, Any]:
    """The outcome posted in the thread under the channel post."""

    def replies() -> list[dict[str, Any]]:
        return [m for m in bot.slack.messages(CHANNEL) if m.get("thread_ts")]

    (reply,) = wait_for(replies)
    return reply


PARENT_READS = {  # what the channel's post says at the end, after chat.update
    DialState.PLACED: ":white_check_mark: Call placed",
    DialState.REJECTED: ":x: Not placed",
    DialState.UNKNOWN: ":warning: Outcome unknown",
}


def parent_post(bot: DialBot) -> dict[str, Any]:
    """The channel post naming the call, once chat.update has given it the outcome."""

    def updated() -> list[dict[str, Any]]:
        parents = [m for m in bot.slack.messages(CHANNEL) if not m.get("thread_ts")]
        return parents if parents and "edited" in parents[0] else []

    (parent,) = wait_for(updated)
    return parent


def private_outcomes(bot: DialBot, slash: Slash) -> list[dict[str, Any]]:
    """Messages only the requester sees, sent over the response_url beside the card."""
    return [r for r in bot.responses(slash) if r.get("replace_original") is False]


# --- CXone ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CXoneCase:
    name: str
    inject: Callable[[DialBot], None]
    posts: int  # dial POSTs CXone received
    placed: int  # calls CXone placed
    state: DialState
    sees: str  # on the final card and in the thread reply
    settings: Callable[[CXoneSandbox], dict[str, Any]] = lambda cxone: FAST
    token_requests: int | None = None
    call_id_recorded: bool = True  # False: CXone's 200 carried no readable call id


def fault(name: str, **options: Any) -> Callable[[DialBot], None]:
    return lambda bot: bot.cxone.set_fault(name, **options)


def nothing(bot: DialBot) -> None:
    pass


def revoke_the_cached_token(bot: DialBot) -> None:
    """One good dial caches a token; CXone then revokes it, as an admin rotating keys would."""
    dial(bot)
    bot.cxone.reset_records()
    bot.slack.reset_records()
    bot.cxone.set_fault("revoked")


def token_url_refused(cxone: CXoneSandbox) -> dict[str, Any]:
    return {**FAST, "cxone_token_url": closed_port_url() + "/oauth/token"}


def dial_url_refused(cxone: CXoneSandbox) -> dict[str, Any]:
    # Tokens still come from the sandbox; the dial endpoint's host refuses connections.
    return {**FAST, "cxone_token_url": cxone.token_url, "cxone_base_url": closed_port_url()}


TOKENS_NEVER = "did not answer usefully after 3 attempts"
MAY_HAVE_PLACED = "may or may not have been placed"

CXONE_CASES = [
    CXoneCase("token-down", nothing, 0, 0, DialState.REJECTED,
              f"{TOKENS_NEVER} (could not connect)", token_url_refused),
    CXoneCase("token-500", fault("token_500"), 0, 0, DialState.REJECTED,
              f"{TOKENS_NEVER} (HTTP 500)", token_requests=3),
    CXoneCase("token-slow", fault("token_slow", seconds=3), 0, 0, DialState.REJECTED,
              f"{TOKENS_NEVER} (no answer within 1 s)", token_requests=3),
    CXoneCase("dial-429-retry-after-once", fault("429", retry_after=1, times=1), 2, 1,
              DialState.PLACED, "Call placed"),
    CXoneCase("dial-429-retry-after-always", fault("429", retry_after=1), 3, 0,
              DialState.REJECTED, "CXone is limiting requests"),
    CXoneCase("dial-429-no-retry-after-once", fault("429", times=1), 2, 1, DialState.PLACED,
              "Call placed"),
    CXoneCase("dial-401-revoked-token", revoke_the_cached_token, 2, 1, DialState.PLACED,
              "Call placed", token_requests=1),
    CXoneCase("dial-500", fault("500", place=True), 1, 1, DialState.UNKNOWN,
              "CXone reported an internal error"),
    CXoneCase("dial-502", fault("502", place=True), 1, 1, DialState.UNKNOWN,
              "A gateway in front of CXone reported an error"),
    CXoneCase("dial-503-once", fault("503", times=1), 2, 1, DialState.PLACED, "Call placed"),
    CXoneCase("dial-503-always", fault("503"), 3, 0, DialState.REJECTED,
              "CXone was unavailable and stayed so"),
    CXoneCase("dial-504", fault("504", place=True), 1, 1, DialState.UNKNOWN,
              "A gateway in front of CXone timed out"),
    CXoneCase("dial-read-timeout", fault("timeout", seconds=3), 1, 1, DialState.UNKNOWN,
              "CXone sent no answer within 1 s"),
    CXoneCase("dial-connection-refused", nothing, 0, 0, DialState.REJECTED,
              "CXone could not be reached", dial_url_refused),
    CXoneCase("dial-connection-reset", fault("reset", place=True), 1, 1, DialState.UNKNOWN,
              "broke after the call request was sent"),
    CXoneCase("dial-malformed-json", fault("malformed", place=True), 1, 1, DialState.PLACED,
              "Call placed", call_id_recorded=False),
]  # fmt: skip


@pytest.mark.parametrize("case", CXONE_CASES, ids=lambda case: case.name)
def test_cxone_fault(case: CXoneCase, start_bot, cxone):
    bot = start_bot(**case.settings(cxone))
    case.inject(bot)

    slash, card = dial(bot)

    record = bot.store.get_request(slash.request_id)
    reply = thread_reply(bot)
    assert len(cxone.placed_calls) == case.placed <= 1
    assert len(cxone.calls) == case.posts
    if case.token_requests is not None:
        assert cxone.token_requests == case.token_requests
    assert record.state == case.state
    assert case.sees in reply["text"]
    parent = parent_post(bot)
    assert parent["text"].startswith(PARENT_READS[case.state])
    assert "is calling" not in parent["text"]
    if case.state == DialState.PLACED:
        assert "placed as alice" in card["text"]
        placed_id = cxone.placed_calls[0].call_id
        assert record.call_id == (placed_id if case.call_id_recorded else None)
        assert record.error is None
    else:
        assert case.sees in card["text"]
        assert case.sees in record.error
        assert record.call_id is None
    if case.state == DialState.UNKNOWN:
        assert MAY_HAVE_PLACED in reply["text"] and "before dialing again" in reply["text"]
    if case.state == DialState.REJECTED:
        assert "no call was placed" in reply["text"].lower()
    (notification,) = bot.channel_posts(NOTIFY_CHANNEL)
    assert str(case.state) in notification["text"]
    # Nothing is ever re-sent on its own: a second look finds no new POST.
    assert len(cxone.calls) == case.posts


# --- Slack ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SlackCase:
    name: str
    failures: list[dict[str, Any]]  # SlackApiStandIn.fail(**each)
    outcome_in: str  # "thread" or "private"
    notified: bool
    post_message_calls: int  # chat.postMessage calls the stand-in answered, failed ones too
    extra: dict[str, Any] = field(default_factory=dict)
    parent_updated: bool = True  # False: chat.update failed, the post still says "is calling"


def post_fails(error: str, **options: Any) -> dict[str, Any]:
    return {"method": "chat.postMessage", "error": error, **options}


SLACK_CASES = [
    SlackCase("slack-429", [post_fails("ratelimited", status=429, retry_after=1, times=1)],
              "thread", True, 4),
    SlackCase("slack-500", [post_fails("internal_error", status=500, channel=CHANNEL)],
              "private", True, 2),
    SlackCase("slack-503-everywhere", [post_fails("service_unavailable", status=503)],
              "private", False, 2),
    SlackCase("slack-not_in_channel", [post_fails("not_in_channel", channel=CHANNEL)],
              "private", True, 2),
    SlackCase("slack-channel_not_found", [post_fails("channel_not_found", channel=CHANNEL)],
              "private", True, 2),
    SlackCase("notify-channel-fails", [post_fails("not_in_channel", channel=NOTIFY_CHANNEL)],
              "thread", False, 3),
    SlackCase("slack-update-refused",
              [{"method": "chat.update", "error": "cant_update_message", "channel": CHANNEL}],
              "thread", True, 3, parent_updated=False),
]  # fmt: skip


@pytest.mark.parametrize("case", SLACK_CASES, ids=lambda case: case.name)
def test_slack_fault(case: SlackCase, bot):
    for failure in case.failures:
        bot.slack.fail(**failure)

    slash, card = dial(bot)

    record = bot.store.get_request(slash.request_id)
    call_id = bot.cxone.placed_calls[0].call_id
    assert len(bot.cxone.placed_calls) == len(bot.cxone.calls) == 1
    assert record.state == DialState.PLACED and record.call_id == call_id
    assert "placed" in card["text"] and call_id in card["text"]
    if case.outcome_in == "thread":
        assert "Call placed" in thread_reply(bot)["text"]
        assert record.parent_ts is not None
        if case.parent_updated:
            assert parent_post(bot)["text"].startswith(PARENT_READS[DialState.PLACED])
        else:  # the update was refused: the thread reply still stands
            wait_for(lambda: bot.slack.calls_to("chat.update"))
            (parent,) = [m for m in bot.slack.messages(CHANNEL) if not m.get("thread_ts")]
            assert "is calling" in parent["text"] and "edited" not in parent
        assert private_outcomes(bot, slash) == []
    else:
        (private,) = private_outcomes(bot, slash)
        assert "Call placed" in private["text"] and call_id in private["text"]
        assert "only you see this" in private["text"] and "Invite the bot" in private["text"]
        assert bot.slack.messages(CHANNEL) == []
        assert record.parent_ts is None
    notifications = bot.slack.messages(NOTIFY_CHANNEL)
    assert len(notifications) == (1 if case.notified else 0)
    assert len(bot.slack.calls_to("chat.postMessage")) == case.post_message_calls
    assert len(bot.cxone.calls) == 1


# --- the database --------------------------------------------------------------------


def test_db_locked_when_dial_pressed(start_bot, monkeypatch, tmp_path):
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT_MS", 300)
    bot = start_bot()
    slash = bot.slash(ALICE, NUMBER)
    locker = sqlite3.connect(tmp_path / "dialbot.db", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # another writer holds the lock past the busy timeout
    try:
        bot.press(slash)
        card = bot.wait_for_final_card(slash)
    finally:
        locker.rollback()
        locker.close()

    assert "couldn't record your confirmation" in card["text"]
    assert "placed no call" in card["text"]
    assert "dial_confirm" in str(card["blocks"])  # the Dial button is still there
    assert bot.cxone.calls == []
    assert bot.store.get_request(slash.request_id).state == DialState.PENDING

    # The card still has its Dial button; once the lock is gone, one press places one call.
    bot.press(slash)
    wait_for(lambda: bot.store.get_request(slash.request_id).state == DialState.PLACED)
    assert len(bot.cxone.placed_calls) == len(bot.cxone.calls) == 1
    assert bot.store.get_request(slash.request_id).state == DialState.PLACED


class TcpRelay:
    """Forwards 127.0.0.1:<port> to a server; stop() makes the server unreachable:
    open connections are cut and new ones refused, as when a database host goes away."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
                server = socket.create_connection(self.target)
            except OSError:
                return
            with self._lock:
                self._sockets += [client, server]
                if self._stopped:
                    self._cut()
                    return
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._cut()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # stops listening; wakes accept()
        self._listener.close()

    def _cut(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.fixture
def postgres(tmp_path) -> Iterator[tuple[str, TcpRelay]]:
    """A fresh PostgreSQL database reached through a relay: (its direct URL, the relay)."""
    from store_databases import new_database, server_address  # tests/store's helpers

    with new_database("postgresql", tmp_path) as url:
        relay = TcpRelay(server_address())
        try:
            yield url, relay
        finally:
            relay.stop()


def relayed(url: str, relay: TcpRelay) -> str:
    moved = make_url(url).set(host="127.0.0.1", port=relay.port)
    return moved.render_as_string(hide_password=False)


def stored(url: str, request_id: str | None = None):
    """What the database itself holds, read over a direct connection (not the relay)."""
    store = Store.open(url)
    try:
        return store.get_request(request_id) if request_id else store.history()
    finally:
        store.close()


def test_db_unreachable_when_dial_pressed(start_bot, postgres):
    url, relay = postgres
    bot = start_bot(database_url=relayed(url, relay))
    slash = bot.slash(ALICE, NUMBER)
    relay.stop()

    bot.press(slash)
    (told,) = wait_for(lambda: private_outcomes(bot, slash))

    assert "database is not answering" in told["text"] and "placed no call" in told["text"]
    assert bot.responses(slash) == [told]  # the card itself, Dial button and all, is untouched
    assert bot.cxone.calls == []
    assert stored(url, slash.request_id).state == DialState.PENDING


def test_db_unreachable_at_dial_command(start_bot, postgres):
    url, relay = postgres
    bot = start_bot(database_url=relayed(url, relay))
    relay.stop()

    slash = bot.slash(ALICE, NUMBER)

    assert "couldn't save your dial request" in slash.text and "No call was placed" in slash.text
    assert slash.buttons == []
    assert bot.cxone.calls == []
    assert stored(url) == []


def test_db_lost_while_dialing(start_bot, postgres):
    url, relay = postgres
    bot = start_bot(database_url=relayed(url, relay))
    bot.cxone.latency = 1.0
    slash = bot.slash(ALICE, NUMBER)
    bot.press(slash)
    wait_for(lambda: bot.cxone.calls)  # CXone has the request: the record says DIALING
    relay.stop()

    card = bot.wait_for_final_card(slash)

    # CXone's answer still reaches the person although it could not be saved ...
    call_id = bot.cxone.placed_calls[0].call_id
    assert "placed" in card["text"] and call_id in card["text"]
    assert "Call placed" in thread_reply(bot)["text"]
    assert parent_post(bot)["text"].startswith(PARENT_READS[DialState.PLACED])
    assert len(bot.cxone.calls) == 1
    # ... and the record stays DIALING, for the next start to mark unknown.
    assert stored(url, slash.request_id).state == DialState.DIALING

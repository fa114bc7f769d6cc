"""SlackApiStandIn: a local Slack Web API and response_url endpoint for tests and the demo.

slack_sdk's WebClient speaks urllib, which `responses` cannot intercept, so this is
a real HTTP server (as in bolt-python's tests/mock_web_api_server). Point a client at
it with `WebClient(base_url=standin.url, token=standin.bot_token)`.

It answers the methods the bot uses the way Slack does (auth.test, chat.postMessage,
chat.postEphemeral, chat.update, chat.delete, users.list, users.info,
users.lookupByEmail, conversations.info (of the ids in `channels`), views.open,
views.update, views.publish);
any other method answers {"ok": true}. Views are checked as Slack checks them: a
trigger_id is good for 3 s and one views.open (`expired_trigger_id`,
`exchanged_trigger_id`, `invalid_trigger_id`), a view has at most 100 blocks and 250 kB
and a modal a title of at most 24 characters (`invalid_arguments`, `view_too_large`),
and a modal the person closed (`close_view()`) is `not_found` to views.update.
`apps.connections.open` takes the app-level token instead (and only it does) and
answers a URL from `socket_mode_url`, e.g. a SocketModeStandIn's `issue_url`.
As Slack does, every answer to a call made with the bot token carries the scopes
granted to it in `x-oauth-scopes` (`scopes`, by default the manifest's), and a method
whose scope was not granted answers `missing_scope` with `needed` and `provided`
(conversations.info needs channels:read for a public channel, groups:read for a
private one).
Every call is recorded. `fail()` makes chosen calls fail like Slack does
(`not_in_channel`, 429 with Retry-After, 5xx). `response_url()` hands out hook URLs
whose posts (what Bolt's `respond()` sends) are recorded too.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.sandbox import LocalHttpServer, QuietHandler
from bot.slack.scopes import BOT_SCOPES

DEFAULT_BOT_TOKEN = "xoxb-demo-token"
DEFAULT_APP_TOKEN = "xapp-1-A0DIALBOT-demo-token"
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})  # Socket Mode: app-level token only
TEAM_ID = "T0DEMO"
# Without users:read.email, users.info and users.list leave
# profile.email out, as Slack does.
EMAIL_SCOPE = "users:read.email"
BOT_USER_ID = "U0DIALBOT"
BOT_ID = "B0DIALBOT"
RESPONSE_URL_USES = 5  # Slack accepts five posts per response_url
TRIGGER_SECONDS = 3.0  # a trigger_id is good for 3 s, and for one views.open
VIEW_MAX_BLOCKS = 100  # for modals and home tabs
VIEW_MAX_BYTES = 250_000  # views.open/update/publish: view_too_large beyond it
VIEW_TEXT_LIMITS = {"title": 24, "submit": 24, "close": 24}  # plain_text, characters
MANIFEST_BOT_SCOPES = BOT_SCOPES  # what installing the app from manifest.yml grants


def demo_user(user_id: str, name: str, real_name: str, *, email: str | None = None) -> dict:
    """A users.list member shaped like Slack's."""
    first, _, last = real_name.partition(" ")
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": name,
        "deleted": False,
        "real_name": real_name,
        "tz": "America/Los_Angeles",
        "is_admin": False,
        "is_bot": False,
        "is_app_user": False,
        "profile": {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "first_name": first,
            "last_name": last,
            "email": email or f"{name}@example.com",
            "team": TEAM_ID,
        },
    }


DEFAULT_USERS = (
    demo_user("U0ALICE", "alice", "Alice Archer"),
    demo_user("U0BOB", "bob", "Bob Baker"),
    demo_user("U0SUPER", "sam", "Sam Supervisor"),
)


@dataclass(frozen=True)
class ApiCall:
    """One Web API call: the method, its arguments (JSON, form or query) and what was answered."""

    method: str
    args: dict[str, Any]
    time: datetime
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


@dataclass(frozen=True)
class RespondCall:
    """One post to a response_url (what Bolt's respond() sends)."""

    token: str
    body: Any  # parsed JSON, or the raw text
    time: datetime
    status: int


@dataclass
class _Failure:
    method: str
    error: str
    channel: str | None
    status: int
    retry_after: int | None
    remaining: int | None

    def matches(self, method: str, args: dict[str, Any]) -> bool:
        in_channel = self.channel is None or args.get("channel") == self.channel
        return method == self.method and in_channel


@dataclass
class _Message:
    channel: str
    ts: str
    fields: dict[str, Any] = field(default_factory=dict)


class SlackApiStandIn(LocalHttpServer):
    """A threaded local Slack Web API; `url` ends with "/api/"."""

    def __init__(
        self,
        *,
        port: int = 0,
        bot_token: str = DEFAULT_BOT_TOKEN,
        users: Iterable[dict] | None = None,
        channels: dict[str, str] | None = None,
        team_id: str = TEAM_ID,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        response_url_uses: int | None = RESPONSE_URL_USES,
        app_token: str = DEFAULT_APP_TOKEN,
        socket_mode_url: Callable[[], str] | None = None,
        scopes: Iterable[str] = MANIFEST_BOT_SCOPES,
    ) -> None:
        super().__init__(port=port)
        self.bot_token = bot_token
        self.scopes: set[str] = set(scopes)  # granted to the bot token; tests take some away
        self._scope_order = list(scopes)
        # Deep copies: a test that renames someone must not rename them for the next test.
        self.users: list[dict] = copy.deepcopy(list(DEFAULT_USERS if users is None else users))
        self.channels: dict[str, str] = dict(channels or {"C0DEMO": "dial-demo"})
        self.private_channels: set[str] = set()  # ids of channels that are private
        self.channels_without_bot: set[str] = set()  # ids of channels the bot is not in
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.response_url_uses = response_url_uses
        self.app_token = app_token
        self.socket_mode_url = socket_mode_url
        self._lock = threading.Lock()
        self._calls: list[ApiCall] = []
        self._respond_calls: list[RespondCall] = []
        self._failures: list[_Failure] = []
        self._messages: dict[tuple[str, str], _Message] = {}
        self._closed_urls: dict[str, str] = {}
        self._views: dict[str, dict[str, Any]] = {}  # view id -> the view as Slack holds it
        self._homes: dict[str, str] = {}  # user id -> the id of their published home view
        self._used_triggers: set[str] = set()
        self._last_ts_micros = 0

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        return f"SlackApiStandIn({where})"

    @property
    def url(self) -> str:
        return self.base_url + "/api/"

    # ---- response_url --------------------------------------------------------------

    def response_url(self, name: str | None = None) -> str:
        """A fresh hook URL; posts to it are recorded under its token (`name` if given)."""
        token = name or uuid.uuid4().hex
        return f"{self.base_url}/respond/{token}"

    def expire_response_url(self, url_or_token: str, error: str = "expired_url") -> None:
        """Make later posts to this response_url answer 404 `error`."""
        with self._lock:
            self._closed_urls[_token_of(url_or_token)] = error

    @property
    def respond_calls(self) -> list[RespondCall]:
        with self._lock:
            return list(self._respond_calls)

    def responses_for(self, url_or_token: str) -> list[Any]:
        """The bodies posted to one response_url, oldest first."""
        token = _token_of(url_or_token)
        return [call.body for call in self.respond_calls if call.token == token]

    # ---- records -------------------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages currently in channels (after updates and deletes), oldest first."""
        with self._lock:
            found = [
                {"channel": m.channel, "ts": m.ts, **m.fields}
                for m in self._messages.values()
                if channel is None or m.channel == channel
            ]
        return sorted(found, key=lambda m: float(m["ts"]))

    def reset_records(self) -> None:
        with self._lock:
            self._calls.clear()
            self._respond_calls.clear()
            self._messages.clear()

    # ---- failure injection ---------------------------------------------------------

    def fail(
        self,
        method: str,
        error: str,
        *,
        channel: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int | None = None,
    ) -> None:
        """Make calls to `method` (in `channel`, if given) fail with `error`.

        status 200 gives {"ok": false, "error": error} as Slack does for most
        failures; 429 adds Retry-After; 5xx answers that status. `times=None` keeps
        failing until clear_failures().
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every call")
        with self._lock:
            self._failures.append(_Failure(method, error, channel, status, retry_after, times))

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def _take_failure(self, method: str, args: dict[str, Any]) -> _Failure | None:
        with self._lock:
            for failure in self._failures:
                if failure.matches(method, args):
                    if failure.remaining is not None:
                        failure.remaining -= 1
                        if failure.remaining <= 0:
                            self._failures.remove(failure)
                    return failure
        return None

    # ---- the API -------------------------------------------------------------------

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        headers: dict[str, str] = {}
        if token_error := self._token_error(method, token):
            status, payload = 200, {"ok": False, "error": token_error}
        elif method not in APP_TOKEN_METHODS and (needed := self._scope_needed(method, args)):
            headers["x-oauth-scopes"] = _scopes_header(self._scope_order, self.scopes)
            status, payload = (
                200,
                {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": needed,
                    "provided": _scopes_header(self._scope_order, self.scopes),
                },
            )
        elif failure := self._take_failure(method, args):
            status, payload = failure.status, {"ok": False, "error": failure.error}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
        else:
            handler = self._methods().get(method)
            payload = handler(args) if handler else {"ok": True}
            status = 200
        if token_error is None and method not in APP_TOKEN_METHODS:
            headers["x-oauth-scopes"] = _scopes_header(self._scope_order, self.scopes)
        with self._lock:
            self._calls.append(ApiCall(method, args, datetime.now(UTC), status, payload))
        return status, payload, headers

    def _scope_needed(self, method: str, args: dict[str, Any]) -> str | None:
        """The scope `method` needs that the bot token was not granted, if any."""
        if method != "conversations.info":
            return None
        needed = "groups:read" if self._is_private(args.get("channel")) else "channels:read"
        return None if needed in self.scopes else needed

    def _is_private(self, channel: object) -> bool:
        return isinstance(channel, str) and channel in self.private_channels

    def _token_error(self, method: str, token: str | None) -> str | None:
        expected = self.app_token if method in APP_TOKEN_METHODS else self.bot_token
        if not token:
            return "not_authed"
        if token == expected:
            return None
        if token in (self.app_token, self.bot_token):
            return "not_allowed_token_type"
        return "invalid_auth"

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "api.test": lambda args: {"ok": True, "args": args},
            "apps.connections.open": self._apps_connections_open,
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "users.list": self._users_list,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.info": self._conversations_info,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
        }

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://dialbot-demo.slack.com/",
            "team": "Dialbot Demo",
            "user": "dialbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode_url is None:
            return {"ok": False, "error": "socket_mode_not_enabled"}
        return {"ok": True, "url": self.socket_mode_url()}

    def _next_ts(self) -> str:
        with self._lock:
            micros = max(int(time.time() * 1_000_000), self._last_ts_micros + 1)
            self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    @staticmethod
    def dm_channel(user_id: str) -> str:
        """The id of the bot's direct-message conversation with `user_id` (D…)."""
        return "D" + user_id[1:]

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if _is_user_id(channel):  # Slack posts in the bot's DM with them, and says which
            channel = self.dm_channel(channel)
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = self._message_fields(args, ts)
        with self._lock:
            self._messages[(channel, ts)] = _Message(channel, ts, message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _message_fields(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "text": args.get("text", ""),
            "ts": ts,
            "team": self.team_id,
        }
        for name in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(name) is not None:
                message[name] = _maybe_json(args[name])
        return message

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        """chat.update as Slack answers it: the message at (channel, ts) takes the new
        text, blocks and attachments (those left out are kept), gains `edited`, and is
        answered with its channel, ts and text. Errors: channel_not_found without a
        channel or for a user id (a DM is updated by the D… id chat.postMessage
        answered), message_not_found for no such message, cant_update_message for one
        the bot did not post, no_text when nothing is given to show."""
        channel, ts = args.get("channel"), args.get("ts")
        if not channel or _is_user_id(channel):  # a DM is updated by its D… id only
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        edited_ts = self._next_ts()
        with self._lock:
            existing = self._messages.get((channel, ts))
            if existing is None:
                return {"ok": False, "error": "message_not_found"}
            if existing.fields.get("bot_id") != self.bot_id:
                return {"ok": False, "error": "cant_update_message"}
            for name in ("text", "blocks", "attachments", "metadata"):
                if args.get(name) is not None:
                    existing.fields[name] = _maybe_json(args[name])
            existing.fields["edited"] = {"user": self.bot_user_id, "ts": edited_ts}
            message = dict(existing.fields)
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message.get("text", ""),
            "message": message,
        }

    def post_as_person(self, channel: str, user_id: str, text: str) -> str:
        """A message a person wrote in `channel` (the bot may not update it); its ts."""
        ts = self._next_ts()
        fields = {"type": "message", "user": user_id, "text": text, "ts": ts, "team": self.team_id}
        with self._lock:
            self._messages[(channel, ts)] = _Message(channel, ts, fields)
        return ts

    def _delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("ts")
        with self._lock:
            if self._messages.pop((channel, ts), None) is None:
                return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": channel, "ts": ts}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        limit = _int(args.get("limit"), default=0)
        start = _int(args.get("cursor"), default=0)
        members = self.users[start:]
        next_cursor = ""
        if limit > 0 and len(members) > limit:
            members = members[:limit]
            next_cursor = str(start + limit)
        return {
            "ok": True,
            "members": [self._as_scoped(user) for user in members],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        for user in self.users:
            if user.get("id") == args.get("user"):
                return {"ok": True, "user": self._as_scoped(user)}
        return {"ok": False, "error": "user_not_found"}

    def _as_scoped(self, user: dict[str, Any]) -> dict[str, Any]:
        """The user as the bot's scopes let it see them (no email without the scope)."""
        if EMAIL_SCOPE in self.scopes:
            return user
        shown = copy.deepcopy(user)
        shown.get("profile", {}).pop("email", None)
        return shown

    def _users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        if EMAIL_SCOPE not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": EMAIL_SCOPE}
        email = str(args.get("email", "")).lower()
        for user in self.users:
            if str(user.get("profile", {}).get("email", "")).lower() == email:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def view(self, view_id: str) -> dict[str, Any] | None:
        """A view as it stands now (a copy), by id."""
        with self._lock:
            view = self._views.get(view_id)
            return dict(view) if view else None

    def home_of(self, user_id: str) -> dict[str, Any] | None:
        """The home view published for `user_id`, if any."""
        with self._lock:
            view_id = self._homes.get(user_id)
        return self.view(view_id) if view_id else None

    def opened_views(self) -> list[dict[str, Any]]:
        """The views views.open opened, as they stand now, oldest first."""
        opened = [c.response["view"]["id"] for c in self.calls_to("views.open") if c.ok]
        return [view for view in (self.view(view_id) for view_id in opened) if view]

    def close_view(self, view_id: str) -> None:
        """The person closed the modal: later views.update calls answer not_found."""
        with self._lock:
            self._views.pop(view_id, None)

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _maybe_json(args.get("view"))
        if trigger_error := self._take_trigger(args.get("trigger_id")):
            return {"ok": False, "error": trigger_error}
        if problems := view_problems(view, expected_type="modal"):
            return _view_refused(problems)
        return {"ok": True, "view": self._store_view(view)}

    def _take_trigger(self, trigger: Any) -> str | None:
        """Why a trigger_id cannot open a view (None: it can, and now it is used)."""
        issued = _trigger_time(trigger)
        if issued is None:
            return "invalid_trigger_id"
        with self._lock:
            if trigger in self._used_triggers:
                return "exchanged_trigger_id"
            if time.time() - issued > TRIGGER_SECONDS:
                return "expired_trigger_id"
            self._used_triggers.add(trigger)
        return None

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _maybe_json(args.get("view"))
        if problems := view_problems(view):
            return _view_refused(problems)
        view_id = args.get("view_id")
        if not view_id:
            external_id = args.get("external_id")
            with self._lock:
                found = [i for i, v in self._views.items() if v.get("external_id") == external_id]
            view_id = found[0] if external_id and found else None
        with self._lock:
            if not view_id or view_id not in self._views:
                return {"ok": False, "error": "not_found"}
            held = self._views[view_id]
        if args.get("hash") and args["hash"] != held.get("hash"):
            return {"ok": False, "error": "hash_conflict"}
        if held.get("type") != view.get("type"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": self._store_view(view, view_id)}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user_id")
        view = _maybe_json(args.get("view"))
        if not user_id:
            return {"ok": False, "error": "invalid_arguments"}
        if problems := view_problems(view, expected_type="home"):
            return _view_refused(problems)
        with self._lock:
            view_id = self._homes.get(user_id)
        stored = self._store_view(view, view_id)
        with self._lock:
            self._homes[user_id] = stored["id"]
        return {"ok": True, "view": stored}

    def _store_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        stored = {
            **view,
            "id": view_id or f"V{uuid.uuid4().hex[:10].upper()}",
            "team_id": self.team_id,
            "hash": uuid.uuid4().hex[:16],
        }
        with self._lock:
            self._views[stored["id"]] = stored
        return dict(stored)

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel or channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": self.channels[channel],
                "is_channel": True,
                "is_private": channel in self.private_channels,
                "is_member": channel not in self.channels_without_bot,
            },
        }

    def _answer_respond(self, token: str, body: bytes) -> tuple[int, str]:
        with self._lock:
            closed = self._closed_urls.get(token)
            uses = sum(1 for c in self._respond_calls if c.token == token and c.status == 200)
            limit = self.response_url_uses
            if closed is None and limit is not None and uses >= limit:
                closed = "used_url"
            status, text = (404, closed) if closed else (200, "ok")
            self._respond_calls.append(
                RespondCall(token, _parse_json(body), datetime.now(UTC), status)
            )
        return status, text


def view_problems(view: Any, *, expected_type: str | None = None) -> list[str]:
    """What Slack would refuse in a view (views.open/update/publish, a response_action):
    empty when it would take it. "view_too_large" first when it is too big."""
    if not isinstance(view, dict) or not view.get("type"):
        return ["the view must be an object with a type"]
    if len(json.dumps(view).encode()) > VIEW_MAX_BYTES:
        return ["view_too_large"]
    kind = view["type"]
    problems = []
    if expected_type and kind != expected_type:
        problems.append(f"the view's type must be {expected_type}, not {kind}")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problems.append("blocks must be a list")
    elif len(blocks) > VIEW_MAX_BLOCKS:
        problems.append(f"must provide no more than {VIEW_MAX_BLOCKS} items [/view/blocks]")
    if kind == "modal" and not (view.get("title") or {}).get("text"):
        problems.append("a modal needs a title")
    for name, limit in VIEW_TEXT_LIMITS.items():
        text = (view.get(name) or {}).get("text") or ""
        if len(text) > limit:
            problems.append(f"{name} must be at most {limit} characters [/view/{name}/text]")
    has_inputs = isinstance(blocks, list) and any(
        isinstance(b, dict) and b.get("type") == "input" for b in blocks
    )
    if kind == "modal" and has_inputs and not view.get("submit"):
        problems.append("a modal with input blocks needs a submit button [/view/submit]")
    return problems


def _view_refused(problems: list[str]) -> dict[str, Any]:
    if problems == ["view_too_large"]:
        return {"ok": False, "error": "view_too_large"}
    return {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
    }


def _trigger_time(trigger: Any) -> float | None:
    """When a trigger_id was issued (see slack_requests.trigger_id), or None if it is not
    one: Slack's are three dot-separated parts."""
    parts = trigger.split(".") if isinstance(trigger, str) else []
    if len(parts) != 3 or not parts[0].isdigit() or not all(parts):
        return None
    value = int(parts[0])
    return value / 1000 if value > 10**11 else float(value)  # milliseconds, or seconds


def _is_user_id(channel: str) -> bool:
    return channel[:1] in ("U", "W")


def _token_of(url_or_token: str) -> str:
    return url_or_token.rstrip("/").rsplit("/", 1)[-1]


def _int(value: Any, *, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _maybe_json(value: Any) -> Any:
    """Form-encoded calls send blocks as a JSON string; store them parsed."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse_json(body: bytes) -> Any:
    text = body.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class _SlackHandler(QuietHandler):
    owner: SlackApiStandIn

    def do_POST(self) -> None:
        body = self.read_body()
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith("/api/"):
            self._api(path.removeprefix("/api/"), parts.query, body)
        elif path.startswith("/respond/"):
            status, text = self.owner._answer_respond(path.removeprefix("/respond/"), body)
            self.send_bytes(status, text.encode(), "text/html")
        else:
            self.send_text(404, "Not Found")

    def do_GET(self) -> None:
        body = self.read_body()
        parts = urlsplit(self.path)
        if parts.path.startswith("/api/"):
            self._api(parts.path.removeprefix("/api/"), parts.query, body)
        else:
            self.send_text(404, "Not Found")

    def _api(self, method: str, query: str, body: bytes) -> None:
        args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type == "application/json":
            parsed = _parse_json(body)
            if isinstance(parsed, dict):
                args.update(parsed)
        elif body and content_type != "multipart/form-data":
            args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        token = None
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            token = value.strip()
        # Slack also takes the token as an argument; never keep it in the records.
        token = token or args.pop("token", None)
        args.pop("token", None)
        status, payload, headers = self.owner._answer(method, args, token)
        self.send_json(status, payload, headers)


SlackApiStandIn.handler_class = _SlackHandler


def _scopes_header(order: list[str], scopes: set[str]) -> str:
    """x-oauth-scopes as Slack sends it: comma-separated, in the order they were granted."""
    granted = [scope for scope in order if scope in scopes]
    return ",".join(granted + sorted(scopes - set(granted)))

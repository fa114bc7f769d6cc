"""Who a mention means, and what to call people: Slack's user list, cached.

Escaped mentions (`<@U123|alice>`) carry the id and need no lookup. Plain ones
(`@alice`) are matched against users.list by username, display name and real name
(case-insensitive). The whole directory is fetched at most once per TTL (one
paginated users.list on a cache miss), so an ack never waits on more than that.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot import messages
from bot.parsing import UserRef
from bot.slack.errors import describe_slack_error

log = logging.getLogger("bot.slack.users")

DIRECTORY_TTL_SECONDS = 600
NAME_TTL_SECONDS = 600
PAGE_SIZE = 200


@dataclass(frozen=True)
class Resolved:
    user_id: str
    name: str | None  # what to call them, when known


@dataclass(frozen=True)
class NotResolved:
    message: str  # for the person who typed the mention


class UserDirectory:
    def __init__(
        self,
        client: WebClient,
        *,
        directory_ttl: float = DIRECTORY_TTL_SECONDS,
        name_ttl: float = NAME_TTL_SECONDS,
    ) -> None:
        self._client = client
        # one entry: the name index built from users.list
        self._directory: TTLCache[str, dict[str, set[str]]] = TTLCache(1, directory_ttl)
        self._names: TTLCache[str, str] = TTLCache(50_000, name_ttl)
        self._directory_lock = threading.Lock()
        self._names_lock = threading.Lock()

    def resolve(self, ref: UserRef) -> Resolved | NotResolved:
        if ref.user_id:
            if ref.name:
                self._remember_name(ref.user_id, ref.name)
            return Resolved(ref.user_id, ref.name or self._cached_name(ref.user_id))
        name = (ref.name or "").lstrip("@")
        try:
            index = self._index()
        except SlackClientError as error:
            log.warning(messages.LOG_SLACK_FAILED, "users.list", describe_slack_error(error))
            return NotResolved(messages.user_lookup_failed(name))
        matches = index.get(name.lower(), set())
        if not matches:
            return NotResolved(messages.no_such_user(name))
        if len(matches) > 1:
            return NotResolved(messages.ambiguous_user(name))
        user_id = next(iter(matches))
        return Resolved(user_id, self._cached_name(user_id) or name)

    def cached_name(self, user_id: str) -> str | None:
        """What to call a person if already known; never asks Slack."""
        return self._cached_name(user_id)

    def display_name(self, user_id: str, fallback: str | None = None) -> str:
        """What to call a person: their display name, else real name, else username.

        Served from the cache; one users.info on a miss; `fallback` (or the id) on failure.
        """
        cached = self._cached_name(user_id)
        if cached:
            return cached
        try:
            user = self._client.users_info(user=user_id)["user"]
        except (SlackClientError, KeyError, TypeError) as error:
            log.warning(messages.LOG_SLACK_FAILED, "users.info", describe_slack_error(error))
            return fallback or user_id
        name = _name_of(user) or fallback or user_id
        self._remember_name(user_id, name)
        return name

    def email_of(self, user_id: str) -> str | None:
        """The person's Slack email (users.info; needs users:read.email), None when Slack
        has none for them (bots, some guests, or the scope missing). Raises
        SlackClientError when Slack cannot be asked."""
        user = self._client.users_info(user=user_id)["user"]
        name = _name_of(user)
        if name:
            self._remember_name(user_id, name)
        if user.get("is_bot") or user.get("deleted"):
            return None
        email = (user.get("profile") or {}).get("email")
        return email.strip() if isinstance(email, str) and email.strip() else None

    # --- internals ------------------------------------------------------------------

    def _cached_name(self, user_id: str) -> str | None:
        with self._names_lock:
            return self._names.get(user_id)

    def _remember_name(self, user_id: str, name: str) -> None:
        with self._names_lock:
            self._names[user_id] = name

    def _index(self) -> dict[str, set[str]]:
        with self._directory_lock:  # one fetch at a time; others wait and reuse it
            index = self._directory.get("index")
            if index is None:
                index = self._fetch_index()
                self._directory["index"] = index
            return index

    def _fetch_index(self) -> dict[str, set[str]]:
        index: dict[str, set[str]] = {}
        cursor: str | None = None
        pages = members_seen = 0
        while True:
            response = self._client.users_list(limit=PAGE_SIZE, cursor=cursor)
            pages += 1
            for user in response.get("members") or []:
                if user.get("deleted") or user.get("is_bot") or not user.get("id"):
                    continue
                members_seen += 1
                for key in _lookup_names(user):
                    index.setdefault(key.lower(), set()).add(user["id"])
                name = _name_of(user)
                if name:
                    self._remember_name(user["id"], name)
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        log.info(messages.LOG_USERS_LIST, members_seen, pages)
        return index


def _lookup_names(user: dict[str, Any]) -> set[str]:
    profile = user.get("profile") or {}
    candidates = (
        user.get("name"),
        user.get("real_name"),
        profile.get("display_name"),
        profile.get("display_name_normalized"),
        profile.get("real_name"),
        profile.get("real_name_normalized"),
    )
    return {c.strip() for c in candidates if isinstance(c, str) and c.strip()}


def _name_of(user: dict[str, Any]) -> str | None:
    profile = user.get("profile") or {}
    for candidate in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None

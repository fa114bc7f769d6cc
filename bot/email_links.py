"""Linking people to CXone agents by their email address.

A Slack user's email is matched exactly (but for case and surrounding spaces) against
the `emailAddress` of CXone's active agents: one match links, none or several explain
which and link nothing. `EmailLinker.link_on_first_use` does it for a person with no
link (DIAL_LINK_BY_EMAIL): it never overrides a link or a person's unlink, and it is
waited for at most a budget, since it runs inside Slack's 3 s. `plan_sync` does it for
a whole workspace (`dialbot links sync`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot import messages
from bot.cxone.admin import Agent, ReadFailed
from bot.store import AgentLink, AgentUnlink, LinkSource

log = logging.getLogger("bot.links")

FIRST_USE_BUDGET_SECONDS = 1.5  # Slack's users.info and CXone's search, inside the ack
LINKED_BY_EMAIL = "email match"  # linked_by of a link made on first use
LINKED_BY_SYNC = "dialbot links sync"


class AgentDirectory(Protocol):  # bot.cxone.admin.CXoneAdmin
    def agents_with_email(
        self, email: str, *, request_id: str | None = None
    ) -> list[Agent] | ReadFailed: ...

    def agents(
        self, search: str = "", *, active_only: bool = True, request_id: str | None = None
    ) -> list[Agent] | ReadFailed: ...


class LinkStore(Protocol):  # the part of bot.store.Store used here
    def get_link(self, slack_user_id: str) -> AgentLink | None: ...
    def get_unlink(self, slack_user_id: str) -> AgentUnlink | None: ...
    def link_if_free(
        self, slack_user_id: str, cxone_agent_id: str, linked_by: str, *, source: LinkSource
    ) -> AgentLink | None: ...


class MatchKind(StrEnum):
    MATCHED = "matched"  # exactly one active agent
    NO_EMAIL = "no_email"  # Slack gave no email for the person
    NONE = "none"  # no agent has it
    INACTIVE_ONLY = "inactive_only"  # only inactive agents have it
    SEVERAL = "several"  # more than one active agent has it
    UNREADABLE = "unreadable"  # CXone's or Slack's list could not be read
    UNLINKED = "unlinked"  # a person unlinked them: email does not undo that
    SLOW = "slow"  # not answered within the budget; it goes on in the background


@dataclass(frozen=True)
class EmailMatch:
    kind: MatchKind
    email: str | None = None
    agent_ids: tuple[str, ...] = ()
    detail: str = ""  # for the log, and the one phrase of an unreadable list

    @property
    def agent_id(self) -> str | None:
        return self.agent_ids[0] if self.kind is MatchKind.MATCHED else None


def normal_email(email: str | None) -> str:
    return (email or "").strip().casefold()


def match_email(directory: AgentDirectory, email: str | None) -> EmailMatch:
    """The one active agent with this email, or why there is not exactly one. One search
    for active agents; only when it finds none, one more to tell "inactive" from "none"."""
    wanted = normal_email(email)
    if not wanted:
        return EmailMatch(MatchKind.NO_EMAIL)
    shown = (email or "").strip()
    active = directory.agents_with_email(shown)
    if isinstance(active, ReadFailed):
        return _unreadable(active, shown)
    if active:
        return decide(active, [], shown)
    everyone = directory.agents(shown, active_only=False)
    if isinstance(everyone, ReadFailed):
        return _unreadable(everyone, shown)
    inactive = [a for a in everyone if normal_email(a.email_address) == wanted and not a.is_active]
    return decide([], inactive, shown)


def _unreadable(failure: ReadFailed, email: str) -> EmailMatch:
    phrase = messages.STATE_UNREAD_PHRASES.get(str(failure.kind), str(failure.kind))
    if failure.status is not None:
        phrase += f", HTTP {failure.status}"
    return EmailMatch(MatchKind.UNREADABLE, email, detail=messages.cxone_agents_unreadable(phrase))


def decide(active: list[Agent], inactive: list[Agent], email: str) -> EmailMatch:
    if len(active) == 1:
        return EmailMatch(MatchKind.MATCHED, email, (active[0].agent_id,))
    if len(active) > 1:
        return EmailMatch(MatchKind.SEVERAL, email, tuple(sorted(a.agent_id for a in active)))
    if inactive:
        return EmailMatch(MatchKind.INACTIVE_ONLY, email, tuple(a.agent_id for a in inactive))
    return EmailMatch(MatchKind.NONE, email)


class EmailLinker:
    """Finds people's agents by email, within a budget; with `first_use`, links a person
    with no link on their first dial. Thread-safe, one per app."""

    def __init__(
        self,
        directory: AgentDirectory,
        email_of: Callable[[str], str | None],
        store: LinkStore,
        *,
        first_use: bool = False,
        budget_seconds: float = FIRST_USE_BUDGET_SECONDS,
    ) -> None:
        self.directory = directory
        self.email_of = email_of  # Slack user id -> their email (users.info), None if none
        self.store = store
        self.first_use = first_use  # DIAL_LINK_BY_EMAIL
        self.budget_seconds = budget_seconds
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="email-link")
        self._lock = threading.Lock()
        self._in_flight: dict[tuple[str, bool], Future[AgentLink | EmailMatch]] = {}

    def find(self, user_id: str) -> EmailMatch:
        """The person's one active agent by email (for an admin's `/dial link @user`)."""
        found = self._within_budget(user_id, link=False)
        assert isinstance(found, EmailMatch)
        return found

    def link_on_first_use(self, user_id: str) -> AgentLink | EmailMatch:
        """Link a person with no link to their one match; never over a person's unlink."""
        if self.store.get_unlink(user_id) is not None:
            return EmailMatch(MatchKind.UNLINKED)
        return self._within_budget(user_id, link=True)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _within_budget(self, user_id: str, *, link: bool) -> AgentLink | EmailMatch:
        key = (user_id, link)
        with self._lock:
            flight = self._in_flight.get(key)
            if flight is None:
                try:
                    flight = self._pool.submit(self._run, key)
                except RuntimeError:  # shutting down
                    return EmailMatch(MatchKind.SLOW)
                self._in_flight[key] = flight
        try:
            return flight.result(timeout=self.budget_seconds)
        except FutureTimeout:  # it goes on: a link it makes is there for the next try
            return EmailMatch(MatchKind.SLOW)
        except Exception as error:  # a bug must not stop the answer
            log.exception(messages.LOG_UNHANDLED, f"email link of {user_id}")
            return EmailMatch(MatchKind.UNREADABLE, detail=type(error).__name__)

    def _run(self, key: tuple[str, bool]) -> AgentLink | EmailMatch:
        user_id, link = key
        try:
            match = self._match(user_id)
            return self._link(user_id, match) if link else match
        finally:
            with self._lock:
                self._in_flight.pop(key, None)

    def _match(self, user_id: str) -> EmailMatch:
        try:
            email = self.email_of(user_id)
        except Exception as error:  # Slack's users.info failed: the log has why
            log.warning(messages.LOG_SLACK_FAILED, "users.info for an email", error)
            return EmailMatch(MatchKind.UNREADABLE, detail=messages.SLACK_EMAIL_UNREADABLE)
        match = match_email(self.directory, email)
        log.info(messages.LOG_EMAIL_MATCH, user_id, match.kind, ",".join(match.agent_ids) or "-")
        return match

    def _link(self, user_id: str, match: EmailMatch) -> AgentLink | EmailMatch:
        if match.agent_id is None:
            return match
        linked = self.store.link_if_free(
            user_id, match.agent_id, LINKED_BY_EMAIL, source=LinkSource.EMAIL
        )
        if linked is not None:
            log.info(messages.LOG_LINK, LINKED_BY_EMAIL, user_id, match.agent_id)
            return linked
        # Linked or unlinked by someone meanwhile: that decision stands.
        return self.store.get_link(user_id) or EmailMatch(MatchKind.UNLINKED)


# --- a whole workspace: `dialbot links sync` ------------------------------------------


class SyncAction(StrEnum):
    LINK = "link"  # no link yet: linked to the one match
    UNCHANGED = "unchanged"  # already linked to that agent
    KEPT = "kept"  # linked to another agent, or unlinked by a person: left alone
    SKIPPED = "skipped"  # no single active agent has their email


@dataclass(frozen=True)
class SyncRow:
    slack_user_id: str
    email: str
    action: SyncAction
    agent_id: str | None  # the match (LINK, UNCHANGED) or the link kept (KEPT)
    why: str = ""


def plan_sync(
    members: Iterable[tuple[str, str | None]],
    agents: Iterable[Agent],
    links: dict[str, AgentLink],
    unlinks: dict[str, AgentUnlink],
) -> list[SyncRow]:
    """What `links sync` would do for each (Slack user id, email), given every CXone agent."""
    by_email: dict[str, list[Agent]] = {}
    for agent in agents:
        by_email.setdefault(normal_email(agent.email_address), []).append(agent)
    rows = []
    for user_id, email in members:
        key = normal_email(email)
        if not key:
            continue
        same = by_email.get(key, [])
        match = decide([a for a in same if a.is_active], [a for a in same if not a.is_active], key)
        rows.append(_sync_row(user_id, (email or "").strip(), match, links, unlinks))
    return rows


def _sync_row(
    user_id: str,
    email: str,
    match: EmailMatch,
    links: dict[str, AgentLink],
    unlinks: dict[str, AgentUnlink],
) -> SyncRow:
    link = links.get(user_id)
    if match.agent_id is None:
        why = messages.sync_no_match(match.kind, match.agent_ids)
        return SyncRow(
            user_id, email, SyncAction.SKIPPED, link.cxone_agent_id if link else None, why
        )
    if link is not None and link.cxone_agent_id == match.agent_id:
        return SyncRow(user_id, email, SyncAction.UNCHANGED, match.agent_id)
    if link is not None:
        why = messages.sync_kept_link(link.cxone_agent_id, match.agent_id)
        return SyncRow(user_id, email, SyncAction.KEPT, link.cxone_agent_id, why)
    if user_id in unlinks:
        return SyncRow(user_id, email, SyncAction.KEPT, None, messages.SYNC_KEPT_UNLINK)
    return SyncRow(user_id, email, SyncAction.LINK, match.agent_id)

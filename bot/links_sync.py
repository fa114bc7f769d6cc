"""`dialbot links sync [--apply]`: link every Slack member whose email is one active
CXone agent's.

Reads every member (paged users.list; bots and deactivated people left out) and every
CXone agent (paged GET /agents), then shows what would change; `--apply` links the
ones with no link yet (source email). Links and a person's unlinks are never changed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from pydantic import ValidationError

from bot import messages
from bot.config import Settings, describe_errors
from bot.cxone.admin import Agent, CXoneAdmin, ReadFailed
from bot.email_links import LINKED_BY_SYNC, SyncAction, SyncRow, plan_sync
from bot.store import LinkSource
from bot.store.cli_table import render_table
from bot.store.store import Store

SLACK_PAGE_SIZE = 200
SLACK_TIMEOUT = 30


def sync_command(store: Store, args: argparse.Namespace) -> int:
    try:
        settings = Settings()
    except ValidationError as error:
        print(describe_errors(error), file=sys.stderr)
        return 2
    try:
        members = list(slack_members(settings))
    except Exception as error:  # slack_sdk's errors, a refused connection
        print(messages.cli_sync_slack_failed(describe(error)), file=sys.stderr)
        return 1
    agents = cxone_agents(settings)
    if isinstance(agents, ReadFailed):
        print(messages.cli_sync_cxone_failed(agents.kind, agents.detail), file=sys.stderr)
        return 1
    links = {link.slack_user_id: link for link in store.list_links()}
    unlinks = {unlink.slack_user_id: unlink for unlink in store.list_unlinks()}
    rows = plan_sync(members, agents, links, unlinks)
    shown = [r for r in rows if args.all or r.action in (SyncAction.LINK, SyncAction.KEPT)]
    if shown:
        print(render_table(("slack user", "email", "action", "cxone agent", "why"), _cells(shown)))
    without_email = sum(1 for _, email in members if not email)
    print(messages.cli_sync_summary(_counts(rows), len(members), without_email, args.apply))
    if args.apply:
        linked = apply(store, rows)
        print(messages.cli_sync_applied(linked))
    return 0


def apply(store: Store, rows: list[SyncRow]) -> int:
    """Link the LINK rows that are still free; how many were linked."""
    linked = 0
    for row in rows:
        if row.action is SyncAction.LINK and row.agent_id:
            made = store.link_if_free(
                row.slack_user_id, row.agent_id, LINKED_BY_SYNC, source=LinkSource.EMAIL
            )
            linked += made is not None
    return linked


def slack_members(settings: Settings) -> Iterator[tuple[str, str | None]]:
    """(user id, email or None) of every active person in the workspace."""
    from slack_sdk import WebClient

    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT,
    )
    cursor = None
    while True:
        page = client.users_list(limit=SLACK_PAGE_SIZE, cursor=cursor)
        for user in page.get("members") or []:
            if user.get("deleted") or user.get("is_bot") or not user.get("id"):
                continue
            if user.get("id") == "USLACKBOT":
                continue
            email = (user.get("profile") or {}).get("email")
            yield user["id"], email if isinstance(email, str) else None
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


def cxone_agents(settings: Settings) -> list[Agent] | ReadFailed:
    from bot.cxone.auth import TokenClient
    from bot.cxone.http import CXoneHttp

    tokens = TokenClient(
        settings.token_url,
        settings.cxone_oauth_client_id,
        settings.cxone_oauth_client_secret,
        grant_type=settings.cxone_oauth_grant_type,
        timeout=settings.cxone_http_timeout,
    )
    http = CXoneHttp(tokens, timeout=settings.cxone_http_timeout)
    admin = CXoneAdmin(settings.cxone_base_url, http, version=settings.cxone_api_version)
    return admin.agents("", active_only=False)


def describe(error: Exception) -> str:
    response = getattr(error, "response", None)
    code = response.get("error") if response is not None and hasattr(response, "get") else None
    return str(code) if code else type(error).__name__


def _cells(rows: list[SyncRow]) -> list[tuple[str, ...]]:
    return [
        (row.slack_user_id, row.email, str(row.action), row.agent_id or "", row.why) for row in rows
    ]


def _counts(rows: list[SyncRow]) -> dict[str, int]:
    counts = {action.value: 0 for action in SyncAction}
    for row in rows:
        counts[row.action.value] += 1
    return counts

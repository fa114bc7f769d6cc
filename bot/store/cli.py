"""`dialbot db upgrade`, `dialbot links import|list`, `dialbot history`."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import messages
from bot.store.engine import describe_url
from bot.store.errors import StoreError
from bot.store.records import AgentLink, AgentUnlink, DialRequest, LinkSource, RowOutcome
from bot.store.store import Store

DETAIL_MAX_CHARS = 60


class DatabaseSettings(BaseSettings):
    """Only DATABASE_URL, so admin commands run without Slack or CXone settings."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = "sqlite:///dialbot.db"


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="manage the database schema")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser(
        "upgrade", help="create or upgrade the tables (DATABASE_URL)"
    ).set_defaults(func=_handler(upgrade_command))

    links = subparsers.add_parser("links", help="Slack user ↔ CXone agent links")
    links_commands = links.add_subparsers(dest="links_command", metavar="ACTION", required=True)
    import_parser = links_commands.add_parser(
        "import", help="load a CSV of slack_user_id,cxone_agent_id (header optional)"
    )
    import_parser.add_argument("file", type=Path, help="the CSV file")
    import_parser.set_defaults(func=_handler(import_command))
    links_commands.add_parser("list", help="show every link").set_defaults(
        func=_handler(list_command)
    )

    history = subparsers.add_parser("history", help="recent dial requests, newest first")
    history.add_argument("--user", help="only requests by, or for, this Slack user id")
    history.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    history.add_argument("--full", action="store_true", help="show whole phone numbers")
    history.set_defaults(func=_handler(history_command))


def _handler(command: Callable[[Store, argparse.Namespace], int]) -> Callable[..., int]:
    """Run `command` on the store at DATABASE_URL (its schema upgraded first, as at the
    bot's start); a StoreError becomes its message on stderr and exit code 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            store = Store.open(DatabaseSettings().database_url)
            try:
                return command(store, args)
            finally:
                store.close()
        except StoreError as error:
            print(error, file=sys.stderr)
            return 1

    return run


def upgrade_command(store: Store, _args: argparse.Namespace) -> int:
    where = describe_url(store.engine.url)
    if store.schema_upgrade:
        before, after = store.schema_upgrade
        print(
            f"Upgraded the database at {where} from schema revision {before or 'none'} to {after}."
        )
    else:
        print(f"The database at {where} is already up to date.")
    return 0


def import_command(store: Store, args: argparse.Namespace) -> int:
    report = store.import_links(args.file, source=LinkSource.IMPORT, linked_by=operator())
    for row in report.rows:
        print(f"  {messages.imported_row(row)}")
    print(f"{args.file}: {messages.import_summary(report)}.")
    if report.count(RowOutcome.KEPT):
        print(messages.CLI_KEPT_ROWS_HINT)
    if report.problems:
        print(messages.cli_bad_rows(len(report.problems)), file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 0


def operator() -> str:
    """Who runs the command, recorded as who linked or unlinked."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return messages.CLI_UNKNOWN_OPERATOR


def list_command(store: Store, _args: argparse.Namespace) -> int:
    links, unlinks = store.list_links(), store.list_unlinks()
    if not links:
        print(
            "No agent links yet. Add them with `/dial link @user <agentId>` in Slack "
            "or `dialbot links import FILE`."
        )
    else:
        header = ("slack user", "cxone agent", "from", "by", "at (UTC)")
        print(render_table(header, _link_rows(links)))
    if unlinks:
        print(f"\n{messages.CLI_UNLINKS_HEADING}")
        header = ("slack user", "was agent", "from", "by", "at (UTC)")
        print(render_table(header, _unlink_rows(unlinks)))
    return 0


def history_command(store: Store, args: argparse.Namespace) -> int:
    requests = store.history(user=args.user, limit=args.limit)
    if not requests:
        who = f" for {args.user}" if args.user else ""
        print(f"No dial requests{who} yet.")
        return 0
    if args.full:
        show_number: Callable[[str], str] = str
    else:
        from bot.phone import mask_number  # the one masking function

        show_number = mask_number
    header = ("created (UTC)", "requester", "agent", "number", "state", "call id / error")
    print(render_table(header, _request_rows(requests, show_number)))
    return 0


def _link_rows(links: Sequence[AgentLink]) -> list[tuple[str, ...]]:
    return [
        (
            link.slack_user_id,
            link.cxone_agent_id,
            messages.LINK_SOURCE_LABELS[link.source],
            link.linked_by,
            _minute(link.linked_at),
        )
        for link in links
    ]


def _unlink_rows(unlinks: Sequence[AgentUnlink]) -> list[tuple[str, ...]]:
    return [
        (
            unlink.slack_user_id,
            unlink.cxone_agent_id or "",
            messages.LINK_SOURCE_LABELS[unlink.source],
            unlink.unlinked_by or "",
            _minute(unlink.unlinked_at),
        )
        for unlink in unlinks
    ]


def _request_rows(
    requests: Sequence[DialRequest], show_number: Callable[[str], str]
) -> list[tuple[str, ...]]:
    rows = []
    for request in requests:
        detail = request.call_id or request.error or ""
        if len(detail) > DETAIL_MAX_CHARS:
            detail = detail[: DETAIL_MAX_CHARS - 1] + "…"
        rows.append(
            (
                _minute(request.created_at),
                request.requester_id,
                f"{request.agent_user_id} ({request.agent_id})",
                show_number(request.phone_number),
                str(request.state),
                detail,
            )
        )
    return rows


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        return "  ".join(padded).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])

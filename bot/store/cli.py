"""`dialbot db upgrade`, `dialbot links import|list`, `dialbot history`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.store.engine import describe_url
from bot.store.errors import StoreError
from bot.store.records import AgentLink, DialRequest
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
    report = store.import_links(args.file, linked_by="dialbot links import")
    print(f"Loaded {report.loaded} link{'' if report.loaded == 1 else 's'} from {args.file}.")
    if report.problems:
        print(
            f"Skipped {len(report.problems)} row{'' if len(report.problems) == 1 else 's'}; "
            "fix them and import the file again:",
            file=sys.stderr,
        )
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 0


def list_command(store: Store, _args: argparse.Namespace) -> int:
    links = store.list_links()
    if not links:
        print(
            "No agent links yet. Add them with `/dial link @user <agentId>` in Slack "
            "or `dialbot links import FILE`."
        )
        return 0
    header = ("slack user", "cxone agent", "linked by", "linked at (UTC)")
    print(render_table(header, _link_rows(links)))
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
        (link.slack_user_id, link.cxone_agent_id, link.linked_by, _minute(link.linked_at))
        for link in links
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

"""`dialbot db upgrade`, `dialbot links import|list|link|unlink|sync|export`, `dialbot history`.

Every command first says which database it uses (on stderr, so that CSV and JSON on
stdout stay clean). Only `db upgrade` creates a database or changes its schema; the
others open an existing one at the current schema, or say what to run.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import messages
from bot.store import cli_history, cli_prune
from bot.store.agent_map import format_agent_map, is_cxone_agent_id, is_slack_user_id
from bot.store.cli_table import minute, render_table
from bot.store.engine import describe_url, missing_sqlite_file
from bot.store.errors import StoreError
from bot.store.records import AgentLink, AgentUnlink, LinkSource, RowOutcome
from bot.store.store import Store

Command = Callable[[Store, argparse.Namespace], int]


class DatabaseSettings(BaseSettings):
    """Only DATABASE_URL, so admin commands run without Slack or CXone settings."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = "sqlite:///dialbot.db"


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="manage the database schema")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser(
        "upgrade", help="create the database or upgrade its tables (DATABASE_URL)"
    ).set_defaults(func=_handler(upgrade_command, creates=True))
    _register_links(subparsers)
    history = subparsers.add_parser("history", help="recent dial requests, newest first")
    cli_history.register(history)
    history.set_defaults(func=_handler(cli_history.history_command))
    actions = history.add_subparsers(dest="history_command", metavar="ACTION")
    prune = actions.add_parser(
        "prune",
        help="delete finished dial requests older than DAYS (pending and dialing stay)",
    )
    cli_prune.register(prune)
    prune.set_defaults(func=_handler(cli_prune.prune_command))


def _register_links(subparsers: argparse._SubParsersAction) -> None:
    links = subparsers.add_parser("links", help="Slack user ↔ CXone agent links")
    commands = links.add_subparsers(dest="links_command", metavar="ACTION", required=True)
    importing = commands.add_parser(
        "import",
        help="load a CSV of slack_user_id,cxone_agent_id (header and # comment lines "
        "optional); rows for people an admin linked or unlinked by hand are skipped",
    )
    importing.add_argument("file", type=Path, help="the CSV file")
    importing.set_defaults(func=_handler(import_command))
    commands.add_parser("list", help="show every link, and who was unlinked").set_defaults(
        func=_handler(list_command)
    )
    linking = commands.add_parser("link", help="link a Slack user to a CXone agent, by hand")
    linking.add_argument("user", type=slack_user_id, help="the Slack user id (U0123ABCD)")
    linking.add_argument("agent", type=cxone_agent_id, help="the CXone agent id")
    linking.set_defaults(func=_handler(link_command))
    unlinking = commands.add_parser(
        "unlink", help="unlink a Slack user; no file row links them again"
    )
    unlinking.add_argument("user", type=slack_user_id, help="the Slack user id (U0123ABCD)")
    unlinking.set_defaults(func=_handler(unlink_command))
    syncing = commands.add_parser(
        "sync",
        help="link every Slack member whose email is one active CXone agent's (a dry run "
        "without --apply); existing links and unlinks stay",
    )
    syncing.add_argument("--apply", action="store_true", help="make the links, not just show them")
    syncing.add_argument(
        "--all", action="store_true", help="list every member with an email, not only changes"
    )
    syncing.set_defaults(func=_handler(_sync_command))
    exporting = commands.add_parser(
        "export", help="write every link as a CSV that `links import` takes back"
    )
    exporting.add_argument(
        "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )
    exporting.set_defaults(func=_handler(export_command))


def _handler(command: Command, *, creates: bool = False) -> Callable[..., int]:
    """Run `command` on the store at DATABASE_URL. Unless `creates`, a SQLite file that
    does not exist is reported instead of created, and the schema must be current. A
    StoreError becomes its message on stderr and exit code 1."""

    def run(args: argparse.Namespace) -> int:
        url = DatabaseSettings().database_url
        where = _where(url)
        print(messages.cli_using_database(where), file=sys.stderr)
        missing = None if creates else missing_sqlite_file(url)
        if missing is not None:
            print(messages.cli_no_database(where, str(missing)), file=sys.stderr)
            return 1
        try:
            store = Store.open(url, upgrade=creates)
            try:
                return command(store, args)
            finally:
                store.close()
        except StoreError as error:
            print(error, file=sys.stderr)
            return 1

    return run


def _sync_command(store: Store, args: argparse.Namespace) -> int:
    from bot.links_sync import sync_command  # Slack and CXone clients: only when asked

    return sync_command(store, args)


def _where(url: str) -> str:
    try:
        return describe_url(url)
    except Exception:  # not a URL at all: Store.open says so
        return messages.CLI_UNPARSABLE_DATABASE_URL


def upgrade_command(store: Store, _args: argparse.Namespace) -> int:
    where = describe_url(store.engine.url)
    if store.schema_upgrade is None:
        print(messages.cli_schema_current(where))
    elif store.schema_upgrade[0] is None:
        print(messages.cli_schema_created(where, store.schema_upgrade[1]))
    else:
        print(messages.cli_schema_upgraded(where, *store.schema_upgrade))
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


def list_command(store: Store, _args: argparse.Namespace) -> int:
    links, unlinks = store.list_links(), store.list_unlinks()
    if not links:
        print(messages.CLI_NO_LINKS)
    else:
        header = ("slack user", "cxone agent", "from", "by", "at (UTC)")
        print(render_table(header, _link_rows(links)))
    if unlinks:
        print(f"\n{messages.CLI_UNLINKS_HEADING}")
        header = ("slack user", "was agent", "from", "by", "at (UTC)")
        print(render_table(header, _unlink_rows(unlinks)))
    return 0


def link_command(store: Store, args: argparse.Namespace) -> int:
    before = store.get_link(args.user)
    store.link(args.user, args.agent, operator(), source=LinkSource.CLI)
    print(messages.cli_linked(args.user, args.agent, before))
    return 0


def unlink_command(store: Store, args: argparse.Namespace) -> int:
    before = store.get_link(args.user)
    if before is None or not store.unlink(args.user, operator(), source=LinkSource.CLI):
        print(messages.cli_was_not_linked(args.user), file=sys.stderr)
        return 1
    print(messages.cli_unlinked(args.user, before.cxone_agent_id))
    return 0


def export_command(store: Store, args: argparse.Namespace) -> int:
    links = store.list_links()
    unlinked = [unlink.slack_user_id for unlink in store.list_unlinks()]
    where = describe_url(store.engine.url)
    comments = messages.cli_export_comments(where, len(links), datetime.now(UTC), unlinked)
    text = format_agent_map(((x.slack_user_id, x.cxone_agent_id) for x in links), comments)
    if args.output is None:
        print(text, end="")
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise StoreError(messages.cli_cannot_write(str(args.output), error)) from None
    print(messages.cli_exported(len(links), str(args.output)))
    return 0


def operator() -> str:
    """Who runs the command, recorded as who linked or unlinked."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return messages.CLI_UNKNOWN_OPERATOR


def slack_user_id(text: str) -> str:
    if not is_slack_user_id(text.strip()):
        raise argparse.ArgumentTypeError(messages.cli_not_a_slack_user_id(text))
    return text.strip()


def cxone_agent_id(text: str) -> str:
    if not is_cxone_agent_id(text.strip()):
        raise argparse.ArgumentTypeError(messages.cli_not_an_agent_id(text))
    return text.strip()


def _link_rows(links: Sequence[AgentLink]) -> list[tuple[str, ...]]:
    return [
        (
            link.slack_user_id,
            link.cxone_agent_id,
            messages.LINK_SOURCE_LABELS[link.source],
            link.linked_by,
            minute(link.linked_at),
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
            minute(unlink.unlinked_at),
        )
        for unlink in unlinks
    ]

"""`dialbot history`: dial requests, newest first, as a table, CSV or JSON.

Numbers are masked unless --full, which also shows whole error texts in the table
(CSV and JSON always carry the whole error, as stored). response_url is never shown:
it lets whoever holds it post to the requester.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from bot import messages
from bot.store.cli_table import minute, render_table
from bot.store.records import DialRequest, DialState
from bot.store.store import Store

ERROR_MAX_CHARS = 60  # in the table, without --full
FORMATS = ("table", "csv", "json")
FIELDS = (
    "id",
    "created_at",
    "requester_id",
    "agent_user_id",
    "agent_id",
    "phone_number",
    "contact_id",
    "channel_id",
    "state",
    "confirmed_at",
    "finished_at",
    "call_id",
    "correlation_id",
    "error",
    "agent_state",  # the agent's CXone state seen at the press (issue 12)
)
TIME_AGO = re.compile(r"^(\d+)\s*([mhdw])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def register(history: argparse.ArgumentParser) -> None:
    history.add_argument("--user", help="only requests by, or for, this Slack user id")
    history.add_argument(
        "--since",
        type=moment,
        metavar="WHEN",
        help="only requests made since a UTC date or time (2024-05-01, 2024-05-01T09:30) "
        "or a time ago (30m, 12h, 7d, 2w)",
    )
    history.add_argument(
        "--state",
        dest="states",
        type=states,
        action="extend",
        metavar="STATE",
        help=f"only requests in this state ({', '.join(DialState)}); repeat or comma-separate",
    )
    history.add_argument(
        "--limit", type=positive_int, default=20, help="how many, newest first (default 20)"
    )
    history.add_argument(
        "--format", choices=FORMATS, default="table", help="table (default), csv or json"
    )
    history.add_argument(
        "--full", action="store_true", help="show whole phone numbers and whole error texts"
    )


def history_command(store: Store, args: argparse.Namespace) -> int:
    requests = store.history(user=args.user, limit=args.limit, since=args.since, states=args.states)
    show_number = _number_shown(args.full)
    if args.format == "csv":
        print(as_csv(requests, show_number), end="")
    elif args.format == "json":
        print(as_json(requests, show_number))
    elif not requests:
        print(messages.cli_no_requests(_filters(args)))
    else:
        print(as_table(requests, show_number, whole_errors=args.full))
    return 0


def as_table(
    requests: Sequence[DialRequest], show_number: Callable[[str], str], *, whole_errors: bool
) -> str:
    header = (
        "created (UTC)",
        "request id",
        "requester",
        "agent",
        "number",
        "state",
        "call id",
        "correlation id",
        "error",
    )
    rows = [
        (
            minute(request.created_at),
            request.id,
            request.requester_id,
            f"{request.agent_user_id} ({request.agent_id})",
            show_number(request.phone_number),
            str(request.state),
            request.call_id or "",
            request.correlation_id or "",
            _error(request.error, whole_errors),
        )
        for request in requests
    ]
    return render_table(header, rows)


def as_csv(requests: Sequence[DialRequest], show_number: Callable[[str], str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for request in requests:
        record = _record(request, show_number)
        writer.writerow({key: "" if value is None else value for key, value in record.items()})
    return out.getvalue()


def as_json(requests: Sequence[DialRequest], show_number: Callable[[str], str]) -> str:
    return json.dumps([_record(request, show_number) for request in requests], indent=2)


def _record(request: DialRequest, show_number: Callable[[str], str]) -> dict[str, str | None]:
    record: dict[str, str | None] = {}
    for name in FIELDS:
        value = getattr(request, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif name == "phone_number":
            value = show_number(value)
        elif value is not None:
            value = str(value)
        record[name] = value
    return record


def _error(error: str | None, whole: bool) -> str:
    text = " ".join((error or "").split())
    if whole or len(text) <= ERROR_MAX_CHARS:
        return text
    return text[: ERROR_MAX_CHARS - 1] + "…"


def _number_shown(full: bool) -> Callable[[str], str]:
    if full:
        return str
    from bot.phone import mask_number  # the one masking function

    return mask_number


def _filters(args: argparse.Namespace) -> list[str]:
    filters = []
    if args.user:
        filters.append(f"for {args.user}")
    if args.states:
        filters.append(f"in state {' or '.join(args.states)}")
    if args.since:
        filters.append(f"since {minute(args.since)} UTC")
    return filters


# --- argument types: a bad value is argparse's error (exit 2), naming the option ------


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(messages.cli_not_positive(text))
    return value


def moment(text: str) -> datetime:
    """A UTC date or time, or a time ago, as an aware datetime."""
    text = text.strip()
    ago = TIME_AGO.match(text)
    if ago:
        return datetime.now(UTC) - timedelta(**{UNITS[ago.group(2)]: int(ago.group(1))})
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(messages.cli_not_a_moment(text)) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def states(text: str) -> list[DialState]:
    chosen = []
    for part in filter(None, (part.strip().lower() for part in text.split(","))):
        try:
            chosen.append(DialState(part))
        except ValueError:
            raise argparse.ArgumentTypeError(messages.cli_not_a_state(part, DialState)) from None
    return chosen

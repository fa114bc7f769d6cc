"""`dialbot history prune --older-than DAYS [--dry-run]`: retention by hand.

The same deletion as the background pass DIAL_RETENTION_DAYS runs (bot.store.retention):
finished requests only, in small batches, and not while a replica's pass holds the lock.
"""

from __future__ import annotations

import argparse
import sys

from bot import messages
from bot.store.store import Store


def register(prune: argparse.ArgumentParser) -> None:
    prune.add_argument(
        "--older-than",
        dest="older_than",
        type=days,
        required=True,
        metavar="DAYS",
        help="delete finished requests created more than DAYS days ago",
    )
    prune.add_argument("--dry-run", action="store_true", help="only say how many would be deleted")


def prune_command(store: Store, args: argparse.Namespace) -> int:
    result = store.prune_finished(args.older_than, dry_run=args.dry_run)
    if not result.ran:
        print(messages.CLI_PRUNE_SKIPPED, file=sys.stderr)
        return 1
    print(messages.cli_pruned(result.removed, result.cutoff, result.dry_run))
    return 0


def days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(messages.cli_not_days(text))
    return value

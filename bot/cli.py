"""`dialbot`: the admin command line. Each area registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules that expose `register(subparsers)`; each adds subcommands whose
# handler is stored as `func` and returns an exit code.
COMMAND_MODULES = (
    "bot.sandbox.demo",
    "bot.sandbox.cli",
    "bot.store.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialbot", description="Place NICE CXone calls from Slack: admin tools."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

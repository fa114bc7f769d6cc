"""`dialbot`: the admin command line. Each area registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import sys
from importlib import metadata

# Modules that expose `register(subparsers)`; each adds subcommands whose
# handler is stored as `func` and returns an exit code.
COMMAND_MODULES = (
    "bot.sandbox.demo",
    "bot.sandbox.cli",
    "bot.store.cli",
    "bot.doctor.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialbot", description="Place NICE CXone calls from Slack: admin tools."
    )
    parser.add_argument("--version", action="version", version=f"dialbot {installed_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def installed_version() -> str:
    try:
        return metadata.version("dialbot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(version unknown: not installed; run `pip install -e .`)"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

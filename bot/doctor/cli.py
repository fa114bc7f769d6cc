"""`dialbot doctor [--json]`: the checks, one line each (or JSON); exit 0 only when
every check passed or does not apply."""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy.engine import make_url

from bot.config import ConfigError, Settings, load_settings
from bot.doctor.checks import DoctorContext, checks_for
from bot.doctor.report import all_passed, as_json, as_text, redact
from bot.doctor.runner import run_checks


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check a real setup (settings, database, Slack, CXone) without placing a call",
        description="Checks the settings the way `python app.py` reads them (environment, "
        "then .env), the database, the Slack tokens and scopes, a CXone token (and in agent "
        "mode the discovered API host and tenant), CXone's agents and state APIs and the "
        "notification channel. Never places a call or prints a secret. Exit 0 only when "
        "every check passes or does not apply.",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    context = read_settings()
    results = run_checks(checks_for(context), context)
    seconds = time.monotonic() - started
    output = as_json(results, seconds) if args.json else as_text(results, seconds)
    print(redact(output, secrets_of(context.settings)))
    sys.stdout.flush()
    return 0 if all_passed(results) else 1


def read_settings() -> DoctorContext:
    try:
        return DoctorContext(settings=load_settings())
    except ConfigError as error:
        return DoctorContext(settings=None, settings_problem=str(error))


def secrets_of(settings: Settings | None) -> list[str]:
    """Every secret value the settings hold, to be sure none is ever printed."""
    if settings is None:
        return []
    found = [settings.slack_bot_token, settings.cxone_oauth_client_secret]
    found += [settings.slack_signing_secret, settings.slack_app_token]
    found += [settings.cxone_access_key_secret]
    values = [secret.get_secret_value() for secret in found if secret is not None]
    try:
        password = make_url(settings.database_url).password
    except Exception:  # not a URL: the database check says so
        password = None
    return values + ([str(password)] if password else [])
